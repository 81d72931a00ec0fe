/**
 * The consumer: a folder where the packed tarball is installed like a user would install it, cached between runs
 * while the tarball's contents stay the same.
 */

import { createHash, randomBytes } from "node:crypto";
import {
    access,
    copyFile,
    mkdir,
    mkdtemp,
    readdir,
    readFile,
    rename,
    rm,
    stat,
    utimes,
    writeFile,
} from "node:fs/promises";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { run } from "./run";

/** Bump when the consumer layout changes, so stale cached consumers are not reused. */
const CONSUMER_LAYOUT = "1";

export interface Consumer {
    /** Folder with `node_modules/<package>` and `node_modules/@pulumi/pulumi`. */
    dir: string;
    packageName: string;
    pulumiVersion: string;
    /** True when an earlier run had already installed this exact tarball. */
    fromCache: boolean;
}

export interface PrepareConsumerOptions {
    /** The package to pack (its `prepare` script builds it: npm runs it before packing). */
    packageDir: string;
    /** Where consumers are cached. Default `<packageDir>/.cache/engine` (git-ignored). */
    cacheRoot?: string;
}

/**
 * Packs `packageDir` and installs the tarball plus `@pulumi/pulumi` (the exact version in `packageDir/node_modules`)
 * into a consumer folder, reused while the tarball's contents are the same.
 *
 * Safe to call from several vitest workers at once: packing (which builds `dist/` in place) and installing run
 * under a lock folder, and a consumer is built in a staging folder that is renamed into place only when complete.
 */
export async function prepareConsumer(opts: PrepareConsumerOptions): Promise<Consumer> {
    const packageDir = resolve(opts.packageDir);
    const cacheRoot = resolve(opts.cacheRoot ?? join(packageDir, ".cache", "engine"));
    const packageName = (await readJson(join(packageDir, "package.json"))).name;
    const pulumiVersion = (await readJson(join(packageDir, "node_modules", "@pulumi", "pulumi", "package.json")))
        .version;
    if (typeof packageName !== "string" || typeof pulumiVersion !== "string") {
        throw new Error(`prepareConsumer: cannot read the package name or the installed @pulumi/pulumi version`);
    }
    await mkdir(join(cacheRoot, "consumers"), { recursive: true });

    return withLock(join(cacheRoot, "lock"), async () => {
        const packDir = await mkdtemp(join(cacheRoot, "pack-"));
        try {
            await run("npm", ["pack", "--pack-destination", packDir], { cwd: packageDir, timeoutMs: 300_000 });
            const packed = (await readdir(packDir)).filter((f) => f.endsWith(".tgz"));
            if (packed.length !== 1 || packed[0] === undefined) {
                throw new Error(`npm pack left ${packed.length} tarballs in ${packDir}`);
            }
            const tgz = await readFile(join(packDir, packed[0]));
            // `npm pack` output is byte-reproducible today (fixed 1985 mtimes, gzip mtime 0), but hash the
            // uncompressed tar so a different zlib cannot change the key for the same contents.
            const key = createHash("sha256")
                .update(gunzipSync(tgz))
                .update(`\0${pulumiVersion}\0${CONSUMER_LAYOUT}`)
                .digest("hex")
                .slice(0, 16);
            const dir = join(cacheRoot, "consumers", key);
            if (await exists(join(dir, "consumer.json"))) {
                await pruneCache(cacheRoot, dir, packDir);
                return { dir, packageName, pulumiVersion, fromCache: true };
            }

            const suffix = randomBytes(4).toString("hex");
            const staging = join(cacheRoot, "consumers", `.staging-${key}-${process.pid}-${suffix}`);
            await mkdir(staging, { recursive: true });
            try {
                await writeFile(
                    join(staging, "package.json"),
                    `${JSON.stringify({ name: "engine-consumer", version: "0.0.0", private: true }, null, 4)}\n`,
                );
                // Installed from inside the consumer (the pack folder goes away): the lock says `file:package.tgz`.
                await copyFile(join(packDir, packed[0]), join(staging, "package.tgz"));
                await run(
                    "npm",
                    [
                        "install",
                        "--no-audit",
                        "--no-fund",
                        "--prefer-offline",
                        "--no-update-notifier",
                        "./package.tgz",
                        `@pulumi/pulumi@${pulumiVersion}`,
                    ],
                    { cwd: staging, timeoutMs: 600_000 },
                );
                await writeFile(
                    join(staging, "consumer.json"),
                    `${JSON.stringify({ packageName, pulumiVersion, key }, null, 4)}\n`,
                );
                await rename(staging, dir); // atomic: a consumer folder is either complete or absent
            } catch (err) {
                await rm(staging, { recursive: true, force: true });
                throw err;
            }
            await pruneCache(cacheRoot, dir, packDir);
            return { dir, packageName, pulumiVersion, fromCache: false };
        } finally {
            await rm(packDir, { recursive: true, force: true });
        }
    });
}

/**
 * Keeps the most recently used consumers (each is ~90 MB of node_modules) and removes leftovers of interrupted runs.
 * Runs under the lock, so any staging or pack folder other than ours belongs to a process that died.
 */
async function pruneCache(cacheRoot: string, current: string, ourPackDir: string, keep = 4): Promise<void> {
    const now = new Date();
    await utimes(join(current, "consumer.json"), now, now);
    for (const entry of await readdir(cacheRoot)) {
        const path = join(cacheRoot, entry);
        if (entry.startsWith("pack-") && path !== ourPackDir) await rm(path, { recursive: true, force: true });
    }
    const consumersDir = join(cacheRoot, "consumers");
    const used: { path: string; mtimeMs: number }[] = [];
    for (const entry of await readdir(consumersDir)) {
        const path = join(consumersDir, entry);
        if (entry.startsWith(".staging-")) {
            await rm(path, { recursive: true, force: true });
            continue;
        }
        const info = await stat(join(path, "consumer.json")).catch(() => undefined);
        if (info) used.push({ path, mtimeMs: info.mtimeMs });
    }
    used.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { path } of used.slice(keep)) {
        if (path !== current) await rm(path, { recursive: true, force: true });
    }
}

/** Runs `fn` while holding `lockDir` (mkdir is atomic). A lock whose owner process is gone is taken over. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
        try {
            await mkdir(lockDir);
            break;
        } catch (err) {
            if (errorCode(err) !== "EEXIST") throw err;
        }
        if (await isStaleLock(lockDir)) {
            await rm(lockDir, { recursive: true, force: true });
            continue;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
        await sleep(250);
    }
    await writeFile(join(lockDir, "owner"), String(process.pid));
    try {
        return await fn();
    } finally {
        await rm(lockDir, { recursive: true, force: true });
    }
}

async function isStaleLock(lockDir: string): Promise<boolean> {
    try {
        const pid = Number(await readFile(join(lockDir, "owner"), "utf8"));
        process.kill(pid, 0); // throws ESRCH when the owner is gone
        return false;
    } catch (err) {
        if (errorCode(err) === "EPERM") return false; // alive, someone else's
        // No owner file yet: the owner is between mkdir and writeFile, unless that was long ago.
        const info = await stat(lockDir).catch(() => undefined);
        return info === undefined || Date.now() - info.mtimeMs > 30_000 || errorCode(err) === "ESRCH";
    }
}

async function readJson(path: string): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
}

async function exists(path: string): Promise<boolean> {
    return access(path).then(
        () => true,
        () => false,
    );
}

function errorCode(err: unknown): string | undefined {
    return typeof err === "object" && err !== null && "code" in err ? String(err.code) : undefined;
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}
