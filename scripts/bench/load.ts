/**
 * Load: 100 refresh reads (all at once, and at the engine's parallelism) and 100 sequential updates, on a fresh
 * provider host each time, next to the same requests from a plain node child; and the empty provider under the
 * same reads (the host's own share).
 */

import { runDirectChild } from "./directProcess";
import { countsOf } from "./emulatorProcess";
import { expectEqual } from "./expectEqual";
import {
    closeHost,
    EMPTY_TYPE,
    type Fixture,
    openHost,
    providerState,
    SECRET_KEYS,
    URL_A,
    URLS,
    urnOf,
} from "./fixture";
import { log } from "./log";
import { procCpuMs, procStatusKb, resetPeakRss } from "./proc";
import { runPool, type Scenario, type ScenarioResult } from "./scenario";
import { ENGINE_PARALLELISM, LOAD_N, LOAD_REPS } from "./settings";
import { median, ms } from "./stats";

interface LoadSide {
    wallMs: number[];
    cpuMs: number[];
    peakKb: number[];
    rssBeforeKb: number[];
    peakReset: boolean;
}

interface LoadMedians {
    wallMs: number;
    cpuMs: number;
    peakKb: number;
    rssBeforeKb: number;
}

export interface LoadResult {
    name: string;
    scenario: Scenario;
    host: LoadSide & { median: LoadMedians };
    direct: LoadSide & { median: LoadMedians };
    wallRatio: number;
    cpuRatio: number;
    requests: { host: number; direct: number; expected: number };
}

/** One scenario on a fresh host; `empty` runs it with the empty provider (no requests: the host's own share). */
async function hostScenario(f: Fixture, scenario: Scenario, empty = false): Promise<ScenarioResult> {
    const { mchid, props, inputs, news } = providerState(f);
    const emptyProps = { value: "x", __provider: f.emptyProvider };
    const h = await openHost(f, empty ? f.emptyConsumer : f.consumer);
    try {
        await h.configure(f.stackConfig, SECRET_KEYS);
        const call = async (i: number): Promise<void> => {
            const urn = urnOf(`cb${i}`);
            if (empty) {
                await h.read("empty", urnOf(`e${i}`, EMPTY_TYPE), emptyProps, emptyProps);
            } else if (scenario.kind === "read") {
                const r = await h.read(mchid, urn, props, inputs);
                expectEqual("read id", r.id, mchid);
            } else {
                const url = URLS[i % 2] ?? URL_A;
                const r = await h.update(mchid, urn, props, news[i % 2] ?? inputs, inputs);
                expectEqual("updated notifyUrl", r.properties.notifyUrl, url);
            }
        };
        await call(1); // warm-up, like the baseline child: provider loaded, keys parsed, connection open
        const peakReset = resetPeakRss(h.pid);
        const rssBeforeKb = procStatusKb(h.pid, "VmRSS");
        const cpuBefore = procCpuMs(h.pid);
        const t = performance.now();
        await runPool(scenario.n, scenario.limit, call);
        const wallMs = performance.now() - t;
        const cpuMs = procCpuMs(h.pid) - cpuBefore;
        return { wallMs, rssBeforeKb, peakKb: procStatusKb(h.pid, "VmHWM"), peakReset, cpuMs };
    } finally {
        await closeHost(f, h);
    }
}

export async function loadPhase(f: Fixture): Promise<LoadResult[]> {
    const scenarios: { name: string; scenario: Scenario }[] = [
        { name: `refresh: ${LOAD_N} reads at once`, scenario: { kind: "read", n: LOAD_N, limit: LOAD_N } },
        {
            name: `refresh: ${LOAD_N} reads, ${ENGINE_PARALLELISM} at a time`,
            scenario: { kind: "read", n: LOAD_N, limit: ENGINE_PARALLELISM },
        },
        { name: `${LOAD_N} sequential updates`, scenario: { kind: "update", n: LOAD_N, limit: 1 } },
    ];
    const results: LoadResult[] = [];
    for (const { name, scenario } of scenarios) {
        await f.emulator.reset();
        const host: LoadSide = { wallMs: [], cpuMs: [], peakKb: [], rssBeforeKb: [], peakReset: true };
        const direct: LoadSide = { wallMs: [], cpuMs: [], peakKb: [], rssBeforeKb: [], peakReset: true };
        const record = (side: LoadSide, r: ScenarioResult) => {
            side.wallMs.push(r.wallMs);
            side.cpuMs.push(r.cpuMs);
            side.peakKb.push(r.peakKb);
            side.rssBeforeKb.push(r.rssBeforeKb);
            side.peakReset &&= r.peakReset;
        };
        for (let rep = 0; rep < LOAD_REPS; rep++) {
            const runHost = async () => record(host, await hostScenario(f, scenario));
            const runDirect = async () =>
                record(direct, await runDirectChild(f.directChild, { target: f.directTarget, scenario, urls: URLS }));
            if (rep % 2 === 0) {
                await runHost();
                await runDirect();
            } else {
                await runDirect();
                await runHost();
            }
        }
        const counts = await f.emulator.counts();
        const reqs = {
            host: countsOf(counts, f.emulator.ready.provider.mchid).total,
            direct: countsOf(counts, f.emulator.ready.direct.mchid).total,
            expected: (LOAD_N + 1) * LOAD_REPS,
        };
        const summary = (side: LoadSide) => ({
            ...side,
            median: {
                wallMs: median(side.wallMs),
                cpuMs: median(side.cpuMs),
                peakKb: median(side.peakKb),
                rssBeforeKb: median(side.rssBeforeKb),
            },
        });
        const h = summary(host);
        const d = summary(direct);
        results.push({
            name,
            scenario,
            host: h,
            direct: d,
            wallRatio: h.median.wallMs / d.median.wallMs,
            cpuRatio: h.median.cpuMs / d.median.cpuMs,
            requests: reqs,
        });
        log(`${name}: host ${ms(h.median.wallMs)} ms, direct ${ms(d.median.wallMs)} ms`);
    }
    return results;
}

/** The empty provider under the same refresh loads: what the host and gRPC cost with no request behind them. */
export async function emptyLoadPhase(f: Fixture): Promise<EmptyLoad[]> {
    const out: EmptyLoad[] = [];
    for (const limit of [LOAD_N, ENGINE_PARALLELISM]) {
        const runs: ScenarioResult[] = [];
        for (let rep = 0; rep < LOAD_REPS; rep++) {
            runs.push(await hostScenario(f, { kind: "read", n: LOAD_N, limit }, true));
        }
        out.push({
            name: `empty provider: ${LOAD_N} reads, ${limit === LOAD_N ? "at once" : `${limit} at a time`}`,
            limit,
            wallMs: median(runs.map((r) => r.wallMs)),
            cpuMs: median(runs.map((r) => r.cpuMs)),
            peakKb: median(runs.map((r) => r.peakKb)),
            rssBeforeKb: median(runs.map((r) => r.rssBeforeKb)),
        });
    }
    return out;
}

export interface EmptyLoad {
    name: string;
    limit: number;
    wallMs: number;
    cpuMs: number;
    peakKb: number;
    rssBeforeKb: number;
}
