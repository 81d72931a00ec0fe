/**
 * The plugin's examples in Python, Go and TypeScript name the SDKs where `npm run plugin:sdks` writes them
 * (harness/pluginSdk.ts), by paths relative to the example's folder. The real-CLI tests replace exactly these strings
 * with the generated folders, so a path that drifts breaks them; this says so without a CLI.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../harness/cli";
import { NODE_SDK_TARBALL, SCHEMA, SDK_ROOT } from "../../harness/pluginSdk";

const example = (name: string) => join(REPO, "examples", name);

describe("the plugin's examples point at the generated SDKs", () => {
    it("python: requirements.txt names sdk/python", async () => {
        const lines = (await readFile(join(example("python"), "requirements.txt"), "utf8")).split("\n");
        const local = lines.filter((l) => l.startsWith("."));
        expect(local.map((l) => resolve(example("python"), l))).toEqual([join(SDK_ROOT, "python")]);
        expect(lines.some((l) => /^pulumi>=3/.test(l))).toBe(true);
    });

    it("go: go.mod replaces the SDK's module with sdk/go", async () => {
        const mod = await readFile(join(example("go"), "go.mod"), "utf8");
        const importBase = (
            JSON.parse(await readFile(SCHEMA, "utf8")) as { language: { go: { importBasePath: string } } }
        ).language.go.importBasePath;
        const module = importBase.slice(0, importBase.lastIndexOf("/"));
        const replace = new RegExp(`^replace ${module} => (\\S+)$`, "m").exec(mod);
        expect(replace?.[1] && resolve(example("go"), replace[1])).toBe(join(SDK_ROOT, "go"));
        expect(mod).toContain(`${module} v`);
    });

    it("typescript-sdk: package.json depends on sdk/nodejs's tarball", async () => {
        const pkg = JSON.parse(await readFile(join(example("typescript-sdk"), "package.json"), "utf8"));
        const dep: string = pkg.dependencies["@pulumi-wechatpay/wechatpay"];
        expect(dep.startsWith("file:")).toBe(true);
        expect(resolve(example("typescript-sdk"), dep.slice("file:".length))).toBe(
            join(SDK_ROOT, "nodejs", NODE_SDK_TARBALL),
        );
    });
});
