/**
 * The direct baseline of `npm run bench`: the signed requests a user would otherwise script with
 * `wechatpay-axios-plugin`, plus the small helpers the bench and its baseline child share (a concurrency pool and
 * /proc memory readings). Loaded in the bench process (per-step latency) and bundled into `benchDirectChild.ts`
 * (wall time and peak RSS in a process of its own).
 */

import { readFileSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { Decorator } from "wechatpay-axios-plugin";

/** Where and as whom the baseline sends its requests. */
export interface DirectTarget {
    baseUrl: string;
    mchid: string;
    serial: string;
    /** PKCS#8 PEM; the SDK parses it once, when the client is made. */
    privateKey: string;
    publicKeyId: string;
    publicKey: string;
}

/** The two calls, as a script would make them. Each resolves to the `notify_url` WeChat Pay answered. */
export interface DirectClient {
    get(): Promise<string | undefined>;
    patch(notifyUrl: string): Promise<string | undefined>;
}

const CALLBACK_PATH = "v3/marketing/membercard-open/callback";

/** `Decorator.jsonBased({mchid, serial, privateKey, certs, baseURL, httpAgent keep-alive})`, nothing more. */
export function createDirect(target: DirectTarget): DirectClient {
    const config = {
        mchid: target.mchid,
        serial: target.serial,
        privateKey: target.privateKey,
        certs: { [target.publicKeyId]: target.publicKey },
        baseURL: target.baseUrl,
        httpAgent: new Agent({ keepAlive: true }),
        // Public-key mode, as the provider uses it: asks WeChat Pay to sign its reply with that key.
        headers: { "Wechatpay-Serial": target.publicKeyId },
    };
    const http = Decorator.jsonBased(config);
    return {
        async get() {
            const res = await http.get<{ notify_url?: string }>(CALLBACK_PATH);
            return res.data.notify_url;
        },
        async patch(notifyUrl) {
            const res = await http.patch<{ notify_url?: string }>(CALLBACK_PATH, { notify_url: notifyUrl });
            return res.data.notify_url;
        },
    };
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

/** A `/proc/<pid>/status` field in kB (VmRSS: resident now; VmHWM: peak resident since start or the last reset). */
export function procStatusKb(pid: number | "self", field: "VmRSS" | "VmHWM"): number {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    if (match?.[1] === undefined) {
        throw new Error(`no ${field} in /proc/${pid}/status`);
    }
    return Number(match[1]);
}

/**
 * CPU time (user + system, all threads) a process has used, in ms, from `/proc/<pid>/stat` (10 ms ticks). Less
 * sensitive than wall time to other work on a shared machine.
 */
export function procCpuMs(pid: number | "self"): number {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) in parentheses: state is field 3, utime 14, stime 15.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!Number.isFinite(ticks)) {
        throw new Error(`cannot read CPU time from /proc/${pid}/stat`);
    }
    return ticks * 10; // USER_HZ is 100 on Linux
}

/**
 * Resets VmHWM to the current RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux ≥ 4.0), so the next reading is the peak
 * of what runs from now on, not of start-up. Returns false where that is not allowed; the peak then includes start-up.
 */
export function resetPeakRss(pid: number | "self"): boolean {
    try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
        return true;
    } catch {
        return false;
    }
}

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
