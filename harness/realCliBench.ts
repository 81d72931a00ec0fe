/**
 * What users wait for at scale: `pulumi up` and `pulumi preview --refresh` through the real CLI, for 1 and for N
 * merchants, with this package's provider and with a null dynamic provider (same program shape, same stack config,
 * same CLI, same run), so that the provider's share of the wall time shows. Everything on loopback against the
 * emulator. Written into docs/performance.md between markers by `npm run bench:cli` (scripts/benchCli.ts).
 */

import { type Emulator, startEmulator } from "../provider/testing";
import type { Consumer } from "./consumer";
import { emulatorStackConfig, MCHID, merchantProfiles, SECRET_KEYS } from "./fixtures";
import { type NodeRuntime, type RealCli, RealCliProject } from "./realCli";

export const CLI_SECTION_START = "<!-- real-cli bench: start -->";
export const CLI_SECTION_END = "<!-- real-cli bench: end -->";

/** The merchant ids of a stack with `n` merchants; the first is the emulator's default merchant. */
const mchids = (n: number) => Array.from({ length: n }, (_, i) => String(1900000001 + i));

/** One program: `n` resources, one per merchant; `kind` picks this package or a provider that does nothing. */
function program(kind: "real" | "null"): Record<string, string> {
    const head = `import * as pulumi from "@pulumi/pulumi";\nconst mchids = new pulumi.Config().requireObject<string[]>("mchids");\n`;
    // The first merchant is the stack's default (wechatpay:mchid); the others come from wechatpay:merchants.
    const loop = (ctor: string) =>
        `mchids.forEach((m, i) => new ${ctor}(\`cb-\${m}\`, { notifyUrl: \`https://api.example.com/m/\${m}\`, ...(i === 0 ? {} : { mchid: m }) }));\n`;
    if (kind === "real") {
        return {
            "Pulumi.yaml": "name: bench-real\nruntime: nodejs\n",
            "package.json": JSON.stringify({ name: "bench-real", main: "index.ts" }),
            "index.ts": `${head}import { MembercardCallback } from "pulumi-wechatpay";\n${loop("MembercardCallback")}`,
        };
    }
    // The null provider is an installed package too, so that it is serialized as a `require()` like the real one
    // (a provider written in the program is serialized by value, which costs more than anything measured here).
    const nullPackage = `"use strict";
const pulumi = require("@pulumi/pulumi");
const nullProvider = {
    async create(inputs) { return { id: String(inputs.mchid || "default"), outs: inputs }; },
    async read(id, props) { return { id, props }; },
    async diff() { return { changes: false }; },
    async update(_id, _olds, news) { return { outs: news }; },
    async delete() {},
};
class NullCallback extends pulumi.dynamic.Resource {
    constructor(name, args) { super(nullProvider, name, { mchid: undefined, ...args }); }
}
exports.NullCallback = NullCallback;
`;
    return {
        "Pulumi.yaml": "name: bench-null\nruntime: nodejs\n",
        "package.json": JSON.stringify({ name: "bench-null", main: "index.ts" }),
        "index.ts": `${head}import { NullCallback } from "null-callback";\n${loop("NullCallback")}`,
        "node_modules/null-callback/package.json": JSON.stringify({ name: "null-callback", main: "index.js" }),
        "node_modules/null-callback/index.js": nullPackage,
    };
}
export interface CliBenchRow {
    resources: number;
    command: "up" | "preview --refresh";
    /** Wall seconds, median over runs. */
    real: number;
    null: number;
}

