/**
 * `--profile`: CPU profiles of the provider host and of the baseline child doing the same requests, attributed by
 * library (profileSummary.ts). Runs last, on processes of its own, so it perturbs nothing else.
 */

import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runDirectChild } from "./directProcess";
import { hostEnv } from "./env";
import { closeHost, type Fixture, openHost, providerState, SECRET_KEYS, URLS, URN, urnOf } from "./fixture";
import { monotonicUs, type ProfileSummary, summarizeProfile } from "./profileSummary";
import { runPool, type ScenarioResult } from "./scenario";
import { BENCH_DIR, LOAD_N, WARMUP } from "./settings";

export interface ProfilePhase {
    note: string;
    hostRead: ProfileSummary;
    hostUpdate: ProfileSummary;
    directRead: ProfileSummary;
    directUpdate: ProfileSummary;
    /** One burst of LOAD_N reads at once (per read). The baseline child's burst follows one warm-up GET. */
    hostBurst: ProfileSummary;
    directBurst: ProfileSummary;
    files: string[];
}

const PROFILE_PRELOAD = `"use strict";
const inspector = require("node:inspector");
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const session = new inspector.Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: 200 });
session.post("Profiler.start");
process.once("SIGINT", () => {
    session.post("Profiler.stop", (err, res) => {
        if (!err) writeFileSync(join(process.env.BENCH_PROFILE_DIR, "host-" + process.pid + ".cpuprofile"), JSON.stringify(res.profile));
        process.exit(0);
    });
});
`;

/** CPU profiles of the host and of the baseline child doing the same sequential requests, attributed by library. */
export async function profilePhase(f: Fixture): Promise<ProfilePhase> {
    const n = 300;
    const dir = join(BENCH_DIR, "profiles", new Date().toISOString().replace(/[:.]/g, "-"));
    await mkdir(dir, { recursive: true });
    // Node 20 refuses --cpu-prof in NODE_OPTIONS, and the host has no SIGINT handler: a preload (allowed there)
    // profiles through the inspector and writes the profile when the harness interrupts the host.
    const preload = join(BENCH_DIR, "cpu-profile-preload.cjs");
    await writeFile(preload, PROFILE_PRELOAD);
    const hostDir = join(dir, "host");
    await mkdir(hostDir, { recursive: true });
    const h = await openHost(f, f.consumer, {
        env: hostEnv({ NODE_OPTIONS: `--require ${preload}`, BENCH_PROFILE_DIR: hostDir }),
    });
    const { mchid, props, inputs, news } = providerState(f);
    await h.configure(f.stackConfig, SECRET_KEYS);
    const window = async (fn: (i: number) => Promise<unknown>): Promise<[number, number]> => {
        for (let i = 0; i < WARMUP; i++) await fn(i);
        const from = monotonicUs();
        for (let i = 0; i < n; i++) await fn(i);
        return [from, monotonicUs()];
    };
    const readWindow = await window(() => h.read(mchid, URN, props, inputs));
    const updateWindow = await window((i) => h.update(mchid, URN, props, news[i % 2] ?? inputs, inputs));
    // A refresh burst: LOAD_N reads at once, as in the first load scenario (one keep-alive socket open before it,
    // like the baseline child after its warm-up GET).
    const burst = (i: number) => h.read(mchid, urnOf(`cb${i}`), props, inputs);
    const burstFrom = monotonicUs();
    await runPool(LOAD_N, LOAD_N, burst);
    const burstWindow: [number, number] = [burstFrom, monotonicUs()];
    await closeHost(f, h);
    const hostFile = join(hostDir, (await readdir(hostDir)).find((x) => x.endsWith(".cpuprofile")) ?? "");

    const directRun = async (kind: "read" | "update", count: number, limit: number) => {
        const out = join(dir, `direct-${kind}-${limit}`);
        // The child reports its scenario's window (after its warm-up) on the same monotonic clock.
        const r = await runDirectChild(
            f.directChild,
            { target: f.directTarget, scenario: { kind, n: count, limit }, urls: URLS },
            ["--cpu-prof", "--cpu-prof-interval=200", `--cpu-prof-dir=${out}`],
        );
        const file = join(out, (await readdir(out)).find((x) => x.endsWith(".cpuprofile")) ?? "");
        return { r, file };
    };
    const dRead = await directRun("read", n, 1);
    const dUpdate = await directRun("update", n, 1);
    const dBurst = await directRun("read", LOAD_N, LOAD_N);
    const windowOf = (r: ScenarioResult): [number, number] => {
        if (r.windowUs === undefined) throw new Error("the baseline child reported no window");
        return r.windowUs;
    };
    return {
        note:
            "sequential, after warm-up; each sample goes to the nearest library on its stack, crypto wherever it is " +
            "called from; the emulator's own signing is in neither process",
        hostRead: summarizeProfile(hostFile, ...readWindow, n),
        hostUpdate: summarizeProfile(hostFile, ...updateWindow, n),
        directRead: summarizeProfile(dRead.file, ...windowOf(dRead.r), n),
        directUpdate: summarizeProfile(dUpdate.file, ...windowOf(dUpdate.r), n),
        hostBurst: summarizeProfile(hostFile, ...burstWindow, LOAD_N),
        directBurst: summarizeProfile(dBurst.file, ...windowOf(dBurst.r), LOAD_N),
        files: [hostFile, dRead.file, dUpdate.file, dBurst.file],
    };
}
