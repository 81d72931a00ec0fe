/**
 * Judging one cell: what a step returned (or its error), the requests the emulator saw and the live URL afterwards,
 * turned into the table's row: clean or not, and where it differs from the designed behaviour.
 */

import type { RecordedRequest } from "../../provider/testing";
import type { PropertyMap } from "../providerHost";
import {
    type Cell,
    DEADLINE_MS,
    HOST_PEAK_RSS_LIMIT_MB,
    isWrite,
    MCHID,
    NORMAL_REQUESTS,
    ORIGINAL_URL,
    stepLabel,
    URL_A,
    URL_B,
} from "./table";

/** `old`: live before the step; `new`: what the step sets; `other`: anything else; `none`: nothing set. */
export type LiveLabel = "old" | "new" | "other" | "none";

export interface CellResult {
    cell: Cell;
    /** `create · PATCH` */
    step: string;
    ok: boolean;
    /** Requests of the targeted call (for whole-step cells: every request the emulator saw). */
    attempts: number;
    readBack: boolean;
    /** The provider's error message as the engine received it. */
    message?: string;
    /** Parsed from the message: `WechatpayApiError 500 SYSTEM_ERROR`. */
    error?: string;
    /** `success`/`failed` cell text, e.g. `ok after 2 attempts`. */
    outcome: string;
    /** What the emulator saw, in arrival order. */
    requests: RecordedRequest[];
    requestsText: string;
    live: string | undefined;
    liveLabel: LiveLabel;
    /** What the step returned (create, read, update). */
    outputs?: PropertyMap;
    /** A failed create the engine (or a caller of the provider) keeps in state ("created, but failed to initialize"): its id and properties. */
    kept?: { id: string; properties: PropertyMap };
    /** The provider host's peak resident memory after the cell, in MB (measured for the oversized cells). */
    hostPeakRssMb?: number;
    /** Requests that reached the redirect trap (another host) during the cell. */
    trapped: number;
    agree: boolean;
    agreeText: string;
    /** Success with the right live URL, or a clear error with the live URL unchanged. */
    clean: boolean;
    /** Why not clean. */
    notClean: string[];
    /** Where the cell differs from the designed behaviour (retry policy, read-back, Retry-After). */
    unexpected: string[];
    ms: number;
}

