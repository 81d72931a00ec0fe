/**
 * SDK generation for a Pulumi package schema by `pulumi package gen-sdk`, with the built CLI (`npm run cli:build`):
 * its language hosts are wrapped by our shim (cli/langshim), which answers the GeneratePackage call with Pulumi's own
 * code generators at the CLI's release (docs/development.md). Run hermetically: a temp PULUMI_HOME, no update check.
 */
import { mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { scrubbedEnv } from "./fixtures";
import { findRealCli } from "./realCli";
import { collect } from "./run";

/** The languages whose SDKs `pulumi package gen-sdk` writes with our hosts. */
export type SdkLanguage = "nodejs" | "python" | "go";

/**
 * Writes the `language` SDK of the package in `schemaPath` into `outDir` (replaced, as `pulumi package gen-sdk`
 * replaces its output) and returns the files written, relative to `outDir`, sorted. Throws with the CLI's message and
 * the schema's path on a bad schema, or when no CLI is built (run `npm run cli:build`).
 */
export async function generateSdk(schemaPath: string, language: SdkLanguage, outDir: string): Promise<string[]> {
    const { cli, reason } = findRealCli();
    if (cli === undefined) throw new Error(`cannot generate the ${language} SDK: ${reason}`);
    const target = resolve(outDir);
    // Staged beside the target so that the final rename stays on one file system; gen-sdk writes <out>/<language>.
    const stage = await mkdtemp(join(dirname(target), ".gen-sdk-"));
    try {
        const env = scrubbedEnv({
            PULUMI_HOME: join(stage, "home"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PATH: [cli.binDir, process.env.PATH ?? ""].join(delimiter),
        });
        const schema = resolve(schemaPath);
        const args = ["package", "gen-sdk", schema, "--language", language, "--out", join(stage, "out")];
        const r = await collect(cli.binary, args, { cwd: stage, env, timeoutMs: 120_000 });
        if (r.code !== 0) {
            throw new Error(
                `pulumi ${args.slice(0, 3).join(" ")} --language ${language} failed (exit ${r.code}): ${r.stderr.trim()}`,
            );
        }
        await rm(target, { recursive: true, force: true });
        await rename(join(stage, "out", language), target);
        return await listFiles(target);
    } finally {
        await rm(stage, { recursive: true, force: true });
    }
}

async function listFiles(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
        .filter((e) => e.isFile())
        .map((e) => relative(dir, join(e.parentPath, e.name)))
        .sort();
}
