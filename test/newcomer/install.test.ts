/**
 * The two ways a team installs the package before it is on npm, each from an empty folder:
 *
 * - a git dependency pinned to a tag: a bare repository of the current tree, tagged with the package's version, is
 *   installed from its `git+file://` URL; npm builds `dist/` with our `prepare` script, and the README's quick-start
 *   program type-checks against it;
 * - the route docs/install.md documents: the packed tarball committed under an infra repository with its lockfile;
 *   a clean clone of that repository (what a pipeline checks out) runs `npm ci` and type-checks the same program.
 *
 * Both installs are cached under `.cache/newcomer/` by what decides them (the files the build reads, or the tarball
 * and manifest, and the npm version), like the quick start's, so a warm run only checks the results.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../../harness";
import { run } from "../../harness/run";
import { markedBlock, readme } from "./readme";
import { CACHE, once, packedTarball, runTsc, TARBALL } from "./toolchain";

const NPM_INSTALL = ["--no-audit", "--no-fund", "--prefer-offline", "--no-update-notifier"];
/** A git identity for the throw-away repositories, so the commits do not depend on the machine's git config. */
const GIT_ENV = {
    GIT_AUTHOR_NAME: "test",
    GIT_AUTHOR_EMAIL: "test@example.com",
    GIT_COMMITTER_NAME: "test",
    GIT_COMMITTER_EMAIL: "test@example.com",
    GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
    GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
};

const VERSION = TARBALL.replace(/^pulumi-wechatpay-|\.tgz$/g, "");
const TAG = `v${VERSION}`;

async function exists(path: string): Promise<boolean> {
    return access(path).then(
        () => true,
        () => false,
    );
}

function git(args: string[], cwd: string): Promise<{ stdout: string }> {
    return run("git", args, { cwd, timeoutMs: 120_000, env: { ...process.env, ...GIT_ENV } });
}

/** The version of the npm on PATH: part of every cache key, since npm's git-dependency flow is what is tested. */
async function npmVersion(): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("npm", ["--version"], (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
    });
}

/** The cached folder `<name>-<key>`; other keys of this name are removed (each is ~100 MB of node_modules). */
async function cachedFolder(name: string, key: string): Promise<string> {
    await mkdir(CACHE, { recursive: true });
    for (const entry of await readdir(CACHE)) {
        if (entry.startsWith(`${name}-`) && !entry.startsWith(`${name}-${key}`) && !entry.includes(".staging-")) {
            await rm(join(CACHE, entry), { recursive: true, force: true });
        }
    }
    return join(CACHE, `${name}-${key}`);
}

/** The quick start's program and tsconfig from the README, written into `dir`. */
async function writeQuickstartProgram(dir: string): Promise<void> {
    const text = await readme();
    for (const file of ["tsconfig.json", "index.ts"]) {
        await writeFile(join(dir, file), markedBlock(text, "quickstart", file));
    }
}

/** The files npm's git-dependency flow builds from: the manifests, the compiler settings, the sources. */
function isBuildInput(file: string): boolean {
    return (
        ["package.json", "package-lock.json", "tsconfig.json"].includes(file) ||
        file.startsWith("provider/") ||
        file.startsWith("testing/")
    );
}

/**
 * A git repository of the current tree (tracked files and new ones git does not ignore, as they are on disk), with
 * one commit tagged `TAG`, in `dir`. Returns the commit and a hash of the build inputs' paths and contents.
 */
async function snapshotRepository(dir: string): Promise<{ commit: string; inputs: string }> {
    const inputs = createHash("sha256");
    const listed = await git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO);
    await mkdir(dir, { recursive: true });
    for (const file of listed.stdout.split("\0").filter((f) => f !== "")) {
        const from = join(REPO, file);
        if (!(await exists(from))) continue; // deleted in the work tree, not yet committed
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await copyFile(from, join(dir, file));
        if (isBuildInput(file))
            inputs
                .update(`${file}\0`)
                .update(await readFile(from))
                .update("\0");
    }
    await git(["init", "--quiet"], dir);
    await git(["add", "--all"], dir);
    await git(["commit", "--quiet", "--no-gpg-sign", "-m", "snapshot"], dir);
    await git(["tag", TAG], dir);
    return { commit: (await git(["rev-parse", "HEAD"], dir)).stdout.trim(), inputs: inputs.digest("hex") };
}

