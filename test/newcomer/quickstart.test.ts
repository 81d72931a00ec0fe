/**
 * The README's English quick start, walked literally up to the type-check: its four project files written into an
 * empty `membercard/` next to `pulumi-wechatpay/pulumi-wechatpay-0.2.0.tgz` (where its clone-and-pack step puts the
 * tarball), `npm install`, then `npx tsc --noEmit` (the TypeScript its package.json installs) and TypeScript 5.
 * The emulator snippet is type-checked in the same project.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { commands, markedBlock, markedBlocks, readme } from "./readme";
import { installedLayout, runTsc, TARBALL, tscOf } from "./toolchain";

/** Where the README's clone-and-pack step leaves the tarball, relative to the folder holding `membercard/`. */
const TARBALL_AT = `pulumi-wechatpay/${TARBALL}`;

describe("README", () => {
    let text: string;
    beforeAll(async () => {
        text = await readme();
    });

    it("is at most 16 KB", () => {
        expect(Buffer.byteLength(text)).toBeLessThanOrEqual(16 * 1024);
    });

    it("says the package is not on npm yet, and builds the tarball the quick start installs", () => {
        expect(text).toContain("**Not on npm yet.**");
        expect(text).toContain(`(cd pulumi-wechatpay && npm ci && npm pack)   # writes ${TARBALL_AT}`);
        const pkg = JSON.parse(markedBlock(text, "quickstart", "package.json"));
        expect(pkg.dependencies["pulumi-wechatpay"]).toBe(`file:../${TARBALL_AT}`);
    });

    it("gives the four project files, then the install and type-check commands", () => {
        expect(markedBlocks(text, "quickstart").map(([name]) => name)).toEqual([
            "Pulumi.yaml",
            "package.json",
            "tsconfig.json",
            "index.ts",
            "install",
        ]);
        expect(commands(markedBlock(text, "quickstart", "install"))).toEqual(["npm install", "npx tsc --noEmit"]);
    });

    describe("English quick start, followed in an empty folder", () => {
        let project: string;
        let tsc5: string;
        beforeAll(async () => {
            const manifest = { "package.json": markedBlock(text, "quickstart", "package.json") };
            const root = await installedLayout("readme", TARBALL_AT, [{ dir: "membercard", manifest, npm: "install" }]);
            project = join(root, "membercard");
            for (const file of ["Pulumi.yaml", "tsconfig.json", "index.ts"]) {
                await writeFile(join(project, file), markedBlock(text, "quickstart", file));
            }
            await writeFile(join(project, "emulator.ts"), markedBlock(text, "emulator", "emulator.ts"));
            await writeFile(
                join(project, "tsconfig.emulator.json"),
                `${JSON.stringify({ extends: "./tsconfig.json", files: ["emulator.ts"] })}\n`,
            );
            tsc5 = await tscOf(5);
        }, 900_000);

        it("npx tsc --noEmit: the TypeScript its package.json installs (6) type-checks index.ts", async () => {
            const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
            expect(await runTsc(tsc, ["-v"], project)).toEqual({
                code: 0,
                output: expect.stringMatching(/^Version 6\./),
            });
            expect(await runTsc(tsc, ["--noEmit"], project)).toEqual({ code: 0, output: "" });
        }, 180_000);

        it("TypeScript 5 type-checks index.ts with the same tsconfig", async () => {
            expect(await runTsc(tsc5, ["--noEmit"], project)).toEqual({ code: 0, output: "" });
        }, 180_000);

        it("the emulator snippet type-checks under TypeScript 6 and 5", async () => {
            const tsc6 = join(project, "node_modules", "typescript", "bin", "tsc");
            for (const tsc of [tsc6, tsc5]) {
                expect(await runTsc(tsc, ["-p", "tsconfig.emulator.json", "--noEmit"], project)).toEqual({
                    code: 0,
                    output: "",
                });
            }
        }, 180_000);
    });
});
