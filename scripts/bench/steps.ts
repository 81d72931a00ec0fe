/**
 * Warm lifecycle steps: each of check/diff/create/read/update/delete through the provider host, interleaved with
 * the same requests made directly; the floors any dynamic provider pays; sizes of `__provider` and of the state.
 */

import type { PropertyMap } from "../../harness";
import { countsOf } from "./emulatorProcess";
import { expectEqual } from "./expectEqual";
import { closeHost, EMPTY_URN, type Fixture, openHost, SECRET_KEYS, URL_A, URLS, URN } from "./fixture";
import { log } from "./log";
import { procCpuMs } from "./proc";
import { ITERATIONS, LATENCY_ITERATIONS, LATENCY_MS, LATENCY_WARMUP, WARMUP } from "./settings";
import { median, ms, type Stats, stats } from "./stats";

const STEPS = ["check", "diff", "create", "read", "update", "delete"] as const;
type StepName = (typeof STEPS)[number];
/** WeChat Pay requests per step, from DESIGN.md's lifecycle table. */
const EXPECTED_REQUESTS: Record<StepName, number> = { check: 0, diff: 0, create: 2, read: 1, update: 1, delete: 2 };
const DIRECT_SHAPE: Record<StepName, string> = {
    check: "0 requests",
    diff: "0 requests",
    create: "GET+PATCH",
    read: "GET",
    update: "PATCH",
    delete: "GET+PATCH",
};

export interface StepResult {
    step: StepName;
    requests: { provider: number; direct: number | null; expected: number; providerCalls: Record<string, number> };
    grpc: Stats;
    /** CPU the provider host process used per call (warm-up included), ms: 10 ms ticks over the whole step. */
    hostCpuMsPerCall: number;
    direct: Stats | null;
    directShape: string;
    ratio: { median: number; p95: number } | null;
    /** (direct median + empty provider's Read median) ÷ direct median: the ratio of a provider that added nothing. */
    floorRatio?: number;
}

export interface StepsPhase {
    steps: StepResult[];
    /** create/read/update/delete again, with the emulator answering after LATENCY_MS. */
    atLatency: StepResult[];
    floors: {
        /** GetPluginInfo: the gRPC round trip with no provider code and no Struct payload. */
        pluginInfo: Stats & { hostCpuMsPerCall: number };
        /** An empty dynamic provider's Read: what any dynamic provider pays per call, before doing anything. */
        emptyRead: Stats & { hostCpuMsPerCall: number };
    };
    sizes: {
        providerBytes: number;
        stateBytes: number;
        stateWithoutProviderBytes: number;
        emptyProviderBytes: number;
        state: unknown;
    };
}

