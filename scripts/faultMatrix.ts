/**
 * The fault matrix (issue #4, item 7): every fault the emulator can inject, against every lifecycle step that calls
 * WeChat Pay, run by Pulumi's own provider host with the package as a user installs it (the `npm pack` tarball).
 *
 * One consumer folder, one emulator, one host per configuration (the normal one, and one whose primary base URL is a
 * closed port with the emulator as backup). Every cell starts from fresh emulator state (`reset()`), arms its fault
 * on the request it targets, runs one step over gRPC, then compares what the step returned with the live setting.
 *
 * `scripts/faults.ts` runs all cells and prints the table; `test/engine/faults.engine.test.ts` runs a subset.
 */

import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer } from "node:net";
import {
    captureRegistration,
    emulatorStackConfig,
    type PropertyMap,
    type ProviderHost,
    ProviderHostCallError,
    prepareConsumer,
    startProviderHost,
    urnFor,
} from "../harness";
import { type Emulator, type Fault, type RecordedRequest, type SettingName, startEmulator } from "../provider/testing";

const PROJECT = "fault-matrix";
const STACK = "dev";
export const MCHID = "1900000001";

/** What the merchant had before Pulumi. */
export const ORIGINAL_URL = "https://old.example.com/wechatpay/membercard";
/** What the resource sets on create (and what is live before read, update and delete). */
export const URL_A = "https://api.example.com/wechatpay/membercard";
/** What update sets. */
export const URL_B = "https://api.example.com/wechatpay/membercard-v2";

/** Small settings so the whole matrix runs in well under two minutes. */
export const MAX_RETRIES = 2;
export const TIMEOUT_MS = 500;
export const DEADLINE_MS = 20_000;
/** Attempts of one request when every one fails: the first plus the retries. */
export const ALL_ATTEMPTS = MAX_RETRIES + 1;
/** "Persistent" faults are queued for more requests than a call can make, so every attempt meets one. */
const PERSISTENT = ALL_ATTEMPTS + 1;
export const LONG_DELAY_MS = 1_200;
export const SHORT_DELAY_MS = 200;
/** A trickled reply sends one byte this often: its ~80-byte body would take seconds, far past TIMEOUT_MS. */
export const TRICKLE_MS_PER_BYTE = 100;
/** The oversized reply's length: a client that buffered it whole would need this much memory and more. */
export const OVERSIZED_BYTES = 256 * 1024 * 1024;
/** The host's peak resident memory must stay under this (it is about 100 MB at rest). */
export const HOST_PEAK_RSS_LIMIT_MB = 200;
/** What the "2xx showing another URL" replies show. */
export const OTHER_URL = "https://elsewhere.example.com/wechatpay/membercard";
const CALLBACK_PATH = "/v3/marketing/membercard-open/callback";

// ---------------------------------------------------------------------------------------------------------------
// The resources: the member card with every fault, the others with a representative set.
// ---------------------------------------------------------------------------------------------------------------

export type ResourceKey = SettingName;

/** One resource of the matrix's program, and what its API sends and answers. */
export interface MatrixResource {
    key: ResourceKey;
    /** Class name, also the type token's suffix; the table's step column starts with it (not for the member card). */
    className: string;
    /** The resource's name in the program. */
    name: string;
    /** The method that replaces a set URL: create (a URL is live before it), update and delete's restore use it. */
    write: Method;
    /** The API has DELETE: destroy with no previous URL removes the setting (the `remove` step). */
    remove?: true;
    /** A signed 2xx body of this API showing `url` for merchant `mchid`. */
    replyBody(url: string, mchid: string): string;
}

export const RESOURCES: readonly MatrixResource[] = [
    {
        key: "membercard",
        className: "MembercardCallback",
        name: "membercard",
        write: "PATCH",
        replyBody: (url, mchid) => JSON.stringify({ notify_url: url, mchid }),
    },
    {
        key: "complaint",
        className: "ComplaintNotification",
        name: "complaints",
        write: "PUT",
        remove: true,
        replyBody: (url, mchid) => JSON.stringify({ mchid, url }),
    },
    {
        key: "busifavor",
        className: "BusifavorCallback",
        name: "coupons",
        write: "POST",
        replyBody: (url, mchid) => JSON.stringify({ notify_url: url, mchid }),
    },
    {
        key: "violation",
        className: "ViolationNotification",
        name: "violations",
        write: "PUT",
        remove: true,
        // The violation API's replies carry no mchid; a body naming another one is still refused.
        replyBody: (url, mchid) =>
            mchid === MCHID ? JSON.stringify({ notify_url: url }) : JSON.stringify({ notify_url: url, mchid }),
    },
];

