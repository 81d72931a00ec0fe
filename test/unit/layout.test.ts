/**
 * The import rule (docs/development.md): `test/` and `scripts/` may import `harness/`; `harness/` imports only
 * `provider/testing`; the emulator (`provider/testing`) imports nothing else of `provider/`; nothing imports `test/`
 * or `scripts/` from outside its own folder, and `test/` never imports `scripts/`. And the test tiers: one folder
 * each, with an npm script each.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../harness";

/** Every relative import of every tracked TypeScript file, as `from → to` (repository paths). */
function relativeImports(): { from: string; to: string }[] {
    const files = execFileSync("git", ["ls-files", "*.ts", "*.mts"], { cwd: REPO, encoding: "utf8" })
        .split("\n")
        .filter((f) => f !== "");
    const edges: { from: string; to: string }[] = [];
    for (const from of files) {
        const source = readFileSync(join(REPO, from), "utf8");
        for (const m of source.matchAll(/(?:from|import|require\()\s*["'](\.{1,2}\/[^"']+)["']/g)) {
            edges.push({ from, to: relative(REPO, resolve(REPO, dirname(from), m[1] ?? "")) });
        }
    }
    return edges;
}

const top = (path: string) => path.split("/")[0];

describe("the import rule", () => {
    const edges = relativeImports();

    it("finds the imports it checks", () => {
        expect(edges.filter((e) => top(e.from) === "test" && top(e.to) === "harness").length).toBeGreaterThan(10);
    });

    it("harness/ imports only itself and provider/testing", () => {
        const outside = edges.filter(
            (e) => top(e.from) === "harness" && top(e.to) !== "harness" && !e.to.startsWith("provider/testing"),
        );
        expect(outside).toEqual([]);
    });

    it("the emulator imports nothing from the provider core: it is a model of WeChat Pay, not of us", () => {
        const core = edges.filter(
            (e) => e.from.startsWith("provider/testing/") && !e.to.startsWith("provider/testing"),
        );
        expect(edges.filter((e) => e.from.startsWith("provider/testing/")).length).toBeGreaterThan(5);
        expect(core).toEqual([]);
    });

    it("nothing outside test/ imports test/, nothing outside scripts/ imports scripts/", () => {
        const crossing = edges.filter(
            (e) => (top(e.to) === "test" || top(e.to) === "scripts") && top(e.from) !== top(e.to),
        );
        expect(crossing).toEqual([]);
    });
});

/** The tiers, by what they need: no network; the emulator; Pulumi's runtime and host; the plugin; a real CLI; installs; bench. */
const TIERS = ["unit", "emulator", "engine", "plugin", "realcli", "newcomer", "bench"];

describe("the test tiers", () => {
    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
    };
    const tests = execFileSync("git", ["ls-files", "test/**.test.ts"], { cwd: REPO, encoding: "utf8" })
        .split("\n")
        .filter((f) => f !== "");

    it("every test file is in one tier's folder", () => {
        expect(tests.length).toBeGreaterThan(40);
        expect(tests.filter((f) => !TIERS.includes(f.split("/")[1] ?? ""))).toEqual([]);
    });

    it.each(TIERS)("tier %s has its npm script, and npm test runs every tier", (tier) => {
        expect(manifest.scripts[`test:${tier}`]).toBe(`vitest run test/${tier}`);
        expect(manifest.scripts.test).toMatch(/vitest run$/);
    });
});
