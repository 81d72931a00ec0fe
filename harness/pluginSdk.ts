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
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO } from "./cli";
import { NEWEST_PULUMI } from "./realCli";
import { run } from "./run";
import { generateSdk, type SdkLanguage } from "./sdkGen";

export const SCHEMA = join(REPO, "provider", "plugin", "schema.json");
/** Where `npm run plugin:sdks` (and the tests) put the SDKs: `sdk/nodejs`, `sdk/python`, `sdk/go`. */
export const SDK_ROOT = join(REPO, "sdk");
/** Written last into an SDK folder: the hash of the schema it was generated from. */
const STAMP = ".schema-sha256";

/**
 * The `language` SDK of the current schema, generated unless `sdk/<language>` already holds it (its stamp matches the
 * schema's hash). Safe for test files running in parallel: each generates into a folder of its own and renames it
 * into place. The Node.js SDK is compiled too (`bin/`, with this repository's TypeScript), so that `npm install
 * <folder>` gives a program JavaScript to load.
 * @returns The SDK's folder.
 */
export async function pluginSdk(language: SdkLanguage, log: (line: string) => void = () => {}): Promise<string> {
    const hash = createHash("sha256")
        .update(await readFile(SCHEMA))
        .digest("hex");
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
        await rm(dir, { recursive: true, force: true });
        await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
            // Another worker renamed the same SDK into place first.
            if (!(await stampIs(dir, hash))) throw err;
        });
    } finally {
        await rm(tmp, { recursive: true, force: true });
    }
    return dir;
}

async function stampIs(dir: string, hash: string): Promise<boolean> {
    const stamp = join(dir, STAMP);
    return existsSync(stamp) && (await readFile(stamp, "utf8")).trim() === hash;
}

/**
 * `tsc` on the generated package, with the @pulumi/pulumi it asks for (^3.269.0: it calls
 * `pulumi.runtime.existsResource`; nodeSdkDeps); the package.json gets `main`/`types` pointing at `bin/` (the generated one names neither: Pulumi's own publishing step
 * adds them).
 */
async function compileNodeSdk(dir: string): Promise<void> {
    const deps = await nodeSdkDeps();
    await symlink(deps, join(dir, "node_modules"));
    const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
    await run(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { cwd: dir, timeoutMs: 300_000 });
    await rm(join(dir, "node_modules"));
    const pkgPath = join(dir, "package.json");
    const pkg = JSON.parse(await readFile(pkgPath, "utf8")) as Record<string, unknown>;
    await writeFile(pkgPath, `${JSON.stringify({ ...pkg, main: "bin/index.js", types: "bin/index.d.ts" }, null, 4)}\n`);
}

/**
 * The @pulumi/pulumi of the CLI's release and this repository's @types/node, installed once into `.cache/sdk-node`
 * (the lockfile's @pulumi/pulumi predates what generated Node.js SDKs call).
 * @returns Its node_modules folder.
 */
export async function nodeSdkDeps(): Promise<string> {
    const dir = join(REPO, ".cache", "sdk-node");
    const installed = join(dir, "node_modules", "@pulumi", "pulumi", "package.json");
    if (existsSync(installed) && JSON.parse(await readFile(installed, "utf8")).version === NEWEST_PULUMI) {
        return join(dir, "node_modules");
    }
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "sdk-node", private: true }));
    const types = JSON.parse(await readFile(join(REPO, "node_modules", "@types", "node", "package.json"), "utf8"));
    const args = ["install", "--no-audit", "--no-fund", "--no-update-notifier", "--ignore-scripts"];
    await run("npm", [...args, `@pulumi/pulumi@${NEWEST_PULUMI}`, `@types/node@${types.version}`], {
        cwd: dir,
        timeoutMs: 600_000,
    });
    return join(dir, "node_modules");
}