const resourceOf = (key: ResourceKey): MatrixResource => {
    const r = RESOURCES.find((x) => x.key === key);
    if (r === undefined) throw new Error(`no matrix resource ${key}`);
    return r;
};

const typeOf = (r: MatrixResource) => `pulumi-nodejs:dynamic/wechatpay:${r.className}`;

const PROGRAM = `
const w = require("pulumi-wechatpay");
${RESOURCES.map((r) => `new w.${r.className}(${JSON.stringify(r.name)}, { notifyUrl: ${JSON.stringify(URL_A)} });`).join("\n")}
`;

/** Faults run against every resource; the rest run against the member card only. */
const REPRESENTATIVE: readonly ResourceKey[] = RESOURCES.map((r) => r.key);

// ---------------------------------------------------------------------------------------------------------------
// The cells.
// ---------------------------------------------------------------------------------------------------------------

/** `remove`: destroy of a resource that had no previous URL, at an API with DELETE (read, then DELETE). */
export type Step = "create" | "read" | "update" | "delete" | "remove";
export type Method = "GET" | "PATCH" | "POST" | "PUT" | "DELETE";

/** A request that writes (anything but GET). */
const isWrite = (method: Method | undefined): boolean => method !== undefined && method !== "GET";

/** What a cell should end in, by design (STYLE.md "Retries", DESIGN.md "WeChat Pay facts"). */
export interface Expectation {
    ok: boolean;
    /** Requests of the targeted call (retries included). */
    attempts?: number;
    /** A verified GET after the PATCH decided the outcome. */
    readBack?: boolean;
    /** Least time between the first two attempts (Retry-After). */
    minGapMs?: number;
    /** Requests the emulator sees in all (for whole-step cells: the step's normal requests). */
    requests?: number;
}

export interface FaultCase {
    /** Stable key, used by tests: `500-once`. */
    id: string;
    /** Table text. */
    label: string;
    /** Undefined for the control row and for failover. */
    fault?: Fault;
    times: number;
    /** The primary base URL is a closed port; the emulator is the backup. */
    failover?: boolean;
    /** One cell per step rather than one per request of the step (no request is targeted). */
    wholeStep?: boolean;
    /** The targets this fault applies to (default: all of TARGETS). */
    appliesTo?: (target: StepTarget) => boolean;
    /** The resources it runs against (default: the member card only). */
    resources?: readonly ResourceKey[];
    /** Builds the fault when it needs the matrix's parts (the redirect trap's origin, the resource's reply shape). */
    build?: (parts: { trapOrigin: string; resource: MatrixResource }) => Fault;
    /** A failure's message must match this to count as naming its cause. */
    cause: RegExp;
    expect(method: Method | undefined): Expectation;
}

const retriedOk: Expectation = { ok: true, attempts: 2 };
const exhausted: Expectation = { ok: false, attempts: ALL_ATTEMPTS };
const notRetried: Expectation = { ok: false, attempts: 1 };
/** An unverifiable reply: a GET fails at once; after a write (applied) a verified read-back decides. */
const unverifiable = (method: Method | undefined): Expectation =>
    isWrite(method) ? { ok: true, attempts: 1, readBack: true } : notRetried;

const apiError = (status: number, code: string, retryAfter?: number): Fault =>
    retryAfter === undefined
        ? { kind: "error", status, code }
        : { kind: "error", status, code, retryAfter, message: "Emulated throttling." };

