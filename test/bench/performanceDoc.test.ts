/**
 * docs/performance.md is written by `npm run bench -- --out docs/performance.md`. These tests hold the committed file
 * to the format the bench writes (its table's columns and rows), and run the bench once in `--quick` mode to see
 * that it still produces that shape. Figures are never asserted: they depend on the machine.
 */

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { missedTargets, parseTable, rowNames, TABLE_HEADER } from "../../harness/bench/report";

const REPO = resolve(__dirname, "..", "..");
/** "1.23", "1.23 / 4.56", "12.3 (fresh process)", "1.23 / 4.56 (CPU 0.50)", or "—" where a column has no figure. */
const FIGURE = /^(—|\d+(\.\d+)?( \/ \d+(\.\d+)?)?( \((CPU \d+(\.\d+)?|fresh process)\))?|no requests)$/;

function expectShape(markdown: string, names: string[]): void {
    const { header, rows } = parseTable(markdown);
    expect(header).toEqual([...TABLE_HEADER]);
    expect(rows.map((r) => r[0])).toEqual(names);
    for (const row of rows) {
        expect(row).toHaveLength(TABLE_HEADER.length);
        for (const cell of row.slice(1, 6)) expect(cell).toMatch(FIGURE);
        expect(["yes", "NO", "info"]).toContain(row[7]);
        expect(row[6] === "—").toBe(row[7] === "info");
    }
}

describe("docs/performance.md", () => {
    it("has the table the bench writes: every column, every row, a figure in each cell", async () => {
        expectShape(await readFile(join(REPO, "docs", "performance.md"), "utf8"), rowNames());
    });

    it("explains each missed target in one line, as the bench writes it", async () => {
        const doc = await readFile(join(REPO, "docs", "performance.md"), "utf8");
        const body = parseTable(doc).rows.map((cells) => ({
            cells,
            met: cells[7] === "info" ? undefined : cells[7] === "yes",
        }));
        const missed = body.filter((r) => r.met === false);
        expect(missed.length).toBeGreaterThan(0);
        const section = missedTargets(body);
        expect(section.trim().split("\n").slice(1)).toHaveLength(missed.length);
        expect(doc).toContain(section);
        expect(section).not.toContain("not explained yet");
    });

    it("is not a --quick run", async () => {
        expect(await readFile(join(REPO, "docs", "performance.md"), "utf8")).not.toContain("--quick");
    });
});

describe("npm run bench -- --quick", () => {
    let dir: string | undefined;
    afterAll(async () => {
        if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("runs every phase and writes the same table, with the quick counts", { timeout: 300_000 }, async () => {
        dir = await mkdtemp(join(tmpdir(), "bench-quick-"));
        const out = join(dir, "performance.md");
        const { stdout } = await promisify(execFile)(
            process.execPath,
            ["--import", "tsx", join(REPO, "scripts", "bench.ts"), "--quick", "--out", out],
            { cwd: REPO, timeout: 290_000, maxBuffer: 16 * 1024 * 1024 },
        );
        const written = await readFile(out, "utf8");
        expect(stdout).toBe(written);
        expect(written).toContain("(--quick: figures mean nothing)");
        expectShape(written, rowNames(10, 20));
    });
});
