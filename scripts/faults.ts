/**
 * `npm run faults`: runs every cell of the fault table (harness/faults) through Pulumi's provider host with the
 * packed package, prints a Markdown table and a summary, and exits 1 when any cell is not clean or not as designed.
 *
 * `--verbose` also prints every failure's full message (what the user would see).
 * `--out FILE` also writes the matrix as a Markdown document (docs/reliability.md is this, committed).
 */

import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { allCells, type CellResult, renderDocument, renderTable, startMatrix, summarize } from "../harness/faults";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
    const verbose = process.argv.includes("--verbose");
    const outAt = process.argv.indexOf("--out");
    const out = outAt >= 0 ? process.argv[outAt + 1] : undefined;
    if (outAt >= 0 && (out === undefined || out.startsWith("--"))) {
        throw new Error("--out needs a file name, e.g. --out docs/reliability.md");
    }
    const started = performance.now();
    const matrix = await startMatrix({
        packageDir: resolve(__dirname, ".."),
        log: (line) => process.stderr.write(`${line}\n`),
    });
    const results: CellResult[] = [];
    const cellsStarted = performance.now();
    try {
        const cells = allCells();
        for (const [i, cell] of cells.entries()) {
            const result = await matrix.run(cell);
            results.push(result);
            const mark = result.clean && result.unexpected.length === 0 ? "ok " : "!! ";
            process.stderr.write(
                `${mark}${String(i + 1).padStart(3)}/${cells.length} ${cell.fault.label} × ${result.step}: ` +
                    `${result.outcome} (${seconds(result.ms)})\n`,
            );
        }
    } finally {
        await matrix.close();
    }
    const cellsMs = performance.now() - cellsStarted;

    console.log(renderTable(results));
    console.log("");
    if (verbose) {
        console.log("Failure messages:");
        for (const r of results.filter((x) => x.message !== undefined)) {
            console.log(`- ${r.cell.fault.label} × ${r.step}: ${r.message}`);
        }
        console.log("");
    }
    const { consumerMs, captureMs, hostsMs, fromCache, hostPeakRssMbAtStart } = matrix.setup;
    console.log(`Provider host peak RSS before the cells: ${hostPeakRssMbAtStart} MB`);
    console.log(
        `Timings: pack + install ${seconds(consumerMs)}${fromCache ? " (consumer cached)" : ""}, ` +
            `capture __provider ${seconds(captureMs)}, start 2 provider hosts ${seconds(hostsMs)}, ` +
            `${results.length} cells ${seconds(cellsMs)}, total ${seconds(performance.now() - started)}`,
    );
    console.log(summarize(results));
    if (out !== undefined) {
        writeFileSync(out, renderDocument(results));
        console.log(`Wrote ${out}`);
    }
    return results.every((r) => r.clean && r.unexpected.length === 0) ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err instanceof Error ? (err.stack ?? err.message) : err);
        process.exit(2);
    },
);