export const FAULTS: readonly FaultCase[] = [
    {
        id: "none",
        label: "none (control)",
        times: 0,
        wholeStep: true,
        resources: REPRESENTATIVE,
        cause: /$^/,
        expect: () => ({ ok: true }),
    },
    {
        id: "500-once",
        resources: REPRESENTATIVE,
        label: "500 SYSTEM_ERROR once",
        fault: apiError(500, "SYSTEM_ERROR"),
        times: 1,
        cause: /SYSTEM_ERROR/,
        expect: () => retriedOk,
    },
    {
        id: "500-persistent",
        resources: REPRESENTATIVE,
        label: "500 SYSTEM_ERROR persistent",
        fault: apiError(500, "SYSTEM_ERROR"),
        times: PERSISTENT,
        cause: /SYSTEM_ERROR/,
        expect: () => exhausted,
    },
    {
        id: "429",
        label: "429 FREQUENCY_LIMITED, Retry-After 1",
        fault: apiError(429, "FREQUENCY_LIMITED", 1),
        times: 1,
        cause: /FREQUENCY_LIMITED/,
        expect: () => ({ ...retriedOk, minGapMs: 950 }),
    },
    // Queued for every attempt, so a wrongful retry shows as more than one attempt rather than as a success.
    {
        id: "403",
        resources: REPRESENTATIVE,
        label: "403 NO_AUTH",
        fault: apiError(403, "NO_AUTH"),
        times: PERSISTENT,
        cause: /NO_AUTH/,
        expect: () => notRetried,
    },
    {
        id: "401",
        label: "401 SIGN_ERROR",
        fault: apiError(401, "SIGN_ERROR"),
        times: PERSISTENT,
        cause: /SIGN_ERROR/,
        expect: () => notRetried,
    },
    {
        id: "bad-signature",
        resources: REPRESENTATIVE,
        label: "bad-signature",
        fault: { kind: "bad-signature" },
        times: 1,
        cause: /does not verify/,
        expect: unverifiable,
    },
    {
        id: "sign-test",
        label: "sign-test (SIGNTEST probe)",
        fault: { kind: "sign-test" },
        times: 1,
        cause: /SIGNTEST/,
        expect: unverifiable,
    },
    {
        id: "unknown-serial",
        label: "unknown-serial",
        fault: { kind: "unknown-serial" },
        times: 1,
        cause: /signed with serial/,
        expect: unverifiable,
    },
    {
        id: "stale-timestamp",
        label: "stale-timestamp",
        fault: { kind: "stale-timestamp" },
        times: 1,
        cause: /timestamp/,
        expect: unverifiable,
    },
    {
        id: "missing-headers",
        resources: REPRESENTATIVE,
        label: "missing-headers",
        fault: { kind: "missing-headers" },
        times: 1,
        cause: /Wechatpay-Timestamp\/Nonce\/Serial\/Signature/,
        expect: unverifiable,
    },
    {
        id: "reset-once",
        resources: REPRESENTATIVE,
        label: "reset once",
        fault: { kind: "reset" },
        times: 1,
        cause: /ECONNRESET|socket hang up/,
        expect: () => retriedOk,
    },
    {
        id: "reset-persistent",
        label: "reset persistent",
        fault: { kind: "reset" },
        times: PERSISTENT,
        cause: /ECONNRESET|socket hang up/,
        expect: () => exhausted,
    },
    {
        id: "delay-long",
        label: `delay ${LONG_DELAY_MS} ms > timeout ${TIMEOUT_MS} ms`,
        fault: { kind: "delay", ms: LONG_DELAY_MS },
        times: 1,
        cause: /ECONNABORTED|ETIMEDOUT|timeoutMs/,
        expect: () => retriedOk,
    },
    {
        id: "delay-short",
        label: `delay ${SHORT_DELAY_MS} ms < timeout ${TIMEOUT_MS} ms`,
        fault: { kind: "delay", ms: SHORT_DELAY_MS },
        times: 1,
        cause: /ECONNABORTED|ETIMEDOUT|timeoutMs/,
        expect: () => ({ ok: true, attempts: 1 }),
    },
    // A PATCH that times out on every attempt but is applied afterwards (WeChat Pay got it, the answer was lost):
    // the verified read-back after the last attempt sees it.
    {
        id: "delay-long-persistent",
        resources: REPRESENTATIVE,
        label: `delay ${LONG_DELAY_MS} ms > timeout, every attempt`,
        fault: { kind: "delay", ms: LONG_DELAY_MS },
        times: ALL_ATTEMPTS,
        cause: /ECONNABORTED|ETIMEDOUT|timeoutMs/,
        expect: (method) => (isWrite(method) ? { ok: true, attempts: ALL_ATTEMPTS, readBack: true } : exhausted),
    },
    // Issue #9: replies that must never be taken as an answer.
    {
        id: "html-404",
        label: "unsigned HTML 404 (proxy)",
        fault: { kind: "html-404" },
        times: PERSISTENT,
        cause: /404 that WeChat Pay did not sign.*404 text\/html, not signed by WeChat Pay/,
        expect: () => notRetried,
    },
    {
        id: "unknown-route",
        resources: REPRESENTATIVE,
        label: "404 for an unknown route",
        fault: { kind: "unknown-route" },
        times: PERSISTENT,
        // The complaint API's unset reply is a 400, so its client does not admit 404s to the signature check: an
        // unknown route is WeChat Pay's error as received.
        cause: /not signed by WeChat Pay, "\{\\"code\\":\\"NOT_FOUND\\"|rejected [A-Z]+ \S+: 404 NOT_FOUND: No such API/,
        expect: () => notRetried,
    },
    {
        id: "trickle",
        label: `trickled body (1 byte / ${TRICKLE_MS_PER_BYTE} ms) once`,
        fault: { kind: "trickle", ms: TRICKLE_MS_PER_BYTE },
        times: 1,
        cause: /no complete reply within/,
        expect: () => retriedOk,
    },
    {
        id: "trickle-persistent",
        label: "trickled body, every attempt",
        fault: { kind: "trickle", ms: TRICKLE_MS_PER_BYTE },
        times: ALL_ATTEMPTS,
        cause: /no complete reply within/,
        // A trickled PATCH reply was applied: the verified read-back after the last attempt sees it.
        expect: (method) => (isWrite(method) ? { ok: true, attempts: ALL_ATTEMPTS, readBack: true } : exhausted),
    },
    {
        id: "oversized",
        label: `oversized body (${OVERSIZED_BYTES / 1024 / 1024} MB)`,
        fault: { kind: "oversized", bytes: OVERSIZED_BYTES },
        times: 1,
        cause: /over 65536 bytes/,
        expect: unverifiable,
    },
    {
        id: "redirect",
        label: "307 redirect to another host",
        times: PERSISTENT,
        build: ({ trapOrigin }) => ({ kind: "redirect", location: `${trapOrigin}${CALLBACK_PATH}` }),
        cause: /never redirects, and the redirect to http:\/\/127\.0\.0\.1:\d+ was not followed/,
        expect: () => notRetried,
    },
    {
        id: "other-url",
        resources: REPRESENTATIVE,
        label: "2xx showing another URL",
        build: ({ resource }) => ({ kind: "reply-body", body: resource.replyBody(OTHER_URL, MCHID) }),
        times: 1,
        // A DELETE's reply shows no URL (204).
        appliesTo: (t) => isWrite(t.method) && t.method !== "DELETE",
        cause: /shows (?:notify_)?url/,
        expect: () => ({ ok: true, attempts: 1, readBack: true }),
    },
    {
        id: "other-url-read-back",
        label: "2xx showing another URL, read-back too",
        fault: { kind: "reply-body", body: JSON.stringify({ notify_url: OTHER_URL, mchid: MCHID }) },
        times: 2,
        // Create is where a lost record would hurt: the resource must be kept, with the URL it replaced.
        appliesTo: (t) => t.step === "create" && t.method === "PATCH",
        cause: /shows notify_url "https:\/\/elsewhere\.example\.com\/wechatpay\/membercard", not the/,
        expect: () => ({ ok: false, attempts: 1, readBack: true }),
    },
    {
        id: "malformed-json",
        label: "signed malformed JSON",
        fault: { kind: "reply-body", body: '{"notify_url":' },
        times: 1,
        cause: /not the JSON object this API answers with/,
        expect: unverifiable,
    },
    {
        id: "other-mchid",
        label: "signed reply for another mchid",
        fault: { kind: "reply-body", body: JSON.stringify({ notify_url: URL_A, mchid: "1900009999" }) },
        times: 1,
        cause: /about merchant "1900009999", but the request was signed as merchant 1900000001/,
        expect: unverifiable,
    },
    {
        id: "failover",
        resources: REPRESENTATIVE,
        label: "primary dead, backup alive",
        times: 0,
        failover: true,
        wholeStep: true,
        cause: /ECONNREFUSED/,
        expect: () => ({ ok: true }),
    },
];

