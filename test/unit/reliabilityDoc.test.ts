/**
 * docs/reliability.md is written by `npm run faults -- --out docs/reliability.md`. This checks that the committed file
 * still has the shape the script writes (title, header row, one row per cell of today's matrix, totals) without
 * running the matrix, so a change to the matrix or its renderer that is not followed by regenerating the file fails.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { allCells, DOC_TITLE, stepLabel, TABLE_HEADER, TOTALS_HEADING } from "../../harness/faults";

const doc = readFileSync(resolve(__dirname, "..", "..", "docs", "reliability.md"), "utf8");
const lines = doc.split("\n");
const cellsOf = (row: string) =>
    row
        .slice(1, -1)
        .split(" | ")
        .map((c) => c.trim());

describe("docs/reliability.md matches what `npm run faults --out` writes", () => {
    const header = lines.indexOf(TABLE_HEADER);
    const rows: string[] = [];
    for (let i = header + 2; i < lines.length && lines[i]?.startsWith("|"); i++) {
        rows.push(lines[i] ?? "");
    }

    it("starts with the title and has the table header and separator", () => {
        expect(lines[0]).toBe(DOC_TITLE);
        expect(header).toBeGreaterThan(0);
        expect(lines[header + 1]).toBe(`|${" --- |".repeat(cellsOf(TABLE_HEADER).length)}`);
    });

    it("has one row per cell of today's matrix, in order, each with every column", () => {
        const width = cellsOf(TABLE_HEADER).length;
        const expected = allCells().map((c) => [c.fault.label, stepLabel(c.target)]);
        expect(rows.map((r) => cellsOf(r).slice(0, 2))).toEqual(expected);
        for (const row of rows) {
            expect(cellsOf(row)).toHaveLength(width);
        }
    });

    it("ends with totals that count those rows, all clean", () => {
        const totals = lines.indexOf(TOTALS_HEADING);
        expect(totals).toBeGreaterThan(header);
        expect(lines[totals + 2]).toBe(`${rows.length} cells, ${rows.length} clean, 0 not clean.`);
        expect(rows.every((r) => cellsOf(r)[6] === "yes")).toBe(true);
    });
});
