/**
 * Provider-host cold start: spawn → port → Configure → first Read, for the provider and for the empty provider,
 * alternating.
 */

import { expectEqual } from "./expectEqual";
import { closeHost, EMPTY_URN, type Fixture, openHost, SECRET_KEYS, URN } from "./fixture";
import { log } from "./log";
import { COLD_RUNS } from "./settings";
import { median, ms } from "./stats";

export interface ColdRun {
    spawnToPortMs: number;
    configureMs: number;
    readMs: number;
    totalMs: number;
}

export interface ColdPhase {
    provider: { runs: ColdRun[]; median: ColdRun };
    empty: { runs: ColdRun[]; median: ColdRun };
    /** Difference of the medians of the totals: carries the noise of spawn → port, which is the same code for both. */
    differenceOfTotalsMs: number;
    /**
     * Difference of the medians of Configure + first Read: the only part that depends on the provider (the host loads
     * no provider code before the first resource call). The estimate the target is judged on.
     */
    differenceMs: number;
}

export async function coldPhase(f: Fixture): Promise<ColdPhase> {
    const mchid = f.emulator.ready.provider.mchid;
    await f.emulator.reset();
    const kinds = {
        provider: {
            consumer: f.consumer,
            urn: URN,
            id: mchid,
            props: {
                notifyUrl: f.emulator.ready.initialUrl,
                mchid,
                appliedNotifyUrl: f.emulator.ready.initialUrl,
                __provider: f.provider,
            },
            inputs: { notifyUrl: f.emulator.ready.initialUrl, __provider: f.provider },
        },
        empty: {
            consumer: f.emptyConsumer,
            urn: EMPTY_URN,
            id: "empty",
            props: { value: "x", __provider: f.emptyProvider },
            inputs: { value: "x", __provider: f.emptyProvider },
        },
    };
    const once = async (kind: keyof typeof kinds): Promise<ColdRun> => {
        const k = kinds[kind];
        const h = await openHost(f, k.consumer);
        try {
            const t1 = performance.now();
            // The engine sends the same whole stack config to every dynamic provider.
            await h.configure(f.stackConfig, SECRET_KEYS);
            const t2 = performance.now();
            const r = await h.read(k.id, k.urn, k.props, k.inputs);
            const t3 = performance.now();
            expectEqual(`${kind} cold read id`, r.id, k.id);
            return {
                spawnToPortMs: h.startupMs,
                configureMs: t2 - t1,
                readMs: t3 - t2,
                totalMs: h.startupMs + t3 - t1,
            };
        } finally {
            await closeHost(f, h);
        }
    };
    // One untimed run each: the first start pays for reading node_modules from disk into the page cache.
    await once("provider");
    await once("empty");
    const runs: Record<keyof typeof kinds, ColdRun[]> = { provider: [], empty: [] };
    for (let i = 0; i < COLD_RUNS; i++) {
        const order: (keyof typeof kinds)[] = i % 2 === 0 ? ["provider", "empty"] : ["empty", "provider"];
        for (const kind of order) runs[kind].push(await once(kind));
    }
    const med = (rs: ColdRun[]): ColdRun => ({
        spawnToPortMs: median(rs.map((r) => r.spawnToPortMs)),
        configureMs: median(rs.map((r) => r.configureMs)),
        readMs: median(rs.map((r) => r.readMs)),
        totalMs: median(rs.map((r) => r.totalMs)),
    });
    const provider = { runs: runs.provider, median: med(runs.provider) };
    const empty = { runs: runs.empty, median: med(runs.empty) };
    log(`cold start: provider ${ms(provider.median.totalMs)} ms, empty ${ms(empty.median.totalMs)} ms`);
    const own = (rs: ColdRun[]) => median(rs.map((r) => r.configureMs + r.readMs));
    return {
        provider,
        empty,
        differenceOfTotalsMs: provider.median.totalMs - empty.median.totalMs,
        differenceMs: own(runs.provider) - own(runs.empty),
    };
}