describe("a git dependency pinned to a tag", () => {
    let project: string;
    let commit: string;

    beforeAll(async () => {
        const scratch = await mkdtemp(join(tmpdir(), "pulumi-wechatpay-gitdep-"));
        try {
            const source = join(scratch, "source");
            // Keyed by the build inputs, not the whole tree: a change to docs or tests installs nothing again.
            const snapshot = await snapshotRepository(source);
            const key = createHash("sha256")
                .update(`${snapshot.inputs}\0${await npmVersion()}\0${process.version}`)
                .digest("hex")
                .slice(0, 12);
            const bare = join(scratch, "pulumi-wechatpay.git");
            await git(["clone", "--quiet", "--bare", source, bare], scratch);
            const dir = await once(await cachedFolder("gitdep", key), async (staging) => {
                const pkg = {
                    name: "membercard",
                    private: true,
                    dependencies: {
                        "@pulumi/pulumi": "^3.216.0",
                        "pulumi-wechatpay": `git+file://${bare}#${TAG}`,
                    },
                    devDependencies: { "@types/node": "^22.0.0", typescript: "^6.0.0" },
                };
                await writeFile(join(staging, "package.json"), `${JSON.stringify(pkg, null, 4)}\n`);
                await run("npm", ["install", ...NPM_INSTALL], { cwd: staging, timeoutMs: 600_000 });
                await writeFile(join(staging, "commit"), snapshot.commit);
            });
            project = dir;
            // The commit the tag pointed at when this install was made.
            commit = (await readFile(join(dir, "commit"), "utf8")).trim();
        } finally {
            await rm(scratch, { recursive: true, force: true });
        }
        await writeQuickstartProgram(project);
    }, 900_000);

    it("npm builds dist/ (our prepare script) with the entry points package.json names", async () => {
        const installed = join(project, "node_modules", "pulumi-wechatpay");
        for (const file of ["dist/index.js", "dist/index.d.ts", "dist/testing/index.js", "dist/testing/cli.js"]) {
            expect([file, await exists(join(installed, file))]).toEqual([file, true]);
        }
        const pkg = JSON.parse(await readFile(join(installed, "package.json"), "utf8")) as { version: string };
        expect(pkg.version).toBe(VERSION);
    });

    it("the lockfile pins the commit the tag points at", async () => {
        const lock = JSON.parse(await readFile(join(project, "package-lock.json"), "utf8")) as {
            packages: Record<string, { resolved?: string }>;
        };
        expect(lock.packages["node_modules/pulumi-wechatpay"]?.resolved).toMatch(
            new RegExp(`^git\\+file://.*#${commit}$`),
        );
    });

    it("the quick start's program type-checks against it", async () => {
        const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
        expect(await runTsc(tsc, ["--noEmit"], project)).toEqual({ code: 0, output: "" });
    }, 180_000);
});

describe("docs/install.md: the tarball committed under the infra repository", () => {
    let manifest: string;
    let pipeline: string;

    beforeAll(async () => {
        manifest = markedBlock(await readFile(join(REPO, "docs", "install.md"), "utf8"), "team", "package.json");
        const tarball = await packedTarball();
        const key = createHash("sha256")
            .update(`${tarball.key}\0${manifest}\0${await npmVersion()}`)
            .digest("hex")
            .slice(0, 12);
        const root = await once(await cachedFolder("team", key), async (staging) => {
            // The developer's machine: tarball under vendor/, npm install, commit everything but node_modules.
            const infra = join(staging, "infra");
            await mkdir(join(infra, "vendor"), { recursive: true });
            await cp(tarball.path, join(infra, "vendor", TARBALL));
            await writeFile(join(infra, "package.json"), manifest);
            await writeFile(join(infra, ".gitignore"), "node_modules/\n");
            await run("npm", ["install", ...NPM_INSTALL], { cwd: infra, timeoutMs: 600_000 });
            await git(["init", "--quiet"], infra);
            await git(["add", "--all"], infra);
            await git(["commit", "--quiet", "--no-gpg-sign", "-m", "infra"], infra);
            // The pipeline: a clean clone, then npm ci from the committed lockfile.
            const clone = join(staging, "pipeline");
            await git(["clone", "--quiet", infra, clone], staging);
            await run("npm", ["ci", ...NPM_INSTALL], { cwd: clone, timeoutMs: 600_000 });
        });
        pipeline = join(root, "pipeline");
        await writeQuickstartProgram(pipeline);
    }, 900_000);

    it("package.json points at the tarball under vendor/, relative to itself", () => {
        const pkg = JSON.parse(manifest) as { dependencies: Record<string, string> };
        expect(pkg.dependencies["pulumi-wechatpay"]).toBe(`file:vendor/${TARBALL}`);
    });

    it("the clean clone has the tarball and a lockfile that resolves it relatively, with its hash", async () => {
        expect(await exists(join(pipeline, "vendor", TARBALL))).toBe(true);
        const lock = JSON.parse(await readFile(join(pipeline, "package-lock.json"), "utf8")) as {
            packages: Record<string, { resolved?: string; integrity?: string }>;
        };
        expect(lock.packages["node_modules/pulumi-wechatpay"]).toMatchObject({
            resolved: `file:vendor/${TARBALL}`,
            integrity: expect.stringMatching(/^sha512-/),
        });
    });

    it("npm ci in the clean clone installed dist/", async () => {
        const installed = join(pipeline, "node_modules", "pulumi-wechatpay");
        expect(await exists(join(installed, "dist", "index.js"))).toBe(true);
        expect(await exists(join(installed, "dist", "index.d.ts"))).toBe(true);
    });

    it("the quick start's program type-checks in the clean clone", async () => {
        const tsc = join(pipeline, "node_modules", "typescript", "bin", "tsc");
        expect(await runTsc(tsc, ["--noEmit"], pipeline)).toEqual({ code: 0, output: "" });
    }, 180_000);
});