/** Error class and code as far as the message tells them (the engine only receives the message). */
export function describeError(message: string): string {
    const api = /WeChat Pay rejected [A-Z]+ \S+: (\d{3}) ([A-Za-z0-9_]+)/.exec(message);
    if (api) {
        return `WechatpayApiError ${api[1]} ${api[2]}`;
    }
    if (message.includes("Could not verify WeChat Pay's reply")) {
        const cause = /SIGNTEST/.test(message)
            ? "SIGNTEST probe"
            : /timestamp is more than/.test(message)
              ? "stale timestamp"
              : /was signed with serial/.test(message)
                ? "unknown serial"
                : /no complete Wechatpay-/.test(message)
                  ? "missing headers"
                  : /does not verify/.test(message)
                    ? "bad signature"
                    : "unverified";
        return `WechatpayVerificationError (${cause})`;
    }
    const net = /No answer from WeChat Pay to \S+ \S+: (.*)/.exec(message);
    if (net && /no complete reply within/.test(net[1] ?? "")) {
        return "WechatpayNetworkError ETIMEDOUT";
    }
    if (net) {
        const code = /\b(E[A-Z]{3,}|ERR_[A-Z_]+)\b/.exec(net[1] ?? "")?.[1] ?? "network";
        return `WechatpayNetworkError ${code}`;
    }
    if (/was not sent: the step's deadline/.test(message)) {
        return "WechatpayStateError (deadline)";
    }
    if (/WeChat Pay's reply to \S+ \S+ was not used/.test(message)) {
        const problem = /did not sign/.test(message)
            ? "unsigned 404"
            : /never redirects/.test(message)
              ? "redirect"
              : /over \d+ bytes/.test(message)
                ? "too large"
                : /about merchant/.test(message)
                  ? "other mchid"
                  : /shows (?:notify_)?url/.test(message)
                    ? "other URL"
                    : "malformed";
        return `WechatpayResponseError (${problem})`;
    }
    return `Error: ${message.slice(0, 60)}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function requestsText(requests: readonly RecordedRequest[], failover: boolean): string {
    const parts: string[] = [];
    let previous: number | undefined;
    for (const r of requests) {
        let text = `${r.method} ${r.status === 0 ? "reset" : r.status}`;
        if (r.fault !== undefined && r.fault !== "error" && r.fault !== "reset") {
            text += ` [${r.fault}]`;
        }
        if (failover) {
            text += " (backup)";
        }
        if (previous !== undefined && r.at - previous >= 900) {
            text = `(+${((r.at - previous) / 1000).toFixed(1)} s) ${text}`;
        }
        previous = r.at;
        parts.push(text);
    }
    return parts.length > 0 ? parts.join(", ") : "none";
}

/**
 * What one cell saw; `before` and `intended` are the live URL before the step and the one it means to leave
 * (undefined: none, after a `remove`).
 */
export interface Observed {
    cell: Cell;
    before: string;
    intended: string | undefined;
    outputs: PropertyMap | undefined;
    message: string | undefined;
    requests: RecordedRequest[];
    live: string | undefined;
    ms: number;
    /** Requests that reached the redirect trap during the cell (0 when not given). */
    trapped?: number;
    kept?: { id: string; properties: PropertyMap };
    hostPeakRssMb?: number;
}

/** A failed create the engine (or a caller of the provider) keeps, with its id and the URL live before it recorded: nothing is lost. */
export function keptSafely(o: Observed): boolean {
    return (
        o.cell.target.step === "create" &&
        o.kept !== undefined &&
        o.kept.id === MCHID &&
        o.kept.properties.previousNotifyUrl === o.before &&
        o.kept.properties.appliedNotifyUrl === URL_A
    );
}

/**
 * Turns what a cell observed into its row: outcome, agreement, clean or not, and where it differs from design.
 * @internal exported for the test that checks the judging itself
 */
export function judge(o: Observed): CellResult {
    const { cell, before, intended, outputs, message, requests, live } = o;
    const { fault, target } = cell;
    const ok = message === undefined;
    const failover = fault.failover === true;

    // The targeted call's requests: GETs before the first write, or the writes. A GET after a write is a read-back.
    const firstPatch = requests.findIndex((r) => r.method !== "GET");
    const beforePatch = firstPatch < 0 ? requests : requests.slice(0, firstPatch);
    const readBack = firstPatch >= 0 && requests.slice(firstPatch).some((r) => r.method === "GET");
    const targeted = isWrite(target.method)
        ? requests.filter((r) => r.method !== "GET")
        : target.method === "GET"
          ? beforePatch.filter((r) => r.method === "GET")
          : requests;
    const attempts = targeted.length;

    const liveLabel: LiveLabel =
        live === before ? "old" : live === undefined ? "none" : live === intended ? "new" : "other";

    // Does Pulumi's view (what the step returned, or that it failed) match the live setting?
    let agree: boolean;
    let agreeText: string;
    if (ok) {
        const wrong: string[] = [];
        if (target.step === "delete") {
            if (live !== ORIGINAL_URL) wrong.push(`live ${live ?? "none"}, not the restored URL`);
        } else if (target.step === "remove") {
            if (live !== undefined) wrong.push(`live ${live}, not removed`);
        } else {
            const outs = outputs ?? {};
            if (outs.notifyUrl !== live) wrong.push(`outputs.notifyUrl ${String(outs.notifyUrl)} ≠ live`);
            const applied = target.step === "update" ? URL_B : URL_A;
            if (outs.appliedNotifyUrl !== applied) wrong.push(`appliedNotifyUrl ${String(outs.appliedNotifyUrl)}`);
            if (outs.previousNotifyUrl !== ORIGINAL_URL) {
                wrong.push(`previousNotifyUrl ${String(outs.previousNotifyUrl)}`);
            }
        }
        agree = wrong.length === 0;
        agreeText = agree
            ? target.step === "delete"
                ? "yes (restored)"
                : target.step === "remove"
                  ? "yes (removed)"
                  : "yes"
            : `NO: ${wrong.join("; ")}`;
    } else if (keptSafely(o)) {
        // The engine keeps the resource with the URL it replaced: the next `up` sets ours again, destroy restores.
        agree = true;
        agreeText = `kept (partially created), previous ${live === before ? "live" : "recorded"}`;
    } else {
        agree = live === before;
        agreeText = agree ? "yes (unchanged)" : `NO: live changed to ${liveLabel}`;
    }

    const notClean: string[] = [];
    if (ok) {
        if (live !== intended) notClean.push(`succeeded but live is ${liveLabel}`);
        if (!agree) notClean.push("outputs disagree with live");
    } else {
        if (live !== before && !keptSafely(o)) notClean.push("failed but the live URL changed");
        if (!fault.cause.test(message)) notClean.push("message does not name the cause");
        const restoreFailed = (target.step === "delete" || target.step === "remove") && firstPatch >= 0;
        if (restoreFailed && !(/retainOnDelete/.test(message) && /pulumi state delete/.test(message))) {
            notClean.push("failed restore does not point at retainOnDelete / pulumi state delete");
        }
    }

    if (o.ms > DEADLINE_MS + 1_000) notClean.push(`took ${Math.round(o.ms)} ms, past deadlineMs + 1 s`);
    const trapped = o.trapped ?? 0;
    if (trapped > 0) notClean.push(`${plural(trapped, "request")} reached the redirect's host`);
    if (o.hostPeakRssMb !== undefined && !(o.hostPeakRssMb < HOST_PEAK_RSS_LIMIT_MB)) {
        notClean.push(`host peak RSS ${o.hostPeakRssMb} MB, not under ${HOST_PEAK_RSS_LIMIT_MB} MB`);
    }

    const expected = fault.expect(target.method);
    const unexpected: string[] = [];
    if (expected.ok !== ok) unexpected.push(`expected ${expected.ok ? "success" : "failure"}`);
    if (expected.attempts !== undefined && expected.attempts !== attempts) {
        unexpected.push(`expected ${plural(expected.attempts, "attempt")}, saw ${attempts}`);
    }
    if (expected.readBack !== undefined && expected.readBack !== readBack) {
        unexpected.push(expected.readBack ? "expected a verified read-back" : "unexpected read-back");
    }
    if (expected.minGapMs !== undefined) {
        const [first, second] = targeted;
        if (first && second && second.at - first.at < expected.minGapMs) {
            unexpected.push(`retried after ${second.at - first.at} ms, before Retry-After`);
        }
    }
    const wantRequests = expected.requests ?? (fault.wholeStep ? NORMAL_REQUESTS[target.step] : undefined);
    if (wantRequests !== undefined && requests.length !== wantRequests) {
        unexpected.push(`expected ${plural(wantRequests, "request")}${failover ? " via the backup" : ""}`);
    }

    const error = message === undefined ? undefined : describeError(message);
    const tries = target.method === undefined ? "" : ` after ${plural(attempts, "attempt")}`;
    const outcome =
        (ok
            ? `ok${failover ? " via backup" : ""}${tries}${readBack ? " + verified read-back" : ""}`
            : `failed: ${error}${tries}${readBack ? " + verified read-back" : ""}`) +
        (o.hostPeakRssMb !== undefined ? `; host peak RSS ${o.hostPeakRssMb} MB` : "");

    const result: CellResult = {
        cell,
        step: stepLabel(target),
        ok,
        attempts,
        readBack,
        outcome,
        requests,
        requestsText: requestsText(requests, failover),
        live,
        liveLabel,
        agree,
        agreeText,
        trapped,
        clean: notClean.length === 0,
        notClean,
        unexpected,
        ms: o.ms,
    };
    if (message !== undefined) result.message = message;
    if (o.kept !== undefined) result.kept = o.kept;
    if (o.hostPeakRssMb !== undefined) result.hostPeakRssMb = o.hostPeakRssMb;
    if (error !== undefined) result.error = error;
    if (outputs !== undefined) result.outputs = outputs;
    return result;
}
