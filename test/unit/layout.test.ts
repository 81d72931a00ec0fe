/**
 * The import rule (docs/development.md): `test/` and `scripts/` may import `harness/`; `harness/` imports only
 * `provider/testing`; nothing imports `test/` or `scripts/` from outside its own folder, and `test/` never imports
 * `scripts/`.
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

    it("nothing outside test/ imports test/, nothing outside scripts/ imports scripts/", () => {
        const crossing = edges.filter(
            (e) => (top(e.to) === "test" || top(e.to) === "scripts") && top(e.from) !== top(e.to),
        );
        expect(crossing).toEqual([]);
    });
});
