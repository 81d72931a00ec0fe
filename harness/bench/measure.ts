/**
 * The phases. Warm steps: the real provider, the null floor and the direct SDK call, round-robin per round, each
 * process warmed up first. Cold: Configure + the first Read on a fresh host. Burst: many Reads at once on a fresh host
 * (a refresh). Memory: peak host RSS growth during a burst of concurrent Reads.
 */

import { type PropertyMap, type ProviderHost, urnFor } from "..";
import { Child } from "./children";
import {
    closeHost,
    cpuMs,
    type Fixture,
    log,
    memKb,
    openHost,
    plainEnv,
    resetPeak,
    SECRET_KEYS,
    SETTINGS,
    type Side,
    stateOf,
    URL_A,
    URL_B,
} from "./fixture";

export const STEPS = ["check", "diff", "read", "update", "create", "delete"] as const;
export type Step = (typeof STEPS)[number];
/** Steps that send WeChat Pay requests (and so have a direct SDK counterpart); check and diff send none. */
export const REQUEST_STEPS: readonly Step[] = ["read", "update", "create", "delete"];

/** Wall time of every call (ms) and the host's (or direct process's) CPU per call in each round (ms). */
export interface Series {
    samples: number[];
    cpuPerCall: number[];
}
export interface WarmResult {
    step: Step;
    provider: Series;
    floor: Series;
    direct: Series | undefined;
}
/** One figure per fresh run. */
export interface Runs {
    provider: number[];
    floor: number[];
    direct?: number[];
    providerCpu?: number[];
}

const urlOf = (i: number): string => (i % 2 === 1 ? URL_B : URL_A);

type Call = (i: number) => Promise<void>;

/** One lifecycle step through a configured host, as the engine sends it; the answer is checked. */
function stepCall(f: Fixture, side: Side, h: ProviderHost, step: Step, perRound: number): Call {
    const { props } = stateOf(f, side);
    const id = f.config["wechatpay:mchid"] ?? "";
    const news = (i: number): PropertyMap => ({ notifyUrl: urlOf(i), __provider: side.provider });
    const expectId = (got: string, what: string) => {
        if (got !== id) throw new Error(`${what} answered id ${JSON.stringify(got)}, expected ${id}`);
    };
    switch (step) {
        case "check":
            return async (i) => {
                const r = await h.check(side.urn, {}, news(i));
                if (r.failures.length > 0) throw new Error(`check failed: ${JSON.stringify(r.failures)}`);
            };
        case "diff":
            return async (i) => {
                await h.diff(id, side.urn, props, news(i));
            };
        case "read":
            return async () => expectId((await h.read(id, side.urn, props, stateOf(f, side).inputs)).id, "read");
        case "update":
            return async (i) => {
                const r = await h.update(id, side.urn, props, news(i));
                if (r.properties.notifyUrl !== urlOf(i)) throw new Error(`update answered ${r.properties.notifyUrl}`);
            };
        case "create":
            return async (i) => expectId((await h.create(side.urn, news(i))).id, "create");
        case "delete":
            // Follows a create batch, whose last call set urlOf(perRound − 1): each delete finds its own URL live
            // and puts the other back (GET + PATCH), so the next one finds its own too.
            return async (i) => {
                const olds = {
                    ...props,
                    appliedNotifyUrl: urlOf(perRound - 1 + i),
                    previousNotifyUrl: urlOf(perRound + i),
                };
                await h.delete(id, side.urn, olds);
            };
    }
}

/** Runs `n` calls one after another; returns each one's wall time and the host's CPU per call. */
async function batch(call: Call, n: number, pid: number): Promise<{ samples: number[]; cpuPerCall: number }> {
    const samples: number[] = [];
    const cpu = cpuMs(pid);
    for (let i = 0; i < n; i++) {
        const t = performance.now();
        await call(i);
        samples.push(performance.now() - t);
    }
    return { samples, cpuPerCall: (cpuMs(pid) - cpu) / n };
}

interface DirectAnswer {
    samples: number[];
    cpuMs: number;
}

export async function warmPhase(f: Fixture): Promise<WarmResult[]> {
    const { rounds, perRound, warmup } = SETTINGS;
    const real = await openHost(f, f.real);
    const floor = await openHost(f, f.null);
    const direct = await Child.start(f.real.consumer.dir, "direct", plainEnv());
    try {
        await real.configure(f.config, SECRET_KEYS);
        await floor.configure(f.config, SECRET_KEYS);
        const ask = (kind: Step, n: number) => direct.ask<DirectAnswer>({ target: f.target, kind, n });
        log(`warm-up: ${warmup} Reads on each host and ${warmup} direct GETs…`);
        await batch(stepCall(f, f.real, real, "read", perRound), warmup, real.pid);
        await batch(stepCall(f, f.null, floor, "read", perRound), warmup, floor.pid);
        await ask("read", warmup);
        for (const step of STEPS) {
            await batch(stepCall(f, f.real, real, step, perRound), perRound, real.pid);
            await batch(stepCall(f, f.null, floor, step, perRound), perRound, floor.pid);
        }
        const results = STEPS.map(
            (step): WarmResult => ({
                step,
                provider: { samples: [], cpuPerCall: [] },
                floor: { samples: [], cpuPerCall: [] },
                direct: REQUEST_STEPS.includes(step) ? { samples: [], cpuPerCall: [] } : undefined,
            }),
        );
        for (let r = 0; r < rounds; r++) {
            log(`warm steps: round ${r + 1} of ${rounds} (${perRound} calls per step and side)`);
            for (const res of results) {
                // Round-robin: floor, provider, direct for each step, so a change in machine load hits all three.
                const fl = await batch(stepCall(f, f.null, floor, res.step, perRound), perRound, floor.pid);
                const pr = await batch(stepCall(f, f.real, real, res.step, perRound), perRound, real.pid);
                res.floor.samples.push(...fl.samples);
                res.floor.cpuPerCall.push(fl.cpuPerCall);
                res.provider.samples.push(...pr.samples);
                res.provider.cpuPerCall.push(pr.cpuPerCall);
                if (res.direct) {
                    const d = await ask(res.step, perRound);
                    res.direct.samples.push(...d.samples);
                    res.direct.cpuPerCall.push(d.cpuMs / perRound);
                }
            }
        }
        return results;
    } finally {
        direct.close();
        await closeHost(f, real);
        await closeHost(f, floor);
        await f.emulator.ask({});
    }
}