/** Where a fault is injected: a resource, a step, and for steps that send two requests, which one. */
export interface StepTarget {
    resource: ResourceKey;
    step: Step;
    /** Undefined: the step as a whole (control, failover). */
    method?: Method;
    /** The fault is queued once this many requests of the step were answered. */
    armAfter: number;
}

/** The requests of each step of `resource`: with a URL live before create, every write is its `write` method. */
export function targetsOf(resource: MatrixResource): StepTarget[] {
    const { key, write } = resource;
    return [
        { resource: key, step: "create", method: "GET", armAfter: 0 },
        { resource: key, step: "create", method: write, armAfter: 1 },
        { resource: key, step: "read", method: "GET", armAfter: 0 },
        { resource: key, step: "update", method: write, armAfter: 0 },
        { resource: key, step: "delete", method: "GET", armAfter: 0 },
        { resource: key, step: "delete", method: write, armAfter: 1 },
        ...(resource.remove
            ? [
                  { resource: key, step: "remove", method: "GET", armAfter: 0 } as const,
                  { resource: key, step: "remove", method: "DELETE", armAfter: 1 } as const,
              ]
            : []),
    ];
}

/** The member card's targets. */
export const TARGETS: readonly StepTarget[] = targetsOf(resourceOf("membercard"));

