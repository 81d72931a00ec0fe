/**
 * One throughput scenario of the direct baseline, in a plain `node` process of its own so its wall time and peak RSS
 * compare with the provider host's (another plain node process). `npm run bench` bundles this file with esbuild
 * (packages stay `require`s) and runs it without tsx, whose loader would add its own memory to the reading.
 *
 * Input: env `BENCH_DIRECT` = JSON {@link ChildInput}. Output: one JSON line, a {@link ScenarioResult}.
 */

import { createDirect, type DirectTarget } from "./direct";
import { procCpuMs, procStatusKb, resetPeakRss } from "./proc";
import { monotonicUs } from "./profileSummary";
import { runPool, type Scenario, type ScenarioResult } from "./scenario";

export interface ChildInput {
    target: DirectTarget;
    scenario: Scenario;
    /** Two URLs updates alternate between. */
    urls: [string, string];
}

async function main(): Promise<void> {
    const input = JSON.parse(process.env.BENCH_DIRECT ?? "") as ChildInput;
    const { scenario, urls } = input;
    const direct = createDirect(input.target);
    const call = scenario.kind === "read" ? () => direct.get() : (i: number) => direct.patch(urls[i % 2 === 0 ? 0 : 1]);
    // Warm-up, as the provider host gets: the SDK and axios loaded, keys parsed, one keep-alive connection open.
    await call(1);
    const peakReset = resetPeakRss("self");
    const rssBeforeKb = procStatusKb("self", "VmRSS");
    const cpuBefore = procCpuMs("self");
    const fromUs = monotonicUs();
    const started = performance.now();
    const answers = await runPool(scenario.n, scenario.limit, call);
    const wallMs = performance.now() - started;
    const toUs = monotonicUs();
    const peakKb = procStatusKb("self", "VmHWM");
    const cpuMs = procCpuMs("self") - cpuBefore;
    if (answers.some((a) => a === undefined)) {
        throw new Error("a request answered without notify_url");
    }
    const result: ScenarioResult = { wallMs, rssBeforeKb, peakKb, peakReset, cpuMs, windowUs: [fromUs, toUs] };
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
    // Keep-alive sockets would hold the process open.
    () => process.exit(0),
    (error: unknown) => {
        process.stderr.write(`bench direct child: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    },
);