/** Configure + the first Read on a fresh host (spawned and listening, not yet configured), ms, and its host CPU. */
async function firstRead(f: Fixture, side: Side): Promise<{ wallMs: number; cpu: number }> {
    const h = await openHost(f, side);
    try {
        const cpu = cpuMs(h.pid);
        const t = performance.now();
        await h.configure(f.config, SECRET_KEYS);
        await stepCall(f, side, h, "read", 1)(0);
        return { wallMs: performance.now() - t, cpu: cpuMs(h.pid) - cpu };
    } finally {
        await closeHost(f, h);
    }
}

export async function coldPhase(f: Fixture): Promise<Runs> {
    const runs: Runs = { provider: [], floor: [], providerCpu: [] };
    for (let r = 0; r < SETTINGS.coldRuns; r++) {
        log(`cold: run ${r + 1} of ${SETTINGS.coldRuns}`);
        runs.floor.push((await firstRead(f, f.null)).wallMs);
        const real = await firstRead(f, f.real);
        runs.provider.push(real.wallMs);
        runs.providerCpu?.push(real.cpu);
    }
    return runs;
}

/** `n` resources' Reads at once, each its own URN, as a refresh sends them. */
async function readsAtOnce(f: Fixture, side: Side, h: ProviderHost, n: number): Promise<void> {
    const { props, inputs } = stateOf(f, side);
    const id = f.config["wechatpay:mchid"] ?? "";
    const type = side.urn.split("::")[2] ?? "";
    await Promise.all(
        Array.from({ length: n }, async (_, i) => {
            const urn = urnFor(type, `membercard-${i}`, "wechatpay-bench", "bench");
            const res = await h.read(id, urn, props, inputs);
            if (res.id !== id) throw new Error(`read answered id ${JSON.stringify(res.id)}`);
        }),
    );
}

/** Configure + `n` Reads at once on a fresh host, ms. */
async function freshBurst(f: Fixture, side: Side, n: number): Promise<number> {
    const h = await openHost(f, side);
    try {
        const t = performance.now();
        await h.configure(f.config, SECRET_KEYS);
        await readsAtOnce(f, side, h, n);
        return performance.now() - t;
    } finally {
        await closeHost(f, h);
    }
}

export async function burstPhase(f: Fixture): Promise<Runs> {
    const { burst, burstRuns } = SETTINGS;
    const runs: Runs = { provider: [], floor: [], direct: [] };
    for (let r = 0; r < burstRuns; r++) {
        log(`${burst} Reads at once on a fresh host: run ${r + 1} of ${burstRuns}`);
        runs.floor.push(await freshBurst(f, f.null, burst));
        runs.provider.push(await freshBurst(f, f.real, burst));
        const direct = await Child.start(f.real.consumer.dir, "direct", plainEnv());
        try {
            runs.direct?.push(
                (await direct.ask<{ wallMs: number }>({ op: "burst", target: f.target, n: burst })).wallMs,
            );
        } finally {
            direct.close();
        }
    }
    await f.emulator.ask({});
    return runs;
}

/** Peak RSS growth of a warmed host during `n` concurrent Reads, KB per resource. */
async function memoryGrowth(f: Fixture, side: Side, n: number): Promise<number> {
    const h = await openHost(f, side);
    try {
        await h.configure(f.config, SECRET_KEYS);
        await batch(stepCall(f, side, h, "read", 1), 100, h.pid);
        const before = memKb(h.pid, "VmRSS");
        const reset = resetPeak(h.pid);
        let polled = before;
        const poll = setInterval(() => {
            polled = Math.max(polled, memKb(h.pid, "VmRSS"));
        }, 2);
        try {
            await readsAtOnce(f, side, h, n);
        } finally {
            clearInterval(poll);
        }
        // Where VmHWM cannot be reset it holds start-up's peak; the polled maximum is then the reading.
        const peak = reset ? Math.max(polled, memKb(h.pid, "VmHWM")) : polled;
        return (peak - before) / n;
    } finally {
        await closeHost(f, h);
    }
}

export async function memoryPhase(f: Fixture): Promise<Runs> {
    const { memory, memoryRuns } = SETTINGS;
    const runs: Runs = { provider: [], floor: [] };
    for (let r = 0; r < memoryRuns; r++) {
        log(`memory: ${memory} Reads at once, run ${r + 1} of ${memoryRuns}`);
        runs.floor.push(await memoryGrowth(f, f.null, memory));
        runs.provider.push(await memoryGrowth(f, f.real, memory));
        await f.emulator.ask({});
    }
    return runs;
}
