/**
 * The wechatpay plugin's SDKs, generated from the committed schema (provider/plugin/schema.json) by
 * `pulumi package gen-sdk` (Pulumi's code generators at the CLI's release; harness/sdkGen.ts) into `sdk/<language>`.
 *
 * Not committed: the schema is committed and tested against the code (test/unit/pluginSchema.test.ts) and the
 * generator is pinned by cli/go.mod, so the SDKs are a pure function of both; generating them keeps them from drifting
 * or being edited by hand, and keeps thousands of generated lines out of every schema change's diff.
 *
 * The schema sets `meta.supportPack`, so the Go SDK comes with its own go.mod (module path: the folder above
 * `importBasePath`) and the Node.js SDK's package.json carries the version.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO } from "./cli";
import { languageHostPath } from "./languageHosts";
import { findRealCli, NEWEST_PULUMI } from "./realCli";
import { collect, run } from "./run";
import { generateSdk, type SdkLanguage } from "./sdkGen";

export const SCHEMA = join(REPO, "provider", "plugin", "schema.json");
/** Where `npm run plugin:sdks` (and the tests) put the SDKs: `sdk/nodejs`, `sdk/python`, `sdk/go`. */
export const SDK_ROOT = join(REPO, "sdk");
/** Written last into an SDK folder: the hash of what it was made from (recipeHash). */
const STAMP = ".schema-sha256";

/**
 * The `language` SDK of the current schema, generated unless `sdk/<language>` already holds it (its stamp matches the
 * hash of what it is made from). Safe for test files running in parallel: each generates into a folder of its own;
 * the first to finish moves it into place, and a later one with the same stamp throws its copy away, so a folder
 * already handed out is never replaced by an equal one. The Node.js SDK is compiled and packed too (`sdk/nodejs/wechatpay.tgz`, what a program installs).
 * @returns The SDK's folder.
 */
export async function pluginSdk(language: SdkLanguage, log: (line: string) => void = () => {}): Promise<string> {
    const hash = await recipeHash(language);
    const dir = join(SDK_ROOT, language);
    if (await stampIs(dir, hash)) return dir;

    await mkdir(SDK_ROOT, { recursive: true });
    const tmp = await mkdtemp(join(SDK_ROOT, `.${language}-`));
    try {
        log(`generating the ${language} SDK from provider/plugin/schema.json …`);
        await generateSdk(SCHEMA, language, tmp);
        if (language === "nodejs") {
            log("compiling the Node.js SDK …");
            await compileNodeSdk(tmp);
        }
        await writeFile(join(tmp, STAMP), `${hash}\n`);
        if (await stampIs(dir, hash)) return dir; // another caller finished the same SDK first
        // An outdated SDK is moved aside, not deleted in place: the swap is two renames.
        const old = `${tmp}.old`;
        await rename(dir, old).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== "ENOENT") throw err;
        });
        await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
            if (!(await stampIs(dir, hash))) throw err; // another caller renamed the same SDK into place first
        });
        await rm(old, { recursive: true, force: true });
    } finally {
        await rm(tmp, { recursive: true, force: true });
    }
    return dir;
}

/** The hash of what an SDK is made from: the schema, the CLI and the language's host (the shim) and this recipe. */
async function recipeHash(language: SdkLanguage): Promise<string> {
    const { cli, reason } = findRealCli();
    if (cli === undefined) throw new Error(`cannot generate the plugin's SDKs: ${reason}`);
    const hash = createHash("sha256")
        .update(await readFile(SCHEMA))
        .update(await readFile(join(REPO, "harness", "pluginSdk.ts")))
        .update(await readFile(join(REPO, "harness", "sdkGen.ts")));
    for (const binary of [cli.binary, languageHostPath(cli.binDir, language)]) {
        const built = await stat(binary);
        hash.update(`${binary} ${built.size} ${built.mtimeMs}\n`);
    }
    return hash.digest("hex");
}

async function stampIs(dir: string, hash: string): Promise<boolean> {
    const stamp = join(dir, STAMP);
    if (!existsSync(stamp) || (await readFile(stamp, "utf8")).trim() !== hash) return false;
    return !dir.endsWith("nodejs") || existsSync(join(dir, NODE_SDK_TARBALL));
}

/** The Node.js SDK's installable tarball, inside its folder: `npm install <sdk/nodejs/wechatpay.tgz>`. */
export const NODE_SDK_TARBALL = "wechatpay.tgz";

/**
 * `tsc` on the generated package, with the @pulumi/pulumi it asks for (^3.269.0: it calls
 * `pulumi.runtime.existsResource`; nodeSdkDeps), then the package packed from `bin/` the way Pulumi's providers
 * publish theirs (package.json and README copied into `bin/`, `npm publish` there: the generated package.json names no
 * `main`, and its .gitignore leaves `bin/` out of a pack of the folder itself).
 */
async function compileNodeSdk(dir: string): Promise<void> {
    const deps = await nodeSdkDeps();
    await symlink(deps, join(dir, "node_modules"));
    const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
    await run(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { cwd: dir, timeoutMs: 300_000 });
    await rm(join(dir, "node_modules"));
    const bin = join(dir, "bin");
    await Promise.all(["package.json", "README.md"].map((f) => copyFile(join(dir, f), join(bin, f))));
    const packed = await collect("npm", ["pack", "--silent", "--pack-destination", dir], {
        cwd: bin,
        timeoutMs: 120_000,
    });
    if (packed.code !== 0)
        throw new Error(`npm pack of the Node.js SDK failed (exit ${packed.code}): ${packed.stderr}`);
    await rename(join(dir, packed.stdout.trim()), join(dir, NODE_SDK_TARBALL));
}

/**
 * The @pulumi/pulumi of the CLI's release and this repository's @types/node, installed once into `.cache/sdk-node`
 * (the lockfile's @pulumi/pulumi predates what generated Node.js SDKs call).
 * @returns Its node_modules folder.
 */
export async function nodeSdkDeps(): Promise<string> {
    const dir = join(REPO, ".cache", "sdk-node");
    const installed = join(dir, "node_modules", "@pulumi", "pulumi", "package.json");
    const isCurrent = async () =>
        existsSync(installed) && JSON.parse(await readFile(installed, "utf8")).version === NEWEST_PULUMI;
    if (await isCurrent()) return join(dir, "node_modules");
    // Installed aside and renamed into place: a caller never sees a half-done install.
    await mkdir(join(REPO, ".cache"), { recursive: true });
    const staging = await mkdtemp(join(REPO, ".cache", ".sdk-node-"));
    try {
        await writeFile(join(staging, "package.json"), JSON.stringify({ name: "sdk-node", private: true }));
        const types = JSON.parse(await readFile(join(REPO, "node_modules", "@types", "node", "package.json"), "utf8"));
        const args = ["install", "--no-audit", "--no-fund", "--no-update-notifier", "--ignore-scripts"];
        await run("npm", [...args, `@pulumi/pulumi@${NEWEST_PULUMI}`, `@types/node@${types.version}`], {
            cwd: staging,
            timeoutMs: 600_000,
        });
        if (!(await isCurrent())) {
            await rm(dir, { recursive: true, force: true }); // an older release's install
            await rename(staging, dir).catch(async (err: unknown) => {
                if (!(await isCurrent())) throw err; // another caller finished first: theirs is as good
            });
        }
    } finally {
        await rm(staging, { recursive: true, force: true });
    }
    return join(dir, "node_modules");
}