/** The steps of `resource`; `remove` only where the API has DELETE. */
const stepsOf = (resource: MatrixResource): readonly Step[] =>
    resource.remove ? ["create", "read", "update", "delete", "remove"] : ["create", "read", "update", "delete"];

/** Requests each step sends when nothing goes wrong. */
const NORMAL_REQUESTS: Record<Step, number> = { create: 2, read: 1, update: 1, delete: 2, remove: 2 };

export interface Cell {
    fault: FaultCase;
    target: StepTarget;
}

/** `create · PATCH`, `read`, `delete · GET`; other resources than the member card first name their class. */
export function stepLabel(target: StepTarget): string {
    const step =
        target.method === undefined || target.step === "read" || target.step === "update"
            ? target.step
            : `${target.step} · ${target.method}`;
    return target.resource === "membercard" ? step : `${resourceOf(target.resource).className} ${step}`;
}

/** Every cell, resource by resource: each fault on each targeted request; control and failover once per step. */
export function allCells(): Cell[] {
    const cells: Cell[] = [];
    for (const resource of RESOURCES) {
        for (const fault of FAULTS) {
            if (!(fault.resources ?? ["membercard"]).includes(resource.key)) {
                continue;
            }
            if (fault.wholeStep) {
                for (const step of stepsOf(resource)) {
                    cells.push({ fault, target: { resource: resource.key, step, armAfter: 0 } });
                }
            } else {
                for (const target of targetsOf(resource)) {
                    if (fault.appliesTo === undefined || fault.appliesTo(target)) {
                        cells.push({ fault, target });
                    }
                }
            }
        }
    }
    return cells;
}

/**
 * One cell by fault id, step (and method, for create and delete) and resource (default the member card). Throws for a
 * cell the matrix lacks.
 */
export function findCell(faultId: string, step: Step, method?: Method, resource: ResourceKey = "membercard"): Cell {
    const cell = allCells().find(
        (c) =>
            c.fault.id === faultId &&
            c.target.resource === resource &&
            c.target.step === step &&
            (method === undefined || c.target.method === method),
    );
    if (cell === undefined) {
        throw new Error(`no cell ${faultId} × ${resource} ${step}${method ? ` · ${method}` : ""}`);
    }
    return cell;
}

// ---------------------------------------------------------------------------------------------------------------
// Results.
// ---------------------------------------------------------------------------------------------------------------

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
    /** A failed create the engine keeps in state ("created, but failed to initialize"): its id and properties. */
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

// ---------------------------------------------------------------------------------------------------------------
// Running cells.
// ---------------------------------------------------------------------------------------------------------------

export interface MatrixOptions {
    /** The package to pack and install (the repository root). */
    packageDir: string;
    /** Progress lines (stderr in the script). */
    log?: (line: string) => void;
}

export interface Matrix {
    readonly emulator: Emulator;
    /** How long setting up took, in ms. */
    readonly setup: {
        consumerMs: number;
        captureMs: number;
        hostsMs: number;
        fromCache: boolean;
        /** The main host's peak RSS before any cell ran, in MB: the baseline for the oversized cells. */
        hostPeakRssMbAtStart: number;
    };
    run(cell: Cell): Promise<CellResult>;
    /** Everything the provider hosts printed (the user sees all of it). */
    hostOutput(): string;
    close(): Promise<void>;
}

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const address = server.address();
    await new Promise<void>((done) => server.close(() => done()));
    if (address === null || typeof address === "string") {
        throw new Error("could not reserve a loopback port");
    }
    return address.port;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!condition() && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
    }
}

