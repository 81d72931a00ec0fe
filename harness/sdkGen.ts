/**
 * SDK generation for a Pulumi package schema, by our pulumi-wechatpay-sdkgen (cli/sdkgen, built by
 * `npm run cli:build`), which calls Pulumi's own code generators at the CLI's release. `pulumi package gen-sdk` cannot
 * do it with the hosts we can build: they predate the GeneratePackage call the CLI makes ("method GeneratePackage not
 * implemented"; docs/development.md).
 */
import { resolve } from "node:path";
import { findSdkGen } from "./languageHosts";
import { collect } from "./run";

/** The languages pulumi-wechatpay-sdkgen writes. */
export type SdkLanguage = "nodejs" | "python" | "go";

/**
 * Writes the `language` SDK of the package in `schemaPath` into `outDir` (emptied first, as `pulumi package gen-sdk`
 * does) and returns the files written, relative to `outDir`, sorted. Throws with the generator's message on a bad
 * schema, or when the generator is not built (run `npm run cli:build`).
 */
export async function generateSdk(schemaPath: string, language: SdkLanguage, outDir: string): Promise<string[]> {
    const { sdkGen, reason } = findSdkGen();
    if (sdkGen === undefined) throw new Error(`cannot generate the ${language} SDK: ${reason}`);
    const r = await collect(sdkGen, [resolve(schemaPath), language, resolve(outDir)], {
        cwd: process.cwd(),
        timeoutMs: 120_000,
    });
    if (r.code !== 0)
        throw new Error(`pulumi-wechatpay-sdkgen ${language} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout.split("\n").filter((l) => l !== "");
}
