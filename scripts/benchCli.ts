/**
 * `npm run bench:cli`: `pulumi up` and `pulumi preview --refresh` through the real CLI for 1 and 50 merchants, this
 * provider against a null dynamic provider in the same run (harness/realCliBench.ts). Progress on stderr, the section
 * on stdout. `--out FILE` replaces that section in FILE (docs/performance.md; `npm run bench` keeps it), `--runs K`
 * takes the median of K runs (default 1), `--counts 1,50` picks the sizes. Needs a CLI (`npm run cli:build`).
 */
import { readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { machineLine } from "../harness/bench/report";
import { findRealCli, node20, prepareRuntimeConsumer } from "../harness/realCli";
import { benchThroughCli, cliSection, withCliSection } from "../harness/realCliBench";

function flag(name: string): string | undefined {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
}

async function main(): Promise<number> {
    const log = (line: string) => process.stderr.write(`bench:cli: ${line}\n`);
    const { cli, reason } = findRealCli();
    if (cli === undefined) {
        log(reason);
        return 1;
    }
    const runtime = node20();
    const counts = (flag("--counts") ?? "1,50").split(",").map(Number);
    const runs = Number(flag("--runs") ?? "1");
    const load = loadavg();
    log(`pulumi ${cli.version} (${cli.binary}), ${runtime.label} ${runtime.version}; sizes ${counts.join(", ")}`);
    const consumer = await prepareRuntimeConsumer(runtime);
    const rows = await benchThroughCli({ cli, runtime, consumer, counts, runs, log });
    const context =
        `Run ${new Date().toISOString().slice(0, 16)}Z on ${machineLine(load)}; pulumi ${cli.version} ` +
        `(language host 3.68.0), ${runtime.label} ${runtime.version}, @pulumi/pulumi ${consumer.pulumiVersion}; ` +
        `median of ${runs} run(s).`;
    const section = cliSection(rows, context);
    process.stdout.write(section);
    const out = flag("--out");
    if (out !== undefined) {
        const doc = await readFile(resolve(out), "utf8").catch(() => "");
        await writeFile(resolve(out), withCliSection(doc, section));
        log(`wrote ${out}`);
    }
    return 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(`bench:cli failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
    },
);