/** Packs and installs the package, starts the emulator and two provider hosts, and captures `__provider`. */
export async function startMatrix(opts: MatrixOptions): Promise<Matrix> {
    const log = opts.log ?? (() => {});
    let onRequest: ((r: RecordedRequest) => void) | undefined;
    const emulator = await startEmulator({
        // A service provider, so the violation API answers too.
        merchants: [{ mchid: MCHID, notifyUrl: ORIGINAL_URL, kind: "partner" }],
        onRequest: (r) => onRequest?.(r),
    });
    const hosts: ProviderHost[] = [];
    // Another host a redirect points at: nothing may ever reach it.
    let trapped = 0;
    const trap: HttpServer = createHttpServer((_req, res) => {
        trapped += 1;
        res.end("{}");
    });
    await new Promise<void>((done) => trap.listen(0, "127.0.0.1", done));
    const trapAddress = trap.address();
    const trapOrigin = `http://127.0.0.1:${typeof trapAddress === "object" && trapAddress ? trapAddress.port : 0}`;
    const closeTrap = () => new Promise<void>((done) => trap.close(() => done()));
    try {
        let t = performance.now();
        log("packing and installing the package into a consumer folder…");
        const consumer = await prepareConsumer({ packageDir: opts.packageDir });
        const consumerMs = performance.now() - t;

        t = performance.now();
        const registration = await captureRegistration(consumer, PROGRAM, { project: PROJECT, stack: STACK });
        for (const r of RESOURCES) {
            if (!registration.resources.find((x) => x.name === r.name)?.serializedProvider) {
                throw new Error(`the program registered no serialized provider for ${r.name}:\n${registration.output}`);
            }
        }
        const captureMs = performance.now() - t;

        t = performance.now();
        const config = (baseUrl: string, backupBaseUrl?: string): Record<string, string> =>
            emulatorStackConfig(emulator, {
                "wechatpay:baseUrl": baseUrl,
                "wechatpay:backupBaseUrl": backupBaseUrl,
                "wechatpay:maxRetries": String(MAX_RETRIES),
                "wechatpay:timeoutMs": String(TIMEOUT_MS),
                "wechatpay:deadlineMs": String(DEADLINE_MS),
            });
        // No WECHATPAY_* of the machine running this may reach the hosts.
        const env = Object.fromEntries(
            Object.keys(process.env)
                .filter((k) => k.startsWith("WECHATPAY_"))
                .map((k) => [k, undefined]),
        );
        const deadPrimary = `http://127.0.0.1:${await closedPort()}/`;
        const [host, failoverHost] = await Promise.all([
            startProviderHost(consumer, { project: PROJECT, stack: STACK, env }),
            startProviderHost(consumer, { project: PROJECT, stack: STACK, env }),
        ]);
        hosts.push(host, failoverHost);
        await host.configure(config(emulator.baseUrl), ["wechatpay:privateKey"]);
        await failoverHost.configure(config(deadPrimary, emulator.baseUrl), ["wechatpay:privateKey"]);
        const hostsMs = performance.now() - t;

        // Per resource: inputs as `pulumi up` sends them (checked, `__provider` included), and the state read,
        // update and delete start from: what a fault-free create stores.
        const prepared = new Map<ResourceKey, Prepared>();
        for (const resource of RESOURCES) {
            const urn = urnFor(typeOf(resource), resource.name, PROJECT, STACK);
            const news = registration.resources.find((x) => x.name === resource.name)?.inputs ?? {};
            const checkedA = await host.check(urn, {}, news);
            const checkedB = await host.check(urn, {}, { ...news, notifyUrl: URL_B });
            if (checkedA.failures.length > 0 || checkedB.failures.length > 0) {
                throw new Error(`check failed: ${JSON.stringify([checkedA.failures, checkedB.failures])}`);
            }
            emulator.reset();
            emulator.setSetting(resource.key, ORIGINAL_URL);
            const stored = (await host.create(urn, checkedA.inputs)).properties;
            if (stored.appliedNotifyUrl !== URL_A || stored.previousNotifyUrl !== ORIGINAL_URL) {
                throw new Error(`a fault-free create stored unexpected outputs: ${JSON.stringify(stored)}`);
            }
            let storedNone: PropertyMap | undefined;
            if (resource.remove) {
                // What a create stores when nothing was set before: destroy then removes the setting.
                emulator.reset();
                emulator.setSetting(resource.key, undefined);
                storedNone = (await host.create(urn, checkedA.inputs)).properties;
                if (storedNone.appliedNotifyUrl !== URL_A || storedNone.previousNotifyUrl !== undefined) {
                    throw new Error(`a fault-free create stored unexpected outputs: ${JSON.stringify(storedNone)}`);
                }
            }
            prepared.set(resource.key, { resource, urn, checkedA, checkedB, stored, storedNone });
        }

        const hostPeakRssMbAtStart = peakRssMb(host.pid);

        const run = async (cell: Cell): Promise<CellResult> => {
            const { fault, target } = cell;
            const { step } = target;
            const p = prepared.get(target.resource);
            if (p === undefined) throw new Error(`no prepared resource ${target.resource}`);
            const { resource, urn: URN, checkedA, checkedB, stored, storedNone } = p;
            emulator.reset();
            const before = step === "create" ? ORIGINAL_URL : URL_A;
            const intended =
                step === "update" ? URL_B : step === "delete" ? ORIGINAL_URL : step === "remove" ? undefined : URL_A;
            emulator.setSetting(resource.key, before);

            const injected = fault.build ? fault.build({ trapOrigin, resource }) : fault.fault;
            const trappedBefore = trapped;
            if (injected !== undefined) {
                if (target.armAfter === 0) {
                    emulator.failNext(injected, fault.times);
                } else {
                    // Called right after a request is answered, before the provider can send the next one.
                    onRequest = () => {
                        if (emulator.requests.length >= target.armAfter) {
                            onRequest = undefined;
                            emulator.failNext(injected, fault.times);
                        }
                    };
                }
            }

            const h = fault.failover ? failoverHost : host;
            let outputs: PropertyMap | undefined;
            let message: string | undefined;
            let kept: CellResult["kept"];
            const started = performance.now();
            try {
                switch (step) {
                    case "create":
                        outputs = (await h.create(URN, checkedA.inputs)).properties;
                        break;
                    case "read": {
                        const r = await h.read(MCHID, URN, stored, checkedA.inputs);
                        outputs = r.id === "" ? {} : r.properties;
                        break;
                    }
                    case "update":
                        outputs = (await h.update(MCHID, URN, stored, checkedB.inputs, checkedA.inputs)).properties;
                        break;
                    case "delete":
                        await h.delete(MCHID, URN, stored, checkedA.inputs);
                        break;
                    case "remove":
                        await h.delete(MCHID, URN, storedNone ?? {}, checkedA.inputs);
                        break;
                }
            } catch (e) {
                message = e instanceof Error ? e.message : String(e);
                if (e instanceof ProviderHostCallError && e.initFailed !== undefined) {
                    kept = { id: e.initFailed.id, properties: e.initFailed.properties };
                }
            }
            const ms = performance.now() - started;
            onRequest = undefined;
            if (injected?.kind === "delay") {
                // A request the client gave up on is still answered (and applied) when the delay ends: wait for it,
                // so the live URL below is final and nothing lands in the next cell.
                const delayed = () => emulator.requests.filter((r) => r.fault === "delay").length;
                await until(() => delayed() >= fault.times, injected.ms + 2_000);
            }

            if (injected?.kind === "oversized" || injected?.kind === "trickle") {
                // The reply's end (the client hanging up) is recorded a moment after the step returns.
                await until(() => emulator.requests.every((r) => r.fault !== injected.kind || r.streamed), 5_000);
            }
            const requests = [...emulator.requests].sort((a, b) => a.at - b.at);
            const live = emulator.setting(resource.key);
            const observed: Observed = {
                cell,
                before,
                intended,
                outputs,
                message,
                requests,
                live,
                ms,
                trapped: trapped - trappedBefore,
            };
            if (kept !== undefined) observed.kept = kept;
            if (injected?.kind === "oversized") observed.hostPeakRssMb = peakRssMb(h.pid);
            return judge(observed);
        };

        return {
            emulator,
            setup: { consumerMs, captureMs, hostsMs, fromCache: consumer.fromCache, hostPeakRssMbAtStart },
            run,
            hostOutput: () => hosts.map((h) => h.output()).join("\n"),
            async close() {
                await Promise.all(hosts.map((h) => h.close()));
                await emulator.close();
                await closeTrap();
            },
        };
    } catch (err) {
        await Promise.all(hosts.map((h) => h.close()));
        await emulator.close();
        await closeTrap();
        throw err;
    }
}

