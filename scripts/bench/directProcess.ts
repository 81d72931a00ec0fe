/**
 * The direct baseline in a plain node process of its own (directChild.ts), for wall time, CPU and peak RSS next to
 * the provider host's process.
 */

import { spawn } from "node:child_process";
import { join } from "node:path";
import { buildSync } from "esbuild";
import type { ChildInput } from "./directChild";
import { plainEnv } from "./env";
import type { ScenarioResult } from "./scenario";
import { BENCH_DIR, REPO } from "./settings";

/** Bundles directChild.ts (packages stay `require`s) so it runs without tsx; returns the bundle's path. */
export function bundleDirectChild(): string {
    const bundle = join(BENCH_DIR, "directChild.cjs");
    buildSync({
        entryPoints: [join(__dirname, "directChild.ts")],
        outfile: bundle,
        bundle: true,
        packages: "external",
        platform: "node",
        format: "cjs",
        target: "node20",
        logLevel: "warning",
    });
    return bundle;
}

/** Runs one scenario in the bundled child (`nodeArgs` go to node, e.g. `--cpu-prof`) and returns its report. */
export function runDirectChild(bundle: string, input: ChildInput, nodeArgs: string[] = []): Promise<ScenarioResult> {
    return new Promise((done, fail) => {
        const child = spawn(process.execPath, [...nodeArgs, bundle], {
            cwd: REPO,
            env: { ...plainEnv(), BENCH_DIRECT: JSON.stringify(input) },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.setEncoding("utf8").on("data", (c: string) => {
            out += c;
        });
        child.stderr.setEncoding("utf8").on("data", (c: string) => {
            err += c;
        });
        child.once("error", fail);
        child.once("close", (code) => {
            if (code !== 0) {
                fail(new Error(`direct baseline child exited ${code}: ${err}`));
                return;
            }
            done(JSON.parse(out.trim().split("\n").pop() ?? "") as ScenarioResult);
        });
    });
}