async function timed(project: RealCliProject, args: string[]): Promise<number> {
    const t0 = performance.now();
    await project.ok(args, 900_000);
    return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

/** Runs the measurements; `log` gets progress lines. Null and real interleave, so load drifts hit both. */
export async function benchThroughCli(opts: {
    cli: RealCli;
    runtime: NodeRuntime;
    consumer: Consumer;
    counts: number[];
    runs: number;
    log: (line: string) => void;
}): Promise<CliBenchRow[]> {
    const rows: CliBenchRow[] = [];
    for (const n of opts.counts) {
        const ids = mchids(n);
        const emulator: Emulator = await startEmulator({ merchants: ids.map((mchid) => ({ mchid })) });
        try {
            const config = {
                ...emulatorStackConfig(emulator, {}, MCHID),
                ...(n > 1 ? { "wechatpay:merchants": merchantProfiles(emulator, ids.slice(1)) } : {}),
            };
            const samples = {
                up: { real: [] as number[], null: [] as number[] },
                refresh: { real: [] as number[], null: [] as number[] },
            };
            for (let run = 0; run < opts.runs; run++) {
                // Alternating which goes first: the first project of a run pays for cold file caches.
                const order = run % 2 === 0 ? (["null", "real"] as const) : (["real", "null"] as const);
                for (const kind of order) {
                    const project = await RealCliProject.create({
                        cli: opts.cli,
                        runtime: opts.runtime,
                        consumer: opts.consumer,
                        example: `bench-${kind}`,
                        files: program(kind),
                    });
                    try {
                        await project.init({ ...config, [`bench-${kind}:mchids`]: JSON.stringify(ids) }, [
                            ...SECRET_KEYS,
                            "wechatpay:merchants",
                        ]);
                        const up = await timed(project, ["up", "--stack", "dev", "--yes"]);
                        const refresh = await timed(project, ["preview", "--stack", "dev", "--refresh"]);
                        samples.up[kind].push(up);
                        samples.refresh[kind].push(refresh);
                        opts.log(
                            `${n} resource(s), ${kind}, run ${run + 1}: up ${up.toFixed(1)} s, preview --refresh ${refresh.toFixed(1)} s`,
                        );
                        await project.ok(["destroy", "--stack", "dev", "--yes"], 900_000);
                    } finally {
                        await project.dispose();
                    }
                }
            }
            rows.push({ resources: n, command: "up", real: median(samples.up.real), null: median(samples.up.null) });
            rows.push({
                resources: n,
                command: "preview --refresh",
                real: median(samples.refresh.real),
                null: median(samples.refresh.null),
            });
        } finally {
            await emulator.close();
        }
    }
    return rows;
}

/** The section for docs/performance.md, markers included. */
export function cliSection(rows: CliBenchRow[], context: string): string {
    const lines = rows.map((r) => {
        const share = r.real > 0 ? ((r.real - r.null) / r.real) * 100 : 0;
        return `| \`pulumi ${r.command}\` | ${r.resources} | ${r.real.toFixed(1)} | ${r.null.toFixed(1)} | ${(r.real - r.null).toFixed(1)} | ${share.toFixed(0)} % |`;
    });
    return `${CLI_SECTION_START}
## Through the real Pulumi CLI

Generated by \`npm run bench:cli -- --out docs/performance.md\` (this section only); do not edit by hand.
${context}

| Command | Resources | This provider (s) | Null provider (s) | Difference (s) | Provider's share |
| --- | --- | --- | --- | --- | --- |
${lines.join("\n")}

- Wall time of the whole command as a user waits for it (\`pulumi up --yes\` creating every resource, including its
  preview pass; \`pulumi preview --refresh\` reading every resource), hermetic local backend, against the emulator on
  loopback. One merchant per resource (\`wechatpay:merchants\` holds the others' keys); the null program has the same
  shape and stack config, with a provider that sends nothing. The share is (this − null) / this: what the provider
  adds over what any dynamic provider pays for the CLI, the program and Pulumi's provider host. The CLI runs
  independent resources in parallel, so 50 cost little more than 1. Single runs of one command vary by about half a
  second on this machine: a difference below that is noise (the progress lines on stderr show every run).
${CLI_SECTION_END}
`;
}

/** `doc` with its real-CLI section replaced by `section` (appended when there is none). */
export function withCliSection(doc: string, section: string): string {
    const start = doc.indexOf(CLI_SECTION_START);
    const end = doc.indexOf(CLI_SECTION_END);
    if (start < 0 || end < start) return `${doc.replace(/\n*$/, "\n")}\n${section}`;
    return doc.slice(0, start) + section + doc.slice(end + CLI_SECTION_END.length).replace(/^\n/, "");
}

/** The real-CLI section of `doc`, markers included, or undefined. */
export function cliSectionOf(doc: string): string | undefined {
    const start = doc.indexOf(CLI_SECTION_START);
    const end = doc.indexOf(CLI_SECTION_END);
    return start < 0 || end < start ? undefined : `${doc.slice(start, end + CLI_SECTION_END.length)}\n`;
}