export async function stepsPhase(f: Fixture): Promise<StepsPhase> {
    const { emulator, direct } = f;
    const { initialUrl } = emulator.ready;
    const mchid = emulator.ready.provider.mchid;
    const h = await openHost(f);
    await h.configure(f.stackConfig, SECRET_KEYS);
    await emulator.reset();

    const news = URLS.map((url) => ({ notifyUrl: url, __provider: f.provider }));
    const checkedNews: PropertyMap[] = [];
    for (const n of news) {
        const checked = await h.check(URN, {}, n);
        expectEqual("check failures", checked.failures.length, 0);
        checkedNews.push(checked.inputs);
    }
    const inputs = checkedNews[0] ?? {};
    const created = await h.create(URN, inputs);
    expectEqual("created id", created.id, mchid);
    const olds = created.properties;
    const state = { id: created.id, inputs, outputs: olds };
    const stateBytes = Buffer.byteLength(JSON.stringify(state));
    const stateWithoutProvider = {
        id: created.id,
        inputs: { ...inputs, __provider: undefined },
        outputs: { ...olds, __provider: undefined },
    };
    const sizes = {
        providerBytes: Buffer.byteLength(f.provider),
        stateBytes,
        stateWithoutProviderBytes: Buffer.byteLength(JSON.stringify(stateWithoutProvider)),
        emptyProviderBytes: Buffer.byteLength(f.emptyProvider),
        state: { ...state, inputs: { ...inputs, __provider: "…" }, outputs: { ...olds, __provider: "…" } },
    };

    // Floors, interleaved: the bare gRPC round trip (no provider code, empty messages), and an empty dynamic
    // provider's Read (props in and out, the provider called, no request): what any dynamic provider pays per call.
    const empty = await openHost(f, f.emptyConsumer);
    await empty.configure(f.stackConfig, SECRET_KEYS);
    const emptyProps = { value: "x", __provider: f.emptyProvider };
    const floor = { pluginInfo: [] as number[], emptyRead: [] as number[] };
    const floorCpu = { pluginInfo: 0, emptyRead: 0 };
    for (const [name, fn, pid] of [
        ["pluginInfo", () => h.getPluginInfo(), h.pid],
        ["emptyRead", () => empty.read("empty", EMPTY_URN, emptyProps, emptyProps), empty.pid],
    ] as const) {
        const cpuBefore = procCpuMs(pid);
        for (let i = 0; i < WARMUP + ITERATIONS; i++) {
            const t = performance.now();
            await fn();
            if (i >= WARMUP) floor[name].push(performance.now() - t);
        }
        floorCpu[name] = (procCpuMs(pid) - cpuBefore) / (WARMUP + ITERATIONS);
    }
    await closeHost(f, empty);

    const pick = <T>(xs: readonly T[], i: number): T => {
        const x = xs[i % xs.length];
        if (x === undefined) throw new Error("unreachable: empty list");
        return x;
    };
    // delete alternates: live X was set by "us", Y was there before; after the PATCH back, Y is live and the next
    // iteration's X. So every iteration does the full GET + PATCH, for the provider and for the baseline alike.
    const deleteUrls = (i: number) => (i % 2 === 0 ? [initialUrl, URL_A] : [URL_A, initialUrl]) as [string, string];
    const specs: Record<StepName, { grpc: (i: number) => Promise<void>; direct?: (i: number) => Promise<void> }> = {
        check: {
            grpc: async (i) => {
                const r = await h.check(URN, inputs, pick(news, i));
                expectEqual("check failures", r.failures.length, 0);
            },
        },
        diff: {
            grpc: async (i) => {
                const r = await h.diff(created.id, URN, olds, pick(checkedNews, i), inputs);
                expectEqual("diff", r.changes, i % 2 === 0 ? "none" : "some");
            },
        },
        create: {
            grpc: async (i) => {
                const r = await h.create(URN, pick(checkedNews, i));
                expectEqual("create id", r.id, mchid);
            },
            direct: async (i) => {
                await direct.get();
                expectEqual("direct PATCH", await direct.patch(pick(URLS, i)), pick(URLS, i));
            },
        },
        read: {
            grpc: async () => {
                const r = await h.read(created.id, URN, olds, inputs);
                expectEqual("read id", r.id, mchid);
            },
            direct: async () => {
                if ((await direct.get()) === undefined) throw new Error("direct GET: no notify_url");
            },
        },
        update: {
            grpc: async (i) => {
                const r = await h.update(created.id, URN, olds, pick(checkedNews, i), inputs);
                expectEqual("updated notifyUrl", r.properties.notifyUrl, pick(URLS, i));
            },
            direct: async (i) => {
                expectEqual("direct PATCH", await direct.patch(pick(URLS, i)), pick(URLS, i));
            },
        },
        delete: {
            grpc: async (i) => {
                const [ours, before] = deleteUrls(i);
                const props = { ...olds, notifyUrl: ours, appliedNotifyUrl: ours, previousNotifyUrl: before };
                await h.delete(created.id, URN, props, inputs);
            },
            direct: async (i) => {
                const [ours, before] = deleteUrls(i);
                if ((await direct.get()) === ours) {
                    await direct.patch(before);
                }
            },
        },
    };

    const measure = async (step: StepName, warmup: number, iterations: number, latencyMs: number) => {
        const spec = specs[step];
        await emulator.reset();
        const total = warmup + iterations;
        if (latencyMs > 0) {
            // One server-side delay per request, for the provider's and the baseline's requests alike.
            await emulator.delay(latencyMs, total * EXPECTED_REQUESTS[step] * (spec.direct ? 2 : 1));
        }
        const grpcSamples: number[] = [];
        const directSamples: number[] = [];
        const cpuBefore = procCpuMs(h.pid);
        for (let i = 0; i < total; i++) {
            // Interleaved, and alternating which goes first, so drift on a shared 2-core machine hits both alike.
            const runs: [(i: number) => Promise<void>, number[]][] = [[spec.grpc, grpcSamples]];
            if (spec.direct) runs.push([spec.direct, directSamples]);
            if (i % 2 === 1) runs.reverse();
            for (const [fn, samples] of runs) {
                const t = performance.now();
                await fn(i);
                if (i >= warmup) samples.push(performance.now() - t);
            }
        }
        const hostCpuMsPerCall = (procCpuMs(h.pid) - cpuBefore) / total;
        const counts = await emulator.counts();
        const provider = countsOf(counts, mchid);
        const baseline = countsOf(counts, emulator.ready.direct.mchid);
        for (const [call, n] of Object.entries({ ...provider.byCall, ...baseline.byCall })) {
            if (!/ 2\d\d$/.test(call)) throw new Error(`${step}: ${n} × ${call} from the emulator`);
        }
        const g = stats(grpcSamples);
        const d = spec.direct ? stats(directSamples) : null;
        const result: StepResult = {
            step,
            requests: {
                provider: provider.total / total,
                direct: spec.direct ? baseline.total / total : null,
                expected: EXPECTED_REQUESTS[step],
                providerCalls: provider.byCall,
            },
            grpc: g,
            hostCpuMsPerCall,
            direct: d,
            directShape: DIRECT_SHAPE[step],
            ratio: d ? { median: g.median / d.median, p95: g.p95 / d.p95 } : null,
        };
        const at = latencyMs > 0 ? ` at +${latencyMs} ms API latency` : "";
        log(`step ${step}${at}: gRPC median ${ms(g.median)} ms${d ? `, direct ${ms(d.median)} ms` : ""}`);
        return result;
    };

    const steps: StepResult[] = [];
    for (const step of STEPS) {
        steps.push(await measure(step, WARMUP, ITERATIONS, 0));
    }
    // The same steps when WeChat Pay takes LATENCY_MS to answer (the emulator's delay fault), as a real API would:
    // loopback is the worst case for the ratio, since the fixed cost of the host is compared with almost nothing.
    const atLatency: StepResult[] = [];
    if (LATENCY_MS > 0) {
        for (const step of ["create", "read", "update", "delete"] as const) {
            atLatency.push(await measure(step, LATENCY_WARMUP, LATENCY_ITERATIONS, LATENCY_MS));
        }
    }
    await closeHost(f, h);
    const emptyReadMedian = median(floor.emptyRead);
    for (const s of steps) {
        if (s.direct) s.floorRatio = (s.direct.median + emptyReadMedian) / s.direct.median;
    }
    return {
        steps,
        atLatency,
        floors: {
            pluginInfo: { ...stats(floor.pluginInfo), hostCpuMsPerCall: floorCpu.pluginInfo },
            emptyRead: { ...stats(floor.emptyRead), hostCpuMsPerCall: floorCpu.emptyRead },
        },
        sizes,
    };
}
