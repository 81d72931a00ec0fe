/**
 * Every example as a newcomer gets it from a fresh clone: the packed tarball at the repository root (what
 * `npm ci && npm pack` writes), `npm install` in the example's folder (`npm ci` where a lockfile is committed), then
 * `tsc -p .` with the example's own tsconfig under TypeScript 6 and 5.
 */
import { execFile } from "node:child_process";
import { cp, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../../harness";
import { installedLayout, type ProjectSpec, runTsc, TARBALL, TYPESCRIPT_MAJORS, tscOf } from "./toolchain";

const EXAMPLES = ["quickstart", "computed-url", "multi-merchant", "drift-check", "notification-addresses"] as const;

async function spec(example: string): Promise<ProjectSpec> {
    const dir = join(REPO, "examples", example);
    const files = await readdir(dir);
    const manifest: Record<string, string> = { "package.json": await readFile(join(dir, "package.json"), "utf8") };
    if (files.includes("package-lock.json")) {
        manifest["package-lock.json"] = await readFile(join(dir, "package-lock.json"), "utf8");
    }
    return { dir: `examples/${example}`, manifest, npm: "package-lock.json" in manifest ? "ci" : "install" };
}

describe("examples, installed from the packed tarball as a fresh clone would", () => {
    let root: string;
    const tsc: Partial<Record<(typeof TYPESCRIPT_MAJORS)[number], string>> = {};

    beforeAll(async () => {
        root = await installedLayout("examples", TARBALL, await Promise.all(EXAMPLES.map(spec)));
        // The sources change more often than the manifests: copy them in on every run.
        for (const example of EXAMPLES) {
            await cp(join(REPO, "examples", example), join(root, "examples", example), {
                recursive: true,
                filter: (src) => !src.includes("node_modules"),
            });
        }
        for (const major of TYPESCRIPT_MAJORS) tsc[major] = await tscOf(major);
    }, 900_000);

    it("the examples that use the package depend on the tarball npm pack writes at the repository root", async () => {
        for (const example of EXAMPLES) {
            const pkg = JSON.parse(await readFile(join(REPO, "examples", example, "package.json"), "utf8"));
            const dep = pkg.dependencies?.["pulumi-wechatpay"];
            expect([example, dep]).toEqual([example, example === "drift-check" ? undefined : `file:../../${TARBALL}`]);
        }
    });

    describe.each(EXAMPLES)("%s", (example) => {
        it.each(TYPESCRIPT_MAJORS)(
            "type-checks under TypeScript %i with its own tsconfig",
            async (major) => {
                const compiler = tsc[major];
                if (compiler === undefined) throw new Error(`no TypeScript ${major}`);
                const dir = join(root, "examples", example);
                expect(await runTsc(compiler, ["-p", ".", "--noEmit"], dir)).toEqual({ code: 0, output: "" });
            },
            180_000,
        );
    });

    it("drift-check --help prints the usage and exits 0, with the example's own tsx", async () => {
        const dir = join(root, "examples", "drift-check");
        const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
            execFile(
                join(dir, "node_modules", ".bin", "tsx"),
                ["drift-check.ts", "--help"],
                { cwd: dir, timeout: 60_000 },
                (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), stdout }),
            );
        });
        expect(result.code).toBe(0);
        expect(result.stdout.split("\n")[0]).toBe(
            "Usage: drift-check --stack <name> [--work-dir <dir>] [--resource <name>]",
        );
        expect(result.stdout).toContain("Exit code: 0 no drift, 2 drift, 1 error (message on stderr).");
    }, 60_000);
});
