/**
 * The fault table: every fault the emulator can inject, the requests of each lifecycle step it is injected into, and
 * what each cell should end in by design. Plain data, resource-agnostic: a new fault is a row of FAULTS, a new request
 * to target is a row of TARGETS. The same cells run in-process (inProcess.ts, the integration tests) and through
 * Pulumi's provider host with the packed package (hostRunner.ts: a representative subset in the engine tests, all of
 * them in `npm run faults`); judge.ts judges both alike.
 */

import type { Fault, SettingName } from "../../provider/testing";
import { MCHID, OLD_URL, URL_A, URL_B } from "../fixtures";

export { MCHID, URL_A, URL_B };
/** What the merchant had before Pulumi. URL_A is what create sets (and is live before read, update and delete); URL_B is what update sets. */
export const ORIGINAL_URL = OLD_URL;

/** Small settings so the whole table runs in well under two minutes. */
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
export const CALLBACK_PATH = "/v3/marketing/membercard-open/callback";

// ---------------------------------------------------------------------------------------------------------------
// The cells.
// ---------------------------------------------------------------------------------------------------------------

/** `remove`: destroy of a resource that had no previous URL, at an API with DELETE (read, then DELETE). */
export type Step = "create" | "read" | "update" | "delete" | "remove";
export type Method = "GET" | "PATCH" | "POST" | "PUT" | "DELETE";

/** A request that writes (anything but GET). */
export const isWrite = (method: Method | undefined): boolean => method !== undefined && method !== "GET";

// ---------------------------------------------------------------------------------------------------------------
// The resources: the member card with every fault, the others with a representative set.
// ---------------------------------------------------------------------------------------------------------------

export type ResourceKey = SettingName;

