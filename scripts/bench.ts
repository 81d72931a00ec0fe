/**
 * `npm run bench` (issue #5): what the packed provider costs next to the requests a user would script directly.
 *
 * Everything runs on loopback, on this machine, in four kinds of process:
 * - this one: the gRPC client that stands in for the Pulumi engine (test/engine/harness.ts), and the direct
 *   baseline of the per-step latencies (`wechatpay-axios-plugin`, the same signed GET/PATCH);
 * - Pulumi's provider host (`@pulumi/pulumi/cmd/dynamic-provider`) running the installed `npm pack` tarball;
 * - the emulator (scripts/bench/emulator.ts), so its RSA signing does not share this event loop;
 * - for wall time and peak RSS under load, the direct baseline in a plain node process of its own
 *   (scripts/bench/directChild.ts), next to the host process doing the same requests.
 *
 * Flags: `--iterations=N` (default 100), `--warmup=N` (default 20), `--latency=MS` (server delay for the "at API
 * latency" table, default 20, 0 skips it), `--out=FILE` (default bench-results.json; `bench-results*.json` is
 * git-ignored), `--profile` (adds CPU profiles of the host and of the baseline, attributed by library; it runs last,
 * on processes of its own, so it perturbs nothing else). Prints the tables on stdout, progress on stderr.
 * Not part of `npm test`.
 *
 * The phases live in scripts/bench/: steps.ts, coldStart.ts, load.ts, profile.ts; then report.ts.
 */

import { coldPhase } from "./bench/coldStart";
import { closeFixture, setUpFixture } from "./bench/fixture";
import { emptyLoadPhase, loadPhase } from "./bench/load";
import { log } from "./bench/log";
import { machine, phase } from "./bench/machine";
import { profilePhase } from "./bench/profile";
import { report } from "./bench/report";
import { PROFILE } from "./bench/settings";
import { stepsPhase } from "./bench/steps";

async function main(): Promise<void> {
    const info = await machine();
    log(`machine: ${info.cpu}, ${info.cores} cores, node ${info.node}; load ${info.loadavgAtStart.join(" ")}`);
    const f = await setUpFixture();
    try {
        const steps = await phase("steps", () => stepsPhase(f));
        const cold = await phase("cold start", () => coldPhase(f));
        const load = await phase("load", () => loadPhase(f));
        const emptyLoad = await phase("empty load", () => emptyLoadPhase(f));
        const profile = PROFILE ? await phase("profile", () => profilePhase(f)) : undefined;
        await report(info, steps, cold, load, emptyLoad, profile);
    } finally {
        await closeFixture(f);
    }
}

main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
});
