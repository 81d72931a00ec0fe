/**
 * The packed package from both module systems: `pulumi-wechatpay` and `pulumi-wechatpay/testing` load with
 * `require()` and with `import`, the README's emulator snippet runs as CommonJS and as an ES module, and the file
 * Pulumi serializes the provider as (`require("pulumi-wechatpay/dist/providerInstance.js")`) stays reachable through
 * the `exports` map.
 *
 * The `exports` map is the package's public surface: the two entry points, and the four modules that `__provider`
 * in users' state `require()`s (every version must keep them, pulumi/pulumi#6490). Nothing else of `dist/` is
 * reachable, and the packed declarations are what docs/api-report.md says.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareConsumer, REPO } from "../../harness";
import { API_REPORT, API_REPORT_FIX, apiReport, readDeclarations } from "../../harness/apiReport";
import { markedBlock, readme } from "./readme";

/** Runs `node <file>` in `cwd`; resolves with its exit code and output. */
function node(file: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [file], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
            resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
        });
    });
}

/** Writes `lines` to `file` in `cwd` and runs it with `node`. */
async function runLines(file: string, lines: string[], cwd: string) {
    await writeFile(join(cwd, file), lines.join("\n"));
    return node(file, cwd);
}

function transpile(source: string, module: ts.ModuleKind): string {
    return ts.transpileModule(source, { compilerOptions: { module, target: ts.ScriptTarget.ES2022 } }).outputText;
}

const EMULATOR_LINE = /^emulator at http:\/\/127\.0\.0\.1:\d+\/: merchant 1900000001, PUB_KEY_ID_\w+\n$/;

/** The modules `__provider` in state written by any version of this package `require()`s. */
const STATE_MODULES = [
    "pulumi-wechatpay/dist/providerInstance.js",
    "pulumi-wechatpay/dist/complaintNotificationProvider.js",
    "pulumi-wechatpay/dist/busifavorCallbackProvider.js",
    "pulumi-wechatpay/dist/violationNotificationProvider.js",
];

describe("module systems, against the packed package", () => {
    let dir: string;
    let installed: string;
    beforeAll(async () => {
        const consumer = await prepareConsumer({ packageDir: REPO });
        installed = join(consumer.dir, "node_modules", "pulumi-wechatpay");
        // Inside the consumer, so that `pulumi-wechatpay` resolves from its node_modules as from a user's program.
        dir = await mkdtemp(join(consumer.dir, ".modules-"));
    });
    afterAll(async () => {
        if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it("CommonJS: require() of the main entry, testing, and the serialized provider's module", async () => {
        const result = await runLines(
            "entry.cjs",
            [
                'const main = require("pulumi-wechatpay");',
                'const testing = require("pulumi-wechatpay/testing");',
                'const provider = require("pulumi-wechatpay/dist/providerInstance.js");',
                "console.log(typeof main.MembercardCallback, typeof main.isWechatpayApiError, typeof testing.startEmulator);",
                "console.log(typeof provider.create, typeof provider.read, typeof provider.delete);",
            ],
            dir,
        );
        expect(result).toEqual({
            code: 0,
            stdout: "function function function\nfunction function function\n",
            stderr: "",
        });
    });

    it("ES module: import of the main entry and testing, named exports included", async () => {
        const result = await runLines(
            "entry.mjs",
            [
                'import { MembercardCallback, isWechatpayApiError } from "pulumi-wechatpay";',
                'import { startEmulator } from "pulumi-wechatpay/testing";',
                "console.log(typeof MembercardCallback, typeof isWechatpayApiError, typeof startEmulator);",
            ],
            dir,
        );
        expect(result).toEqual({ code: 0, stdout: "function function function\n", stderr: "" });
    });

    it("the README's emulator snippet runs as CommonJS", async () => {
        const snippet = markedBlock(await readme(), "emulator", "emulator.ts");
        await writeFile(join(dir, "emulator.cjs"), transpile(snippet, ts.ModuleKind.CommonJS));
        const result = await node("emulator.cjs", dir);
        expect(result).toEqual({ code: 0, stdout: expect.stringMatching(EMULATOR_LINE), stderr: "" });
    });

    it("the README's emulator snippet runs as an ES module", async () => {
        const snippet = markedBlock(await readme(), "emulator", "emulator.ts");
        const esm = transpile(snippet, ts.ModuleKind.ESNext);
        expect(esm).toContain('import { startEmulator } from "pulumi-wechatpay/testing";');
        await writeFile(join(dir, "emulator.mjs"), esm);
        const result = await node("emulator.mjs", dir);
        expect(result).toEqual({ code: 0, stdout: expect.stringMatching(EMULATOR_LINE), stderr: "" });
    });

    it("require() of every module that state names works: each is a provider object", async () => {
        const result = await runLines(
            "state.cjs",
            [
                `for (const m of ${JSON.stringify(STATE_MODULES)}) {`,
                "    const p = require(m);",
                '    console.log(m, ["check", "diff", "create", "read", "update", "delete", "configure"].every((k) => typeof p[k] === "function"), p.endpoint.name);',
                "}",
            ],
            dir,
        );
        expect(result).toEqual({
            code: 0,
            stdout: [
                `${STATE_MODULES[0]} true MembercardCallback`,
                `${STATE_MODULES[1]} true ComplaintNotification`,
                `${STATE_MODULES[2]} true BusifavorCallback`,
                `${STATE_MODULES[3]} true ViolationNotification`,
                "",
            ].join("\n"),
            stderr: "",
        });
    });

    it("the internals are not reachable: require() of pulumi-wechatpay/dist/client.js fails", async () => {
        const result = await runLines(
            "internal.cjs",
            [
                'for (const m of ["pulumi-wechatpay/dist/client.js", "pulumi-wechatpay/dist/config.js", "pulumi-wechatpay/dist/index.js"]) {',
                "    try { require(m); console.log(m, 'loaded'); } catch (e) { console.log(m, e.code); }",
                "}",
            ],
            dir,
        );
        expect(result).toEqual({
            code: 0,
            stdout:
                "pulumi-wechatpay/dist/client.js ERR_PACKAGE_PATH_NOT_EXPORTED\n" +
                "pulumi-wechatpay/dist/config.js ERR_PACKAGE_PATH_NOT_EXPORTED\n" +
                "pulumi-wechatpay/dist/index.js ERR_PACKAGE_PATH_NOT_EXPORTED\n",
            stderr: "",
        });
    });

    it(`the packed declarations are docs/api-report.md (if not: ${API_REPORT_FIX})`, async () => {
        const report = apiReport(readDeclarations(installed), installed);
        expect(report === (await readFile(API_REPORT, "utf8")), API_REPORT_FIX).toBe(true);
    });
});