/** One resource of the table, and what its API sends and answers. */
export interface TableResource {
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

export const RESOURCES: readonly TableResource[] = [
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

/** The table's resource `key`. */
export function resourceOf(key: ResourceKey): TableResource {
    const r = RESOURCES.find((x) => x.key === key);
    if (r === undefined) throw new Error(`no table resource ${key}`);
    return r;
}

/** `pulumi-nodejs:dynamic/wechatpay:<className>` */
export const typeOf = (r: TableResource): string => `pulumi-nodejs:dynamic/wechatpay:${r.className}`;

/** Faults run against every resource; the rest run against the member card only. */
const EVERY_RESOURCE: readonly ResourceKey[] = RESOURCES.map((r) => r.key);

/** What a cell should end in, by design (README "Reliability"; provider/retry.ts); docs/reliability.md shows each. */
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
    build?: (parts: { trapOrigin: string; resource: TableResource }) => Fault;
    /**
     * Seconds per cell (every attempt waits out the timeout): the in-process tests leave it to the provider host,
     * which runs it in `npm run faults` and on one target in `npm test`.
     */
    slow?: true;
    /** A failure's message must match this to count as naming its cause. */
    cause: RegExp;
    expect(method: Method | undefined): Expectation;
}

const retriedOk: Expectation = { ok: true, attempts: 2 };
const exhausted: Expectation = { ok: false, attempts: ALL_ATTEMPTS };
const notRetried: Expectation = { ok: false, attempts: 1 };
/** A write applied on every attempt, each answer lost or an error: the signed read after the last one sees it. */
const appliedAfterAll: Expectation = { ok: true, attempts: ALL_ATTEMPTS, readBack: true };
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
        resources: EVERY_RESOURCE,
        cause: /$^/,
        expect: () => ({ ok: true }),
    },
    {
        id: "500-once",
        resources: EVERY_RESOURCE,
        label: "500 SYSTEM_ERROR once",
        fault: apiError(500, "SYSTEM_ERROR"),
        times: 1,
        cause: /SYSTEM_ERROR/,
        expect: () => retriedOk,
    },
    {
        id: "500-persistent",
        resources: EVERY_RESOURCE,
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
        resources: EVERY_RESOURCE,
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
        resources: EVERY_RESOURCE,
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
        resources: EVERY_RESOURCE,
        label: "missing-headers",
        fault: { kind: "missing-headers" },
        times: 1,
        cause: /Wechatpay-Timestamp\/Nonce\/Serial\/Signature/,
        expect: unverifiable,
    },
    {
        id: "reset-once",
        resources: EVERY_RESOURCE,
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
        resources: EVERY_RESOURCE,
        slow: true,
        label: `delay ${LONG_DELAY_MS} ms > timeout, every attempt`,
        fault: { kind: "delay", ms: LONG_DELAY_MS },
        times: ALL_ATTEMPTS,
        cause: /ECONNABORTED|ETIMEDOUT|timeoutMs/,
        expect: (method) => (isWrite(method) ? { ok: true, attempts: ALL_ATTEMPTS, readBack: true } : exhausted),
    },
    // Replies that must never be taken as an answer.
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
        resources: EVERY_RESOURCE,
        label: "404 for an unknown route",
        fault: { kind: "unknown-route" },
        times: PERSISTENT,
        // Every reply is verified, so an unknown route's unsigned 404 is never WeChat Pay's "none", on any API.
        cause: /not signed by WeChat Pay, "\{\\"code\\":\\"NOT_FOUND\\"/,
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
        slow: true,
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
        resources: EVERY_RESOURCE,
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
    // Writes that WeChat Pay applied but whose answer was lost or an error (a gateway's 5xx, a reset, no answer): a
    // retry that lands sets the same value again, and after the last attempt a signed read decides. Every cell must
    // succeed: the write did take effect.
    {
        id: "applied-500-once",
        resources: EVERY_RESOURCE,
        label: "applied, then 500 SYSTEM_ERROR once",
        fault: { kind: "applied-then-error", status: 500, code: "SYSTEM_ERROR" },
        times: 1,
        appliesTo: (t) => isWrite(t.method),
        cause: /SYSTEM_ERROR/,
        expect: () => retriedOk,
    },
    {
        id: "applied-500-persistent",
        resources: EVERY_RESOURCE,
        label: "applied, then 500 SYSTEM_ERROR, every attempt",
        fault: { kind: "applied-then-error", status: 500, code: "SYSTEM_ERROR" },
        times: ALL_ATTEMPTS,
        appliesTo: (t) => isWrite(t.method),
        cause: /SYSTEM_ERROR/,
        expect: () => appliedAfterAll,
    },
    {
        id: "applied-502-persistent",
        resources: EVERY_RESOURCE,
        label: "applied, then a gateway's 502 (unsigned, no body), every attempt",
        fault: { kind: "applied-then-error", status: 502 },
        times: ALL_ATTEMPTS,
        appliesTo: (t) => isWrite(t.method),
        cause: /502/,
        expect: () => appliedAfterAll,
    },
    {
        id: "applied-504-once",
        resources: EVERY_RESOURCE,
        label: "applied, then a gateway's 504 once",
        fault: { kind: "applied-then-error", status: 504 },
        times: 1,
        appliesTo: (t) => isWrite(t.method),
        cause: /504/,
        expect: () => retriedOk,
    },
    {
        id: "applied-reset-persistent",
        resources: EVERY_RESOURCE,
        label: "applied, then the connection reset, every attempt",
        fault: { kind: "applied-then-reset" },
        times: ALL_ATTEMPTS,
        appliesTo: (t) => isWrite(t.method),
        cause: /ECONNRESET|socket hang up/,
        expect: () => appliedAfterAll,
    },
    {
        id: "applied-hang-once",
        resources: EVERY_RESOURCE,
        label: `applied, then no answer (client gives up at ${TIMEOUT_MS} ms) once`,
        fault: { kind: "applied-then-hang" },
        times: 1,
        appliesTo: (t) => isWrite(t.method),
        cause: /no complete reply within/,
        expect: () => retriedOk,
    },
    {
        id: "applied-hang-persistent",
        resources: EVERY_RESOURCE,
        slow: true,
        label: "applied, then no answer, every attempt",
        fault: { kind: "applied-then-hang" },
        times: ALL_ATTEMPTS,
        appliesTo: (t) => isWrite(t.method),
        cause: /no complete reply within/,
        expect: () => appliedAfterAll,
    },
    {
        id: "apply-late",
        resources: EVERY_RESOURCE,
        label: `applied ${LONG_DELAY_MS} ms late (after the client gave up) once`,
        fault: { kind: "apply-late", ms: LONG_DELAY_MS },
        times: 1,
        appliesTo: (t) => isWrite(t.method),
        cause: /no complete reply within/,
        expect: () => retriedOk,
    },
    {
        id: "failover",
        resources: EVERY_RESOURCE,
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
export function targetsOf(resource: TableResource): StepTarget[] {
    const { key, write } = resource;
    const targets: StepTarget[] = [
        { resource: key, step: "create", method: "GET", armAfter: 0 },
        { resource: key, step: "create", method: write, armAfter: 1 },
        { resource: key, step: "read", method: "GET", armAfter: 0 },
        { resource: key, step: "update", method: write, armAfter: 0 },
        { resource: key, step: "delete", method: "GET", armAfter: 0 },
        { resource: key, step: "delete", method: write, armAfter: 1 },
    ];
    if (resource.remove) {
        targets.push(
            { resource: key, step: "remove", method: "GET", armAfter: 0 },
            { resource: key, step: "remove", method: "DELETE", armAfter: 1 },
        );
    }
    return targets;
}

/** The member card's targets. */
export const TARGETS: readonly StepTarget[] = targetsOf(resourceOf("membercard"));

/** The steps of `resource`; `remove` only where the API has DELETE. */
export const stepsOf = (resource: TableResource): readonly Step[] =>
    resource.remove ? ["create", "read", "update", "delete", "remove"] : ["create", "read", "update", "delete"];

/** The member card's steps. */
export const STEPS: readonly Step[] = stepsOf(resourceOf("membercard"));

/** Requests each step sends when nothing goes wrong. */
export const NORMAL_REQUESTS: Record<Step, number> = { create: 2, read: 1, update: 1, delete: 2, remove: 3 };

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

/** A cell's stable key, e.g. `500-once × create · PATCH`, `failover × read`. */
export function cellKey(cell: Cell): string {
    return `${cell.fault.id} × ${stepLabel(cell.target)}`;
}

/**
 * The cells `npm test` also runs through the provider host (test/engine/faults.engine.test.ts); `npm run faults`
 * runs every cell there, the integration tests every cell in-process. Each kind of fault, on each kind of request.
 */
export const REPRESENTATIVE: readonly string[] = [
    "500-once × create · PATCH",
    "500-persistent × create · PATCH",
    "500-persistent × read",
    "429 × update",
    "403 × create · GET",
    "bad-signature × create · PATCH",
    "sign-test × read",
    "unknown-serial × delete · GET",
    "stale-timestamp × update",
    "reset-persistent × delete · PATCH",
    "delay-long × read",
    "delay-short × delete · PATCH",
    "delay-long-persistent × create · PATCH",
    "html-404 × read",
    "unknown-route × delete · GET",
    "trickle-persistent × read",
    "oversized × read",
    "redirect × update",
    "other-url-read-back × create · PATCH",
    "malformed-json × create · GET",
    "other-mchid × read",
    "failover × create",
    "failover × delete",
    "bad-signature × ComplaintNotification create · PUT",
    "unknown-route × ComplaintNotification read",
    "500-once × BusifavorCallback update",
    "unknown-route × ViolationNotification delete · GET",
    "delay-long-persistent × ViolationNotification delete · PUT",
    "bad-signature × ViolationNotification remove · DELETE",
    "applied-500-persistent × create · PATCH",
    "applied-502-persistent × ComplaintNotification update",
    "applied-reset-persistent × ViolationNotification remove · DELETE",
    "apply-late × BusifavorCallback delete · POST",
];

/** The representative cells, in table order. Throws for a key the table lacks. */
export function representativeCells(): Cell[] {
    const cells = allCells();
    const missing = REPRESENTATIVE.filter((key) => !cells.some((c) => cellKey(c) === key));
    if (missing.length > 0) throw new Error(`no such cells: ${missing.join(", ")}`);
    return cells.filter((c) => REPRESENTATIVE.includes(cellKey(c)));
}
