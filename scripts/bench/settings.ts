/** The settings of one `npm run bench`: command-line flags and the fixed counts. */

import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(__dirname, "..", "..");
/** Git-ignored: consumers, the baseline bundle, profiles. */
export const BENCH_DIR = join(REPO, ".cache", "bench");

/** `--name=value` → "value", `--name` → "", absent → undefined. */
function arg(name: string): string | undefined {
    for (const a of process.argv.slice(2)) {
        if (a === `--${name}`) return "";
        if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    }
    return undefined;
}
export const WARMUP = Number(arg("warmup") ?? 20);
export const ITERATIONS = Number(arg("iterations") ?? 100);
export const PROFILE = arg("profile") !== undefined;
export const COLD_RUNS = 7;
/** Server-side delay per request for the "at API latency" table; 0 skips it. */
export const LATENCY_MS = Number(arg("latency") ?? 20);
export const LATENCY_WARMUP = 5;
export const LATENCY_ITERATIONS = 30;
export const LOAD_N = 100;
export const RESULTS_FILE = resolve(REPO, arg("out") ?? "bench-results.json");
/** Pulumi's default parallelism: 4 × CPUs (8 on a 2-core machine). */
export const ENGINE_PARALLELISM = 4 * availableParallelism();
export const LOAD_REPS = 3;
