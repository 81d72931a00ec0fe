/**
 * Where the provider host's CPU goes, by package, for warm Reads (per call) and for a cold first call
 * (Configure + first Read on a fresh host). Node 20 refuses `--cpu-prof` in NODE_OPTIONS, and the host has no SIGINT
 * handler of its own: a preload (allowed there) profiles through the inspector and writes the profile when the
 * harness interrupts the host.
 */

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ProviderHost } from "..";
import { closeHost, type Fixture, log, openHost, SECRET_KEYS, SETTINGS, stateOf } from "./fixture";
import { table } from "./report";

const DIR = resolve(__dirname, "..", "..", ".cache", "bench", "profiles");

const PRELOAD = `"use strict";
const inspector = require("node:inspector");
const session = new inspector.Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: 100 });
process.once("SIGUSR2", () => session.post("Profiler.start"));
// Wall time of the first load of each watched module, nested loads included (form-data loads inside axios).
const Module = require("node:module");
const load = Module._load;
const loads = {};
const WATCHED = /^(axios|wechatpay-axios-plugin|form-data|follow-redirects|https-proxy-agent|proxy-from-env)$|providerInstance.js$/;
Module._load = function (request) {
    const t = performance.now();
    try {
        return load.apply(this, arguments);
    } finally {
        if (WATCHED.test(request) && !(request in loads)) loads[request] = performance.now() - t;
    }
};
process.once("SIGINT", () =>
    session.post("Profiler.stop", (err, res) => {
        const fs = require("node:fs");
        if (!err) fs.writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(res.profile));
        fs.writeFileSync(process.env.BENCH_PROFILE_OUT + ".loads.json", JSON.stringify(loads));
        process.exit(0);
    }),
);
`;

interface CpuProfile {
    nodes: { id: number; callFrame: { functionName: string; url: string } }[];
    samples: number[];
    timeDeltas: number[];
}

