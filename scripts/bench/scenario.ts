/** One throughput scenario: its shape, what a process reports for it, and the pool that runs it. */

/** One scenario of the throughput phase. */
export interface Scenario {
    /** `read`: 100 GETs (a refresh); `update`: PATCHes alternating between two URLs. */
    kind: "read" | "update";
    n: number;
    /** Requests in flight at most; `n` means all at once, 1 means one after another. */
    limit: number;
}

/** What a process reports for one scenario. */
export interface ScenarioResult {
    wallMs: number;
    /** kB resident just before the scenario started (after warm-up). */
    rssBeforeKb: number;
    /** kB peak resident during the scenario (since start-up when `peakReset` is false). */
    peakKb: number;
    peakReset: boolean;
    /** CPU (user + system, all threads) the process used during the scenario, ms. */
    cpuMs: number;
    /** The scenario's start and end in monotonic microseconds (the clock of V8's CPU profiles). */
    windowUs?: [number, number];
}

/** Runs `task(0..n-1)` with at most `limit` in flight; resolves to the results in index order. */
export async function runPool<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
    const results: T[] = new Array<T>(n);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < n) {
            const i = next++;
            results[i] = await task(i);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
    return results;
}
