// `npm run cli:build`: builds the Pulumi CLI, its language hosts (Node.js, Python, Go, YAML) and our shim around the
// old ones (cli/langshim) from the Go module proxy into
// .cache/pulumi-cli/<release>/bin, from the committed wrapper modules in cli/ (go.mod/go.sum only; no Pulumi
// source is committed). Progress goes to stderr-like lines on stdout; the LAST line is the absolute path of the
// bin folder, which scripts and CI read. A second run with nothing changed only compares a stamp.
//
// Why two modules: the proxy refuses every version of the current language host module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3: "403 Forbidden — This module version is not
// available"), so the host comes from sdk/v3 v3.68.0, the newest sdk release in which the host was still a package of
// the sdk module. It cannot share a module graph with pkg/v3 v3.276.0 (that would lift sdk/v3 to 3.276.0, where the
// package no longer exists), hence cli/langhost/go.mod. The Python host comes from the same sdk/v3 v3.68.0 (same
// refusal for .../sdk/python/cmd/pulumi-language-python/v3). The Go host's own module is refused too, and sdk/v3
// v3.66.0 is the last release holding it as a package: a third graph, cli/langhost-go/go.mod. The YAML host
// (github.com/pulumi/pulumi-yaml, which needs pkg/v3 >= 3.257.0) and the shim share cli/go.mod with the CLI, so they
// reuse its compiled packages.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
    chmodSync,
    copyFileSync,
    existsSync,
    linkSync,
    mkdirSync,
    readdirSync,
    readFileSync,
    renameSync,
    rmSync,
    writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import {
    CLI_RELEASE,
    cliBinDir,
    dynamicProviderLauncher,
    GO_HOST_RELEASE,
    LANGUAGE_HOST_RELEASE,
    wrappedHostName,
    YAML_HOST_RELEASE,
} from "../harness/realCliBuild";

const root = resolve(__dirname, "..");

// The release's own flags: pulumi/pulumi .goreleaser.yml (`flags: [-trimpath]`, `tags: [osusergo, grpcnotrace]`,
// `ldflags: -w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v{{.Env.PULUMI_VERSION}}`) and
// scripts/go-wrapper.sh (CGO_ENABLED=0). Without the -X, `pulumi version` prints nothing.
const sdkVersion = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
// pulumi-yaml's release build sets its own variable (pulumi-yaml Makefile / .goreleaser.yml: `-X
// github.com/pulumi/pulumi-yaml/pkg/version.Version=...`); the host reports it as its plugin version.
const yamlVersion = "github.com/pulumi/pulumi-yaml/pkg/version.Version";
const buildFlags = ["-trimpath", "-tags", "osusergo,grpcnotrace"];

interface Target {
    name: string;
    moduleDir: string;
    pkg: string;
    version: string;
    /** The variable the release sets to the version; none for our own tools. */
    versionVar?: string;
    extraLdflags?: string;
}
/**
 * The hosts we can build predate the code-generation RPCs of the CLI (GenerateProgram, GeneratePackage), so each is
 * installed under its release's name and our shim (cli/langshim) takes the host's name: it serves those RPCs and
 * forwards the rest to the old host.
 */
const wrappedLanguages = ["nodejs", "python", "go"] as const;
const wrappedRelease: Record<(typeof wrappedLanguages)[number], string> = {
    nodejs: LANGUAGE_HOST_RELEASE,
    python: LANGUAGE_HOST_RELEASE,
    go: GO_HOST_RELEASE,
};
const SHIM = "pulumi-language-shim";
const targets: Target[] = [
    {
        name: "pulumi",
        moduleDir: "cli",
        pkg: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
        version: CLI_RELEASE,
        versionVar: sdkVersion,
    },
    {
        name: "pulumi-language-yaml",
        moduleDir: "cli",
        pkg: "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml",
        version: YAML_HOST_RELEASE,
        versionVar: yamlVersion,
    },
    {
        name: SHIM,
        moduleDir: "cli",
        pkg: "./langshim",
        version: CLI_RELEASE,
        // Which old host each copy wraps (cli/langshim/main.go, hostReleases).
        extraLdflags: `-X main.hostReleases=${wrappedLanguages.map((l) => `${l}=${wrappedRelease[l]}`).join(",")}`,
    },
    {
        name: wrappedHostName("nodejs", LANGUAGE_HOST_RELEASE),
        moduleDir: "cli/langhost",
        pkg: "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs",
        version: LANGUAGE_HOST_RELEASE,
        versionVar: sdkVersion,
    },
    {
        name: wrappedHostName("python", LANGUAGE_HOST_RELEASE),
        moduleDir: "cli/langhost",
        pkg: "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python",
        version: LANGUAGE_HOST_RELEASE,
        versionVar: sdkVersion,
    },
    {
        name: wrappedHostName("go", GO_HOST_RELEASE),
        moduleDir: "cli/langhost-go",
        pkg: "github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go",
        version: GO_HOST_RELEASE,
        versionVar: sdkVersion,
    },
];
/** The Python host runs programs through this script (python/cmd/pulumi-language-python/main.go, pythonDefaultExec). */
const pythonExec = "pulumi-language-python-exec";

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
        if (t.pkg.startsWith("./")) {
            const dir = join(root, t.moduleDir, t.pkg);
            for (const f of readdirSync(dir).sort()) h.update(f + readFileSync(join(dir, f), "utf8"));
        }
        h.update(t.extraLdflags ?? "");
        for (const f of ["go.mod", "go.sum"]) h.update(readFileSync(join(root, t.moduleDir, f)));
    }
    h.update(dynamicProviderLauncher);
    return h.digest("hex");
}

