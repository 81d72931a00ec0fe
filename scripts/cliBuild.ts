// `npm run cli:build`: builds the Pulumi CLI and its Node.js language host from the Go module proxy into
// .cache/pulumi-cli/<release>/bin, from the committed wrapper modules in cli/ (go.mod/go.sum only; no Pulumi
// source is committed). Progress goes to stderr-like lines on stdout; the LAST line is the absolute path of the
// bin folder, which scripts and CI read. A second run with nothing changed only compares a stamp.
//
// Why two modules: the proxy refuses every version of the current language host module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3: "403 Forbidden — This module version is not
// available"), so the host comes from sdk/v3 v3.68.0, the newest sdk release in which the host was still a package of
// the sdk module. It cannot share a module graph with pkg/v3 v3.276.0 (that would lift sdk/v3 to 3.276.0, where the
// package no longer exists), hence cli/langhost/go.mod.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CLI_RELEASE, cliBinDir, dynamicProviderLauncher, LANGUAGE_HOST_RELEASE } from "../harness/realCliBuild";

const root = resolve(__dirname, "..");

// The release's own flags: pulumi/pulumi .goreleaser.yml (`flags: [-trimpath]`, `tags: [osusergo, grpcnotrace]`,
// `ldflags: -w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v{{.Env.PULUMI_VERSION}}`) and
// scripts/go-wrapper.sh (CGO_ENABLED=0). Without the -X, `pulumi version` prints nothing.
const versionFlag = (v: string) => `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${v}`;
const buildFlags = ["-trimpath", "-tags", "osusergo,grpcnotrace"];

interface Target {
    name: string;
    moduleDir: string;
    pkg: string;
    version: string;
}
const targets: Target[] = [
    { name: "pulumi", moduleDir: "cli", pkg: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", version: CLI_RELEASE },
    {
        name: "pulumi-language-nodejs",
        moduleDir: "cli/langhost",
        pkg: "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs",
        version: LANGUAGE_HOST_RELEASE,
    },
];

function log(line: string): void {
    process.stdout.write(`cli:build: ${line}\n`);
}

function fail(line: string): never {
    process.stderr.write(`cli:build: ${line}\n`);
    process.exit(1);
}

// GOTOOLCHAIN=local: never download another Go toolchain (the module's `go` line is satisfied by the local one).
// GOFLAGS=-mod=readonly: the committed go.sum is the whole truth; a build never rewrites it.
const goEnv = { ...process.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" };

function goVersion(): string {
    const r = spawnSync("go", ["version"], { encoding: "utf8", env: goEnv });
    if (r.error || r.status !== 0) {
        fail(
            "Go was not found on PATH: install Go >= 1.26.6 (cli/go.mod's go line; https://go.dev/doc/install) or put a `pulumi` CLI on PATH",
        );
    }
    return r.stdout.trim();
}

function stampKey(go: string): string {
    const h = createHash("sha256");
    h.update(go);
    h.update(readFileSync(__filename));
    for (const t of targets) {
        h.update(t.pkg + t.version);
        for (const f of ["go.mod", "go.sum"]) h.update(readFileSync(join(root, t.moduleDir, f)));
    }
    h.update(dynamicProviderLauncher);
    return h.digest("hex");
}

function main(): void {
    const started = Date.now();
    const bin = cliBinDir(root);
    const stampFile = join(bin, ".stamp");
    const go = goVersion();
    const key = stampKey(go);
    const names = [...targets.map((t) => t.name), "pulumi-resource-pulumi-nodejs"];
    if (
        existsSync(stampFile) &&
        readFileSync(stampFile, "utf8") === key &&
        names.every((n) => existsSync(join(bin, n)))
    ) {
        log(`up to date (${go}; stamp ${key.slice(0, 12)})`);
        process.stdout.write(`${bin}\n`);
        return;
    }
    mkdirSync(bin, { recursive: true });
    rmSync(stampFile, { force: true });
    log(`${go}; building into ${bin}`);
    for (const t of targets) {
        const t0 = Date.now();
        log(`${t.name} ${t.version}: downloading modules (cli/${t.moduleDir.replace(/^cli\/?/, "") || "."})`);
        const dl = spawnSync("go", ["mod", "download"], { cwd: join(root, t.moduleDir), env: goEnv, stdio: "inherit" });
        if (dl.status !== 0) fail(`go mod download failed in ${t.moduleDir} (exit ${dl.status})`);
        log(`${t.name} ${t.version}: compiling`);
        const out = join(bin, `${t.name}.tmp`);
        const b = spawnSync("go", ["build", ...buildFlags, "-ldflags", versionFlag(t.version), "-o", out, t.pkg], {
            cwd: join(root, t.moduleDir),
            env: goEnv,
            stdio: "inherit",
        });
        if (b.status !== 0) fail(`go build ${t.pkg} failed (exit ${b.status})`);
        renameSync(out, join(bin, t.name));
        log(`${t.name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    // Pulumi's release archive ships the dynamic provider's launcher next to the CLI (goreleaser packs
    // sdk/nodejs/dist/pulumi-resource-pulumi-nodejs into bin/); the CLI finds bundled plugins on PATH or next to
    // its own executable (sdk/go/common/workspace/plugins.go, getPluginInfoAndPath).
    const launcher = join(bin, "pulumi-resource-pulumi-nodejs");
    writeFileSync(launcher, dynamicProviderLauncher);
    chmodSync(launcher, 0o755);
    const v = spawnSync(join(bin, "pulumi"), ["version"], { encoding: "utf8" });
    if (v.status !== 0 || v.stdout.trim() !== CLI_RELEASE) {
        fail(`built pulumi prints ${JSON.stringify(v.stdout.trim())}, expected ${CLI_RELEASE}`);
    }
    writeFileSync(stampFile, key);
    log(`pulumi version: ${v.stdout.trim()}; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.stdout.write(`${bin}\n`);
}

main();