/** Which package a frame belongs to: the last `node_modules/<pkg>` of its file, node core, or V8's own buckets. */
function bucketOf(frame: { functionName: string; url: string }): string | undefined {
    // An in-process inspector gets no idle notifications: "(program)" is idle time as well as native code.
    if (frame.functionName === "(idle)" || frame.functionName === "(program)") return undefined;
    // "dispatch" is the inspector's own call that stops the profile.
    if (frame.url === "" && frame.functionName === "dispatch") return undefined;
    if (frame.url === "") return frame.functionName === "(garbage collector)" ? "(GC)" : `native ${frame.functionName}`;
    if (frame.url.startsWith("node:")) return "node core (net, http, streams, module loader)";
    const pkgs = [...frame.url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
    return pkgs.at(-1)?.[1] ?? "other";
}

/** Self time by package, ms, largest first. */
function selfTime(profile: CpuProfile): Map<string, number> {
    const bucketById = new Map(profile.nodes.map((n) => [n.id, bucketOf(n.callFrame)]));
    const totals = new Map<string, number>();
    profile.samples.forEach((id, i) => {
        const bucket = bucketById.get(id);
        if (bucket !== undefined) totals.set(bucket, (totals.get(bucket) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    });
    return new Map([...totals].sort((a, b) => b[1] - a[1]));
}

/** A fresh host under the profiler; the profile starts at SIGUSR2 and is written when the host is closed. */
async function profiledHost(f: Fixture, name: string): Promise<{ h: ProviderHost; out: string }> {
    await mkdir(DIR, { recursive: true });
    const preload = join(DIR, "preload.cjs");
    await writeFile(preload, PRELOAD);
    const out = join(DIR, `${name}.cpuprofile`);
    const env = { NODE_OPTIONS: `--require ${preload}`, BENCH_PROFILE_OUT: out };
    return { h: await openHost(f, f.real, env), out };
}

/** The profile section of the report: a table of host CPU by package, warm (per Read) and cold. */
export async function profilePhase(f: Fixture): Promise<string> {
    const n = SETTINGS.quick ? 20 : 500;
    const { props, inputs } = stateOf(f, f.real);
    const id = f.config["wechatpay:mchid"] ?? "";

    log(`profile: ${SETTINGS.warmup} warm-up Reads, then ${n} profiled Reads`);
    const warm = await profiledHost(f, "warm-read");
    await warm.h.configure(f.config, SECRET_KEYS);
    for (let i = 0; i < SETTINGS.warmup; i++) await warm.h.read(id, f.real.urn, props, inputs);
    process.kill(warm.h.pid, "SIGUSR2");
    for (let i = 0; i < n; i++) await warm.h.read(id, f.real.urn, props, inputs);
    await closeHost(f, warm.h);

    log("profile: Configure + first Read on a fresh host");
    const cold = await profiledHost(f, "cold");
    process.kill(cold.h.pid, "SIGUSR2");
    await cold.h.configure(f.config, SECRET_KEYS);
    await cold.h.read(id, f.real.urn, props, inputs);
    await closeHost(f, cold.h);

    const warmTimes = selfTime(JSON.parse(await readFile(warm.out, "utf8")) as CpuProfile);
    const coldTimes = selfTime(JSON.parse(await readFile(cold.out, "utf8")) as CpuProfile);
    // The packages that matter in either column; the rest summed as "others".
    const shown = [...new Set([...warmTimes.keys(), ...coldTimes.keys()])].filter(
        (b) => (warmTimes.get(b) ?? 0) / n >= 0.01 || (coldTimes.get(b) ?? 0) >= 1,
    );
    const rest = (m: Map<string, number>) => [...m].filter(([b]) => !shown.includes(b)).reduce((a, [, t]) => a + t, 0);
    const ms = (x: number | undefined) => (x === undefined ? "—" : x.toFixed(x >= 10 ? 1 : 3));
    const body = shown.map((b) => [b, ms((warmTimes.get(b) ?? 0) / n), ms(coldTimes.get(b))]);
    body.push(["others", ms(rest(warmTimes) / n), ms(rest(coldTimes))]);
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    body.push(["**total**", ms(sum(warmTimes) / n), ms(sum(coldTimes))]);
    const loads = JSON.parse(await readFile(`${cold.out}.loads.json`, "utf8")) as Record<string, number>;
    const loadRows = Object.entries(loads)
        .sort((a, b) => b[1] - a[1])
        .map(([m, t]) => [`\`${m.replace(/^.*node_modules\//, "")}\``, ms(t)]);
    const own = (warmTimes.get("pulumi-wechatpay") ?? 0) / n;
    return `
## Where the host's CPU goes

Self time of the provider host by package (V8 sampling profiler, 0.1 ms; idle and native time left out), for ${n}
warm Reads after ${SETTINGS.warmup} warm-up Reads, and for Configure + the first Read on a host that has just
started listening. Module loading shows under "node core" (the loader) and "(GC)". Profiles:
\`.cache/bench/profiles/\`.

${table(["Package", "warm Read (ms per call)", "cold start to first Read (ms)"], body)}

First loads in the cold host (wall ms, nested loads included in their parent's time):

${table(["Module", "load (ms)"], loadRows)}

What the profile says, and what a missed target would take:
- Warm: the provider's own code is ${ms(own)} ms per Read; the rest of its cost over the floor is the SDK's signed
  request (axios, wechatpay-axios-plugin, the RSA sign and verify, node's http): the work the direct call does too,
  here in a host that also runs Pulumi's gRPC server on a larger heap. Going below that would take a lighter HTTP
  path than axios (node:http with the SDK's signing helpers), which the design's dependencies rule out.
- Cold: axios's CommonJS build (\`dist/node/axios.cjs\`) requires form-data (with mime-types' mime-db),
  follow-redirects, https-proxy-agent and proxy-from-env as it loads, whether or not a request needs them; the
  provider already loads the SDK only in the host, on its first request. Less would take an axios build that loads
  those lazily (upstream), a host with Node ≥ 22.1's module compile cache (\`module.enableCompileCache()\`), or a
  client without axios.
`;
}
