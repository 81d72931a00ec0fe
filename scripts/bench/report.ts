/** The report: the tables on stdout, everything measured in the results file (JSON), and which targets were met. */

import { writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import type { ColdPhase } from "./coldStart";
import type { EmptyLoad, LoadResult } from "./load";
import { started } from "./log";
import { type Machine, PHASE_LOAD } from "./machine";
import type { ProfilePhase } from "./profile";
import {
    COLD_RUNS,
    ENGINE_PARALLELISM,
    ITERATIONS,
    LATENCY_ITERATIONS,
    LATENCY_MS,
    LATENCY_WARMUP,
    LOAD_N,
    LOAD_REPS,
    RESULTS_FILE,
    WARMUP,
} from "./settings";
import { mb, median, ms, ratio, table } from "./stats";
import type { StepsPhase } from "./steps";

const WHERE =
    "the gRPC client (the engine's seat) and the per-step direct baseline run in THIS process; the provider runs in " +
    "Pulumi's provider host (a separate node process) from the installed npm-pack tarball; the emulator runs in its " +
    "own process; the load baselines run in a plain node child process; all on loopback";

export async function report(
    info: Machine,
    steps: StepsPhase,
    cold: ColdPhase,
    load: LoadResult[],
    emptyLoad: EmptyLoad[],
    profile: ProfilePhase | undefined,
): Promise<void> {
    const byStep = new Map(steps.steps.map((s) => [s.step, s]));
    const signed = (x: number) => `${x >= 0 ? "+" : ""}${ms(x)} ms`;
    const targets = [
        ...(["create", "read", "update", "delete"] as const).map((step) => {
            const value = byStep.get(step)?.ratio?.median ?? Number.NaN;
            return {
                target: `warm ${step}: gRPC median ÷ direct median ≤ 1.10`,
                value: ratio(value),
                met: value <= 1.1,
            };
        }),
        {
            target: "__provider ≤ 2,048 bytes as installed",
            value: `${steps.sizes.providerBytes} bytes`,
            met: steps.sizes.providerBytes <= 2048,
        },
        ...load
            .filter((l) => l.scenario.kind === "read")
            .map((l) => ({
                target: `${l.name}: host wall ÷ direct wall ≤ 1.20`,
                value: `${ratio(l.wallRatio)} (CPU ${ratio(l.cpuRatio)})`,
                met: l.wallRatio <= 1.2,
            })),
        {
            target: "host cold start within 100 ms of the empty provider's (Configure + first Read medians)",
            value: `${signed(cold.differenceMs)} (totals: ${signed(cold.differenceOfTotalsMs)})`,
            met: cold.differenceMs <= 100,
        },
    ];
    const durationMs = performance.now() - started;
    const results = {
        machine: { ...info, loadavgAtEnd: loadavg().map((x) => Number(x.toFixed(2))), phaseLoad: PHASE_LOAD },
        setup: {
            where: WHERE,
            warmup: WARMUP,
            iterations: ITERATIONS,
            coldRuns: COLD_RUNS,
            loadRepetitions: LOAD_REPS,
            engineParallelism: ENGINE_PARALLELISM,
            peakRss:
                "VmHWM of the host process and of the baseline child process (not process.memoryUsage), reset to the " +
                "current RSS after warm-up (/proc/<pid>/clear_refs), i.e. the peak during the scenario",
            cpu: "user + system CPU of the process, all threads, from /proc/<pid>/stat (10 ms ticks)",
        },
        steps: steps.steps,
        stepsAtLatency: {
            latencyMs: LATENCY_MS,
            warmup: LATENCY_WARMUP,
            iterations: LATENCY_ITERATIONS,
            steps: steps.atLatency,
        },
        floors: steps.floors,
        sizes: steps.sizes,
        coldStart: cold,
        load,
        emptyLoad,
        targets,
        profile,
        durationMs,
    };

    const out: string[] = [];
    out.push(`pulumi-wechatpay bench — ${new Date().toISOString()}`);
    out.push(
        `Machine: ${info.cpu}, ${info.cores} cores (${info.processors} processors), node ${info.node}, Linux ${info.kernel}`,
    );
    out.push(
        `Versions: @pulumi/pulumi ${info.pulumi}, wechatpay-axios-plugin ${info.wechatpayAxiosPlugin}, axios ${info.axios}`,
    );
    out.push(
        `Load average (1 min) per phase, start→end: ${PHASE_LOAD.map((p) => `${p.phase} ${p.load1Start}→${p.load1End}`).join(", ")}` +
            ` (above ${info.cores} means other work shared these cores)`,
    );
    out.push(`Where: ${WHERE}.`);
    out.push("");
    out.push(
        `Warm lifecycle steps (ms; ${ITERATIONS} iterations after ${WARMUP} warm-up, gRPC and direct interleaved; ` +
            "ratio = gRPC ÷ direct; host CPU = provider host process CPU per call; floor ratio = (direct + empty provider's " +
            "Read) ÷ direct, what a provider adding nothing to the requests would reach)",
    );
    out.push(
        table(
            [
                "step",
                "req/step (provider/expected)",
                "gRPC median",
                "gRPC p95",
                "host CPU",
                "direct",
                "direct median",
                "direct p95",
                "ratio median",
                "ratio p95",
                "floor ratio",
            ],
            [
                ...steps.steps.map((s) => [
                    s.step,
                    `${s.requests.provider} / ${s.requests.expected}${s.requests.direct !== null ? ` (direct ${s.requests.direct})` : ""}`,
                    ms(s.grpc.median),
                    ms(s.grpc.p95),
                    ms(s.hostCpuMsPerCall),
                    s.directShape,
                    s.direct ? ms(s.direct.median) : "—",
                    s.direct ? ms(s.direct.p95) : "—",
                    s.ratio ? ratio(s.ratio.median) : "n/a",
                    s.ratio ? ratio(s.ratio.p95) : "n/a",
                    s.floorRatio !== undefined ? ratio(s.floorRatio) : "n/a",
                ]),
                ...(
                    [
                        ["(floor: GetPluginInfo, no provider)", steps.floors.pluginInfo],
                        ["(floor: empty dynamic provider's Read)", steps.floors.emptyRead],
                    ] as const
                ).map(([name, s]) => [
                    name,
                    "0",
                    ms(s.median),
                    ms(s.p95),
                    ms(s.hostCpuMsPerCall),
                    "—",
                    "—",
                    "—",
                    "n/a",
                    "n/a",
                    "n/a",
                ]),
            ],
        ),
    );
    if (steps.atLatency.length > 0) {
        out.push("");
        out.push(
            `The same steps when WeChat Pay takes ${LATENCY_MS} ms to answer each request (emulator delay; ` +
                `${LATENCY_ITERATIONS} iterations after ${LATENCY_WARMUP} warm-up; not a target, for context: ` +
                "the real API is not on loopback)",
        );
        out.push(
            table(
                ["step", "gRPC median", "gRPC p95", "direct median", "direct p95", "ratio median", "overhead median"],
                steps.atLatency.map((s) => [
                    s.step,
                    ms(s.grpc.median),
                    ms(s.grpc.p95),
                    s.direct ? ms(s.direct.median) : "—",
                    s.direct ? ms(s.direct.p95) : "—",
                    s.ratio ? ratio(s.ratio.median) : "n/a",
                    s.direct ? `${ms(s.grpc.median - s.direct.median)} ms` : "—",
                ]),
            ),
        );
    }
    out.push("");
    out.push("Sizes (bytes)");
    out.push(
        table(
            ["what", "bytes"],
            [
                ["serialized __provider, as installed (captureRegistration)", String(steps.sizes.providerBytes)],
                [
                    "one resource's state: JSON {id, inputs, outputs}, __provider in inputs and outputs",
                    String(steps.sizes.stateBytes),
                ],
                ["  the same without the two __provider copies", String(steps.sizes.stateWithoutProviderBytes)],
                [
                    "empty dynamic provider's __provider (serialized by value), for reference",
                    String(steps.sizes.emptyProviderBytes),
                ],
            ],
        ),
    );
    out.push("");
    out.push(
        `Provider-host cold start: spawn → port → Configure → first Read answered (ms; median of ${COLD_RUNS} runs each, ` +
            "after one untimed run each, alternating)",
    );
    out.push(
        table(
            ["provider", "spawn → port", "Configure", "first Read", "Configure + Read", "total", "runs (total)"],
            (["provider", "empty"] as const).map((k) => [
                k === "provider" ? "pulumi-wechatpay (first Read = 1 GET)" : "empty dynamic provider",
                ms(cold[k].median.spawnToPortMs),
                ms(cold[k].median.configureMs),
                ms(cold[k].median.readMs),
                ms(median(cold[k].runs.map((r) => r.configureMs + r.readMs))),
                ms(cold[k].median.totalMs),
                cold[k].runs.map((r) => ms(r.totalMs)).join(", "),
            ]),
        ),
    );
    out.push(
        `difference: ${signed(cold.differenceMs)} in Configure + first Read (the provider-dependent part: the host loads ` +
            `no provider code before the first resource call); ${signed(cold.differenceOfTotalsMs)} in the totals, which ` +
            "add spawn → port noise from running the same host code",
    );
    out.push("");
    out.push(
        `Load (median of ${LOAD_REPS}, each on a fresh host / child after one warm-up call; host = provider host process, ` +
            "timed at the gRPC client; direct = the same requests from a plain node child process; CPU = process CPU " +
            "during the scenario; peak RSS = VmHWM during the scenario)",
    );
    out.push(
        table(
            [
                "scenario",
                "host wall",
                "direct wall",
                "wall ratio",
                "host CPU",
                "direct CPU",
                "CPU ratio",
                "host peak RSS (before)",
                "direct peak RSS (before)",
                "req host/direct/expected",
            ],
            [
                ...load.map((l) => [
                    l.name,
                    `${ms(l.host.median.wallMs)} ms`,
                    `${ms(l.direct.median.wallMs)} ms`,
                    ratio(l.wallRatio),
                    `${ms(l.host.median.cpuMs)} ms`,
                    `${ms(l.direct.median.cpuMs)} ms`,
                    ratio(l.cpuRatio),
                    `${mb(l.host.median.peakKb)} (${mb(l.host.median.rssBeforeKb)})`,
                    `${mb(l.direct.median.peakKb)} (${mb(l.direct.median.rssBeforeKb)})`,
                    `${l.requests.host}/${l.requests.direct}/${l.requests.expected}`,
                ]),
                ...emptyLoad.map((e) => [
                    `(${e.name}, no requests)`,
                    `${ms(e.wallMs)} ms`,
                    "—",
                    "—",
                    `${ms(e.cpuMs)} ms`,
                    "—",
                    "—",
                    `${mb(e.peakKb)} (${mb(e.rssBeforeKb)})`,
                    "—",
                    "0",
                ]),
            ],
        ),
    );
    out.push("");
    out.push("Targets");
    out.push(
        table(
            ["target", "value", "result"],
            targets.map((t) => [t.target, t.value, t.met ? "met" : "NOT MET"]),
        ),
    );
    if (profile) {
        out.push("");
        out.push(`CPU profile (ms per operation; ${profile.note})`);
        const cats = new Set<string>();
        const cols = [
            profile.hostRead,
            profile.directRead,
            profile.hostUpdate,
            profile.directUpdate,
            profile.hostBurst,
            profile.directBurst,
        ];
        for (const c of cols) for (const k of Object.keys(c.categories)) cats.add(k);
        out.push(
            table(
                [
                    "category",
                    "host read",
                    "direct GET",
                    "host update",
                    "direct PATCH",
                    `host read, ${LOAD_N} at once`,
                    `direct GET, ${LOAD_N} at once`,
                ],
                [
                    ...[...cats]
                        .filter((k) => k !== "(idle)")
                        .map((k) => [k, ...cols.map((c) => ms(c.categories[k] ?? 0))]),
                    ["= busy (CPU)", ...cols.map((c) => ms(c.busyMsPerOp))],
                    [
                        "idle (waiting: emulator, gRPC client, CPU scheduling)",
                        ...cols.map((c) => ms(c.categories["(idle)"] ?? 0)),
                    ],
                    ["wall per op (profiled, slower)", ...cols.map((c) => ms(c.wallMsPerOp))],
                ],
            ),
        );
        out.push(`profiles: ${profile.files.join(", ")}`);
    }
    out.push("");
    out.push(`Results: ${RESULTS_FILE} (took ${(durationMs / 1000).toFixed(1)} s)`);
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${out.join("\n")}\n`);
}