/** One resource's checked inputs and the state a fault-free create stores. */
interface Prepared {
    resource: MatrixResource;
    urn: string;
    checkedA: { inputs: PropertyMap };
    checkedB: { inputs: PropertyMap };
    stored: PropertyMap;
    /** For APIs with DELETE: what a create stores when nothing was set before. */
    storedNone?: PropertyMap | undefined;
}

/** A process's peak resident set size (VmHWM), in MB; NaN where /proc is not available. */
export function peakRssMb(pid: number): number {
    try {
        const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
    } catch {
        return Number.NaN;
    }
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

/** A failed create the engine keeps, with its id and the URL live before it recorded: nothing is lost. */
function keptSafely(o: Observed): boolean {
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
    const targeted =
        target.method !== undefined && isWrite(target.method)
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

// ---------------------------------------------------------------------------------------------------------------
// Rendering.
// ---------------------------------------------------------------------------------------------------------------

/** The table's header row: `docs/reliability.md` is checked against it. */
export const TABLE_HEADER = "| fault | step | outcome | WeChat Pay requests | live after | state = live | clean |";
/** The first line of `docs/reliability.md`. */
export const DOC_TITLE = "# Reliability: the fault matrix";
/** The line that introduces the totals in `docs/reliability.md`. */
export const TOTALS_HEADING = "## Totals";

/** The Markdown table, with its legend. */
export function renderTable(results: readonly CellResult[]): string {
    const lines = [
        `Settings: \`wechatpay:maxRetries\` ${MAX_RETRIES}, \`wechatpay:timeoutMs\` ${TIMEOUT_MS}, ` +
            `\`wechatpay:deadlineMs\` ${DEADLINE_MS}. "Live after": \`old\` = the URL live before the step, ` +
            "`new` = the URL the step sets (for delete: the pre-create URL it restores), `none` = nothing set " +
            "(what remove, a destroy with no URL before it, leaves), `other` = anything else. " +
            "Requests are what the emulator saw, in arrival order; `[kind]` marks a reply the fault altered, " +
            "`reset` a dropped connection, `(+1.0 s)` a wait.",
        "",
        TABLE_HEADER,
        "| --- | --- | --- | --- | --- | --- | --- |",
    ];
    for (const r of results) {
        const clean = r.clean
            ? r.unexpected.length > 0
                ? `yes, but ${r.unexpected.join("; ")}`
                : "yes"
            : `**NO**: ${[...r.notClean, ...r.unexpected].join("; ")}`;
        lines.push(
            `| ${r.cell.fault.label} | ${r.step} | ${r.outcome} | ${r.requestsText} | ${r.liveLabel} | ${r.agreeText} | ${clean} |`,
        );
    }
    return lines.join("\n");
}

/**
 * The whole `docs/reliability.md` (`npm run faults -- --out docs/reliability.md`): what the matrix is, the table and
 * the totals.
 */
export function renderDocument(results: readonly CellResult[]): string {
    const longest = results.reduce((a, r) => Math.max(a, r.ms), 0);
    const rss = results.flatMap((r) => (r.hostPeakRssMb === undefined ? [] : [r.hostPeakRssMb]));
    return [
        DOC_TITLE,
        "",
        "Generated by `npm run faults -- --out docs/reliability.md`; do not edit by hand.",
        "",
        "Every fault the emulator can inject, against every request of every lifecycle step that calls WeChat Pay, run",
        "through Pulumi's own provider host with the package as a user installs it (the `npm pack` tarball). A cell is",
        "clean when the step either succeeds with the right live URL and outputs that match it, or fails with an error",
        "that names the cause while the live URL is unchanged (or the resource is kept in state with the URL it",
        "replaced); when it ends within `wechatpay:deadlineMs` plus one second; when nothing reaches the host a redirect",
        `points at; and when the provider host's peak memory stays under ${HOST_PEAK_RSS_LIMIT_MB} MB.`,
        "",
        renderTable(results),
        "",
        TOTALS_HEADING,
        "",
        `${summarize(results)}.`,
        "",
        `Longest step: ${(longest / 1000).toFixed(1)} s (limit: \`wechatpay:deadlineMs\` ${DEADLINE_MS / 1000} s + 1 s).` +
            (rss.length > 0
                ? ` Provider host peak RSS after the oversized-body cells: at most ${Math.max(...rss)} MB ` +
                  `(limit ${HOST_PEAK_RSS_LIMIT_MB} MB; the body was ${OVERSIZED_BYTES / 1024 / 1024} MB).`
                : ""),
        "",
    ].join("\n");
}

/** `88 cells, 88 clean, 0 not clean` (and how many differ from the designed behaviour, when any do). */
export function summarize(results: readonly CellResult[]): string {
    const clean = results.filter((r) => r.clean).length;
    const unexpected = results.filter((r) => r.unexpected.length > 0).length;
    return (
        `${results.length} cells, ${clean} clean, ${results.length - clean} not clean` +
        (unexpected > 0 ? ` (${unexpected} not as designed)` : "")
    );
}
