/**
 * The fault table's representative cells (REPRESENTATIVE in harness/faults) against the provider plugin, on the rig and
 * with the judge the dynamic-provider host's run uses (test/engine/faults.engine.test.ts): every cell must be clean
 * and as designed, the same as through the dynamic resources.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyFragments } from "../../harness";
import {
    type CellResult,
    cellKey,
    type Matrix,
    MCHID,
    representativeCells,
    startPluginMatrix,
    summarize,
} from "../../harness/faults";

let matrix: Matrix;
const results: CellResult[] = [];

describe("faults through the wechatpay provider plugin (the representative cells)", () => {
    beforeAll(async () => {
        matrix = await startPluginMatrix();
    });
    afterAll(async () => {
        await matrix?.close();
    });

    it("runs every representative cell", async () => {
        for (const cell of representativeCells()) {
            results.push(await matrix.run(cell));
        }
        expect(results.map((r) => cellKey(r.cell))).toEqual(representativeCells().map(cellKey));
        expect(results.length).toBeGreaterThan(20);
    }, 600_000);

    it("every cell is clean and as designed", () => {
        const bad = results
            .filter((r) => !r.clean || r.unexpected.length > 0)
            .map((r) => `${r.cell.fault.label} × ${r.step}: ${[...r.notClean, ...r.unexpected].join("; ")}`);
        expect(bad).toEqual([]);
        expect(summarize(results)).toBe(`${results.length} cells, ${results.length} clean, 0 not clean`);
    });

    it("keeps a create whose outcome is unknown in state, as the dynamic host does (ErrorResourceInitFailed)", () => {
        const kept = results.filter((r) => r.kept !== undefined);
        expect(kept.length).toBeGreaterThan(0);
        for (const r of kept) {
            expect(r.kept?.id).toBe(MCHID);
            expect(r.kept?.properties).not.toHaveProperty("__provider");
        }
    });

    it("never shows the private key in an error message or in the plugins' output", () => {
        const text = [...results.map((r) => r.message ?? ""), matrix.hostOutput()].join("\n");
        for (const fragment of keyFragments(matrix.emulator.credentials().privateKey)) {
            expect(text).not.toContain(fragment);
        }
        expect(text).not.toContain("PRIVATE KEY");
    });
});
