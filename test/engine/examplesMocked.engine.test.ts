/**
 * The examples, without installing their dependencies and without a Pulumi CLI:
 * - they type-check against the package's source (examples/tsconfig.json maps `pulumi-wechatpay` to provider/);
 * - the two programs run, transpiled, against the packed package under Pulumi's mocks, and register what they should.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { type Consumer, captureRegistration, prepareConsumer, REPO, TYPE, URL_A } from "../../harness";

/** `tsc -p <project> --noEmit` with the repository's TypeScript; resolves with its exit code and output. */
function tsc(project: string): Promise<{ code: number; output: string }> {
    const bin = join(REPO, "node_modules", "typescript", "bin", "tsc");
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [bin, "-p", project, "--noEmit", "--pretty", "false"],
            { cwd: REPO, timeout: 120_000 },
            (error, stdout, stderr) => {
                const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
                resolve({ code, output: `${stdout}${stderr}`.trim() });
            },
        );
    });
}

/** An example's TypeScript as the CommonJS the Pulumi language host would run. */
async function transpiled(example: string, file: string): Promise<string> {
    const source = await readFile(join(REPO, "examples", example, file), "utf8");
    return ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
    }).outputText;
}

describe("examples", () => {
    it("type-check against the package's source: tsc -p examples/tsconfig.json", async () => {
        expect(await tsc("examples/tsconfig.json")).toEqual({ code: 0, output: "" });
    }, 120_000);

    describe("run against the packed package under Pulumi's mocks", () => {
        let consumer: Consumer;
        beforeAll(async () => {
            consumer = await prepareConsumer({ packageDir: REPO });
        });

        it("quickstart registers one MembercardCallback with the notifyUrl from stack config", async () => {
            const reg = await captureRegistration(consumer, await transpiled("quickstart", "index.ts"), {
                project: "wechatpay-quickstart",
                config: { "wechatpay-quickstart:notifyUrl": URL_A },
            });
            expect(reg.resources.map((r) => [r.type, r.name])).toEqual([[TYPE, "membercard"]]);
            expect(reg.resources[0]?.inputs.notifyUrl).toBe(URL_A);
            expect(reg.resources[0]?.serializedProvider).toContain('require("pulumi-wechatpay/dist/');
        });

        it("quickstart fails with a message naming the missing config", async () => {
            const reg = captureRegistration(consumer, await transpiled("quickstart", "index.ts"), {
                project: "wechatpay-quickstart",
            });
            await expect(reg).rejects.toThrow("notifyUrl");
        });

        it("multi-merchant registers one MembercardCallback per brand, with its merchant", async () => {
            const brands = {
                a: { notifyUrl: "https://api.example.com/brand-a/membercard" },
                b: { mchid: "1900000002", notifyUrl: "https://api.example.com/brand-b/membercard" },
                c: { mchid: "1900000003", notifyUrl: "https://api.example.com/brand-c/membercard" },
            };
            const reg = await captureRegistration(consumer, await transpiled("multi-merchant", "index.ts"), {
                project: "wechatpay-multi-merchant",
                config: { "wechatpay-multi-merchant:brands": JSON.stringify(brands) },
            });
            expect(reg.resources.map((r) => [r.name, r.inputs.mchid, r.inputs.notifyUrl])).toEqual([
                ["membercard-a", undefined, brands.a.notifyUrl],
                ["membercard-b", "1900000002", brands.b.notifyUrl],
                ["membercard-c", "1900000003", brands.c.notifyUrl],
            ]);
        });

        it("computed-url registers its route and the callback; the route's provider serializes by value", async () => {
            // The program requires "./callbackRoute": put that module inside the consumer (so that it loads the
            // consumer's @pulumi/pulumi) and point the require at it.
            const dir = await mkdtemp(join(consumer.dir, ".examples-"));
            const routeFile = join(dir, "callbackRoute.js");
            await writeFile(routeFile, await transpiled("computed-url", "callbackRoute.ts"));
            const index = await transpiled("computed-url", "index.ts");
            expect(index).toContain('require("./callbackRoute")');
            const program = index.replace('require("./callbackRoute")', `require(${JSON.stringify(routeFile)})`);
            const reg = await captureRegistration(consumer, program, {
                project: "wechatpay-computed-url",
                config: { "wechatpay-computed-url:apiBaseUrl": "https://api.example.com/" },
            }).finally(() => rm(dir, { recursive: true, force: true }));
            expect(reg.resources.map((r) => [r.type, r.name])).toEqual([
                ["pulumi-nodejs:dynamic/example:CallbackRoute", "membercard-route"],
                [TYPE, "membercard"],
            ]);
            const routeProvider = reg.resources[0]?.serializedProvider ?? "";
            expect(routeProvider).toContain("randomBytes");
            expect(routeProvider).not.toContain("pulumi-wechatpay");
        });
    });
});
