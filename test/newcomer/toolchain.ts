/**
 * What a newcomer's machine has: TypeScript compilers of the majors users install today, and project folders laid
 * out as the README and the examples say, installed with npm from the packed tarball. Each is cached under
 * `.cache/newcomer/` (git-ignored) by what decides its contents, so a warm `npm test` only copies sources and runs tsc.
 */

import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { access, cp, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { prepareConsumer, REPO } from "../../harness";
import { run } from "../../harness/run";

/** Where everything of this file is cached. */
export const CACHE = join(REPO, ".cache", "newcomer");

/** The TypeScript majors the README and the examples promise: what `npm install typescript@6` and `@5` give. */
export const TYPESCRIPT_MAJORS = [6, 5] as const;
export type TypescriptMajor = (typeof TYPESCRIPT_MAJORS)[number];

/**
 * The tarball's file name, as `npm pack` names it and the examples' package.json files point at it. Taken from the
 * package's version, so a version bump that misses an example or the README fails the tests that pin it.
 */
export const TARBALL = `pulumi-wechatpay-${packageVersion()}.tgz`;

function packageVersion(): string {
    const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version?: unknown };
    if (typeof version !== "string") throw new Error("package.json has no version");
    return version;
}

const NPM_INSTALL = ["--no-audit", "--no-fund", "--prefer-offline", "--no-update-notifier"];

async function exists(path: string): Promise<boolean> {
    return access(path).then(
        () => true,
        () => false,
    );
}

/**
 * Builds `dir` once: `build(staging)` fills a staging folder that is renamed into place only when complete, so
 * parallel test files and interrupted runs never see half a folder.
 */
export async function once(dir: string, build: (staging: string) => Promise<void>): Promise<string> {
    if (await exists(join(dir, ".complete"))) return dir;
    const staging = `${dir}.staging-${process.pid}-${randomBytes(4).toString("hex")}`;
    await mkdir(staging, { recursive: true });
    try {
        await build(staging);
        await writeFile(join(staging, ".complete"), "");
        if ((await exists(dir)) && !(await exists(join(dir, ".complete"))))
            await rm(dir, { recursive: true, force: true });
        await rename(staging, dir).catch(async (err: NodeJS.ErrnoException) => {
            // Another worker finished first: theirs is as good as ours.
            if (!(await exists(join(dir, ".complete")))) throw err;
        });
    } finally {
        await rm(staging, { recursive: true, force: true });
    }
    return dir;
}

/** The `tsc` of the newest TypeScript `major`.x, installed once into `.cache/newcomer/typescript-<major>`. */
export async function tscOf(major: TypescriptMajor): Promise<string> {
    const dir = await once(join(CACHE, `typescript-${major}`), async (staging) => {
        await writeFile(join(staging, "package.json"), '{ "private": true }\n');
        await run("npm", ["install", ...NPM_INSTALL, `typescript@${major}`], { cwd: staging, timeoutMs: 300_000 });
    });
    return join(dir, "node_modules", "typescript", "bin", "tsc");
}

/** Runs `tsc` with `args` in `cwd`; resolves with its exit code and output (never rejects on a type error). */
export function runTsc(tsc: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [tsc, ...args, "--pretty", "false"],
            { cwd, timeout: 180_000 },
            (error, out, err) => {
                const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
                resolve({ code, output: `${out}${err}`.trim() });
            },
        );
    });
}

/** The packed package, as `npm pack` at the repository root writes it (built by the engine tests' consumer). */
export async function packedTarball(): Promise<{ path: string; key: string }> {
    const consumer = await prepareConsumer({ packageDir: REPO });
    const path = join(consumer.dir, "package.tgz");
    const key = createHash("sha256")
        .update(await readFile(path))
        .digest("hex")
        .slice(0, 12);
    return { path, key };
}

/** One project to install: files written into `dir` (relative to the layout's root) before `npm install`. */
export interface ProjectSpec {
    /** The project's folder, relative to the layout's root, e.g. `examples/quickstart`. */
    dir: string;
    /** What decides the installed node_modules: package.json and, if any, the lockfile. */
    manifest: Record<string, string>;
    /** `ci` when a lockfile is committed (and must be in sync), else `install`. */
    npm: "install" | "ci";
}

/**
 * A folder laid out as a user's machine would be: `tarballAt` (relative) holds the packed package, and each project
 * has its manifest files and an `npm install`/`npm ci` done. The installs are cached by the manifests; when only the
 * package changed, the projects that install it get it again as a user would after a new `npm pack` (the lockfile
 * pins the old tarball's integrity, so it goes too), which takes seconds instead of a full install.
 * One test file per `name`: the refresh is not safe against a parallel one.
 */
export async function installedLayout(name: string, tarballAt: string, projects: ProjectSpec[]): Promise<string> {
    const tarball = await packedTarball();
    const hash = createHash("sha256").update(tarballAt);
    for (const p of projects) hash.update(`\0${p.dir}\0${p.npm}\0${JSON.stringify(p.manifest)}`);
    const key = hash.digest("hex").slice(0, 12);
    const dir = join(CACHE, `${name}-${key}`);
    // Each layout is ~100 MB per project: keep only the current one of this name.
    await mkdir(CACHE, { recursive: true });
    for (const entry of await readdir(CACHE)) {
        if (entry.startsWith(`${name}-`) && !entry.startsWith(`${name}-${key}`) && !entry.includes(".staging-")) {
            await rm(join(CACHE, entry), { recursive: true, force: true });
        }
    }
    const stamp = join(dir, ".tarball");
    const root = await once(dir, async (staging) => {
        await mkdir(join(staging, tarballAt, ".."), { recursive: true });
        await cp(tarball.path, join(staging, tarballAt));
        for (const p of projects) {
            const projectDir = join(staging, p.dir);
            await mkdir(projectDir, { recursive: true });
            for (const [file, text] of Object.entries(p.manifest)) await writeFile(join(projectDir, file), text);
            await run("npm", [p.npm, ...NPM_INSTALL], { cwd: projectDir, timeoutMs: 600_000 });
        }
        await writeFile(join(staging, ".tarball"), tarball.key);
    });
    if ((await readFile(stamp, "utf8").catch(() => "")) !== tarball.key) {
        await cp(tarball.path, join(root, tarballAt));
        for (const p of projects.filter((p) =>
            p.manifest["package.json"]?.includes(tarballAt.split("/").pop() ?? ""),
        )) {
            const projectDir = join(root, p.dir);
            await rm(join(projectDir, "node_modules", "pulumi-wechatpay"), { recursive: true, force: true });
            await rm(join(projectDir, "package-lock.json"), { force: true });
            await run("npm", ["install", ...NPM_INSTALL], { cwd: projectDir, timeoutMs: 600_000 });
        }
        await writeFile(stamp, tarball.key);
    }
    return root;
}