/**
 * The Python host's exec script is Python, not Go: the CLI's release archive ships it beside the host (goreleaser
 * packs sdk/python/dist/pulumi-language-python-exec into bin/). Ours is the one of the host's own release, copied from
 * the module cache (`go list -m` names the sdk/v3 folder of cli/langhost's graph).
 */
function copyPythonExec(bin: string): void {
    const r = spawnSync("go", ["list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi/sdk/v3"], {
        cwd: join(root, "cli/langhost"),
        env: goEnv,
        encoding: "utf8",
    });
    const sdkDir = r.stdout.trim();
    if (r.status !== 0 || sdkDir === "") fail(`go list -m github.com/pulumi/pulumi/sdk/v3 failed in cli/langhost`);
    const target = join(bin, pythonExec);
    copyFileSync(join(sdkDir, "python", "cmd", pythonExec), target);
    chmodSync(target, 0o755);
}

function main(): void {
    const started = Date.now();
    const bin = cliBinDir(root);
    const stampFile = join(bin, ".stamp");
    const go = goVersion();
    const key = stampKey(go);
    const shimCopies = wrappedLanguages.map((l) => `pulumi-language-${l}`);
    const names = [...targets.map((t) => t.name), ...shimCopies, "pulumi-resource-pulumi-nodejs", pythonExec];
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
    const downloaded = new Set<string>();
    for (const t of targets) {
        const t0 = Date.now();
        if (!downloaded.has(t.moduleDir)) {
            log(`${t.name} ${t.version}: downloading modules (${t.moduleDir})`);
            const dl = spawnSync("go", ["mod", "download"], {
                cwd: join(root, t.moduleDir),
                env: goEnv,
                stdio: "inherit",
            });
            if (dl.status !== 0) fail(`go mod download failed in ${t.moduleDir} (exit ${dl.status})`);
            downloaded.add(t.moduleDir);
        }
        log(`${t.name} ${t.version}: compiling`);
        const out = join(bin, `${t.name}.tmp`);
        const version = t.versionVar === undefined ? "" : ` -X ${t.versionVar}=${t.version}`;
        const ldflags = `-s -w${version}${t.extraLdflags === undefined ? "" : ` ${t.extraLdflags}`}`;
        const b = spawnSync("go", ["build", ...buildFlags, "-ldflags", ldflags, "-o", out, t.pkg], {
            cwd: join(root, t.moduleDir),
            env: goEnv,
            stdio: "inherit",
        });
        if (b.status !== 0) fail(`go build ${t.pkg} failed (exit ${b.status})`);
        renameSync(out, join(bin, t.name));
        log(`${t.name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    copyPythonExec(bin);
    // Built by earlier versions of this script, no longer: pulumi-wechatpay-sdkgen gave way to `pulumi package gen-sdk`.
    rmSync(join(bin, "pulumi-wechatpay-sdkgen"), { force: true });
    // The shim learns its language from the name it runs under, so each host name is a hard link to it (a copy
    // where the file system has no hard links).
    for (const name of shimCopies) {
        const tmp = join(bin, `${name}.tmp`);
        rmSync(tmp, { force: true });
        try {
            linkSync(join(bin, SHIM), tmp);
        } catch {
            copyFileSync(join(bin, SHIM), tmp);
            chmodSync(tmp, 0o755);
        }
        renameSync(tmp, join(bin, name));
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
