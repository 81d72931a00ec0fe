/**
 * Reading what came back from a request, once: the status, WeChat Pay's `{code, message}`, the headers that matter,
 * or the network failure. The retry policy (retry.ts) and the error a user sees (`errorFrom`) both start from the
 * {@link Received} this module makes. Only status, codes, short texts and header values are copied; never the axios
 * error, whose `config` holds the signing key object and signed headers.
 */

import {
    type ReceivedSummary,
    type RequestTarget,
    type ResponseProblem,
    WechatpayApiError,
    WechatpayNetworkError,
    WechatpayResponseError,
    WechatpayVerificationError,
} from "./errors";

/** Replies over this many bytes are refused: WeChat Pay's answers here are well under 1 KB. */
export const MAX_REPLY_BYTES = 64 * 1024;

/** The fields of an axios error this package reads; kept narrow so nothing else (config, keys) is touched. */
interface AxiosLikeError {
    isAxiosError?: boolean;
    code?: string;
    message?: string;
    response?: { status?: number; data?: unknown; headers?: unknown };
}

/** The parts of a reply (or of an axios response) this package reads. */
interface ReplyLike {
    status?: number;
    data?: unknown;
    headers?: unknown;
}

const SDK_VERIFY_CODE = /^EV3_RES_/;

/** The SDK's code for a reply without WeChat Pay's signature headers: not signed at all. */
export const UNSIGNED = "EV3_RES_HEADERS_INCOMPLATE";

/**
 * WeChat Pay's codes for "no such resource": 404/400 `RESOURCE_NOT_EXISTS` (complaints' GET, member card INFERRED)
 * and 404 `NOT_FOUND` (violations' GET and DELETE). See meansNoneSet in client.ts.
 */
export const NONE_CODES: ReadonlySet<string> = new Set(["RESOURCE_NOT_EXISTS", "NOT_FOUND"]);

/**
 * What one attempt ended with, read once from whatever the HTTP stack threw: the retry policy and the error the
 * user sees both come from this. Only status, codes, short texts and header values are copied; never the axios
 * error, whose `config` holds the signing key object and signed headers.
 */
export type Received =
    | {
          kind: "http";
          status: number;
          /** WeChat Pay's code, or `HTTP_<status>` when the body was not its JSON. */
          code: string;
          /** WeChat Pay's message, when the body was its JSON. */
          message?: string | undefined;
          contentType?: string | undefined;
          excerpt?: string | undefined;
          requestId?: string | undefined;
          retryAfterSeconds?: number | undefined;
          /** The `Location` header's origin, for a 3xx. */
          location?: string | undefined;
          /** The SDK's `EV3_RES_*` code when the reply's WeChat Pay signature was checked and failed. */
          unverified?: string | undefined;
          /** The `Wechatpay-Serial` the reply named. */
          serial?: string | undefined;
          /** The signature was a `WECHATPAY/SIGNTEST/` probe. */
          probe?: boolean;
      }
    | { kind: "network"; code: string; detail: string }
    | { kind: "too-large" }
    | { kind: "other"; error: unknown };

/** Parses a Retry-After header given in seconds; HTTP dates are rare for APIs and are ignored. */
export function parseRetryAfter(value: unknown): number | undefined {
    if (typeof value !== "string" || !/^\d+$/.test(value.trim())) {
        return undefined;
    }
    return Number(value.trim());
}

/** Reads a header from plain or AxiosHeaders-like objects, case-insensitively. */
export function headerOf(headers: unknown, name: string): string | undefined {
    if (typeof headers !== "object" || headers === null) {
        return undefined;
    }
    const h = headers as Record<string, unknown> & { get?: (n: string) => unknown };
    const v = typeof h.get === "function" ? h.get(name) : (h[name] ?? h[name.toLowerCase()]);
    return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** Reads the status, content type, body excerpt and headers of a reply. */
export function readReply(reply: ReplyLike & { status: number }): Received & { kind: "http" } {
    const { headers, data, status } = reply;
    const body = parseBody(data);
    const signature = headerOf(headers, "Wechatpay-Signature");
    return {
        kind: "http",
        status,
        code: body.json && body.code ? body.code : `HTTP_${status}`,
        message: body.json ? body.message : undefined,
        contentType: headerOf(headers, "Content-Type")?.split(";")[0]?.trim(),
        excerpt: excerpt(data),
        requestId: headerOf(headers, "Request-ID"),
        retryAfterSeconds: parseRetryAfter(headerOf(headers, "Retry-After")),
        location: originOf(headerOf(headers, "Location")),
        serial: headerOf(headers, "Wechatpay-Serial"),
        probe: signature?.startsWith("WECHATPAY/SIGNTEST/") ?? false,
    };
}

/** The one reader of what axios or the SDK threw. `timedOutAfterMs` is set when the client's own timer aborted it. */
export function readFailure(err: unknown, timedOutAfterMs?: number): Received {
    if (timedOutAfterMs !== undefined) {
        return {
            kind: "network",
            code: "ETIMEDOUT",
            detail: `no complete reply within ${timedOutAfterMs} ms (headers and body)`,
        };
    }
    if (typeof err !== "object" || err === null) {
        return { kind: "other", error: err };
    }
    const e = err as AxiosLikeError;
    if (e.code === "ERR_BAD_RESPONSE" && /maxContentLength/.test(e.message ?? "")) {
        return { kind: "too-large" };
    }
    if (typeof e.response?.status === "number") {
        const reply = readReply({ ...e.response, status: e.response.status });
        return typeof e.code === "string" && SDK_VERIFY_CODE.test(e.code) ? { ...reply, unverified: e.code } : reply;
    }
    if (e.isAxiosError) {
        const code = e.code ?? "ERR_NETWORK";
        return { kind: "network", code, detail: networkDetail(code, e.message) };
    }
    return { kind: "other", error: err };
}

/**
 * `404 text/html, not signed by WeChat Pay, "<html>…" (Request-ID 0A1B…)`
 * @internal
 */
export function describeReceived(r: Received): string {
    switch (r.kind) {
        case "http": {
            const parts = [`${r.status}${r.contentType ? ` ${r.contentType}` : " (no content type)"}`];
            if (r.unverified !== undefined) {
                parts.push(
                    r.unverified === "EV3_RES_HEADERS_INCOMPLATE"
                        ? "not signed by WeChat Pay"
                        : `WeChat Pay signature does not verify (${r.unverified})`,
                );
            }
            if (r.location !== undefined) {
                parts.push(`Location ${r.location}`);
            }
            parts.push(r.excerpt === undefined ? "empty body" : r.excerpt);
            return parts.join(", ") + (r.requestId ? ` (Request-ID ${r.requestId})` : " (no Request-ID)");
        }
        case "too-large":
            return `a body over ${MAX_REPLY_BYTES} bytes`;
        case "network":
            return r.detail;
        default:
            return "an error";
    }
}

const EXCERPT_CHARS = 120;

/** The start of a body as a quoted string, control characters escaped; undefined for an empty body. */
function excerpt(data: unknown): string | undefined {
    let text: string;
    if (typeof data === "string") {
        text = data;
    } else if (Buffer.isBuffer(data)) {
        text = data.subarray(0, EXCERPT_CHARS * 4).toString("utf8");
    } else if (data === undefined || data === null || data === "") {
        return undefined;
    } else {
        try {
            text = JSON.stringify(data) ?? "";
        } catch {
            return undefined;
        }
    }
    if (text === "") {
        return undefined;
    }
    const cut = text.length > EXCERPT_CHARS;
    return `${JSON.stringify(text.slice(0, EXCERPT_CHARS))}${cut ? "…" : ""}`;
}

/** `https://host:port` of a Location header (relative ones resolve against nothing and read as given). */
function originOf(location: string | undefined): string | undefined {
    if (location === undefined) {
        return undefined;
    }
    try {
        return new URL(location).origin;
    } catch {
        return JSON.stringify(location.slice(0, 60));
    }
}

/** The error a user sees for what an attempt {@link Received}. */
export function errorFrom(received: Received, target: RequestTarget, attempts?: readonly string[]): Error {
    switch (received.kind) {
        case "too-large":
            return unusableReply({
                ...target,
                code: "REPLY_TOO_LARGE",
                reason: `it is over ${MAX_REPLY_BYTES} bytes (WeChat Pay's answers here are under 1 KB); the rest was not read`,
            });
        case "network":
            return new WechatpayNetworkError({
                ...target,
                code: received.code,
                detail: received.detail,
                hint: networkHint(received.code),
                ...(attempts ? { attempts } : {}),
            });
        case "other": {
            const err = received.error;
            return err instanceof Error ? err : new Error(`${target.method} ${target.path} failed: ${String(err)}`);
        }
        case "http":
            break;
    }
    const { status } = received;
    if (status >= 300 && status < 400) {
        return unusableReply({
            ...target,
            code: "REDIRECT",
            reason:
                `WeChat Pay never redirects, and the redirect${received.location ? ` to ${received.location}` : ""} ` +
                "was not followed (nothing was sent there); check `wechatpay:baseUrl`",
            received,
        });
    }
    // A signature that is there but does not verify (wrong key, key id, clock, or a SIGNTEST probe) is a verification
    // problem whatever the status: the fix is in the keys, not in the request. A 2xx without one is never trusted.
    const success = status >= 200 && status < 300;
    if (received.unverified !== undefined && (received.unverified !== UNSIGNED || received.probe === true || success)) {
        return new WechatpayVerificationError({
            ...target,
            code: received.unverified,
            serial: received.serial,
            requestId: received.requestId,
            probe: received.probe === true,
        });
    }
    // An unsigned 404, or an unsigned "none" at another 4xx, is never WeChat Pay's answer that none is set.
    const unsignedNone = status === 404 ? "a 404" : NONE_CODES.has(received.code) ? `a ${status} ${received.code}` : "";
    if (received.unverified !== undefined && status >= 400 && status < 500 && unsignedNone !== "") {
        return unusableReply({
            ...target,
            code: status === 404 ? "UNSIGNED_404" : "UNSIGNED_NONE",
            reason:
                `${unsignedNone} that WeChat Pay did not sign is not its answer that no callback URL is set (a proxy, ` +
                "gateway or another host may have answered); check `wechatpay:baseUrl` and any proxy in between",
            received,
        });
    }
    const notJson = received.message === undefined && received.code === `HTTP_${status}`;
    return new WechatpayApiError({
        ...target,
        status,
        code: received.code,
        apiMessage: notJson
            ? `(not WeChat Pay's JSON error: ${received.contentType ?? "no content type"}, ${received.excerpt ?? "empty body"})`
            : (received.message ?? "(no message)"),
        requestId: received.requestId,
        ...(attempts ? { attempts } : {}),
    });
}

/** WeChat Pay's `{code, message}` error body, from parsed JSON or raw text; `json` when it was a JSON object. */
export function parseBody(data: unknown): { code?: string; message?: string; json?: boolean } {
    let value = data;
    if (typeof data === "string") {
        try {
            value = JSON.parse(data);
        } catch {
            return data ? { message: data.slice(0, 200) } : {};
        }
    }
    if (typeof value !== "object" || value === null || Buffer.isBuffer(value)) {
        return {};
    }
    const { code, message } = value as { code?: unknown; message?: unknown };
    return {
        json: true,
        ...(typeof code === "string" ? { code } : {}),
        ...(typeof message === "string" ? { message } : {}),
    };
}

/** `connect ECONNREFUSED 127.0.0.1:9`, or the code with the message when the message does not name it. */
function networkDetail(code: string, message: string | undefined): string {
    return !message ? code : message.includes(code) ? message : `${code} (${message})`;
}

/** What to do about a request that got no answer. */
function networkHint(code: string): string | undefined {
    if (code === "ECONNABORTED" || code === "ETIMEDOUT") {
        return "No reply within `wechatpay:timeoutMs`: check the network, or raise the timeout";
    }
    return undefined;
}

/** What a {@link WechatpayResponseError} says of the reply it did not use. */
export function summaryOf(received: Received): ReceivedSummary {
    return received.kind === "http"
        ? { description: describeReceived(received), status: received.status, requestId: received.requestId }
        : { description: describeReceived(received) };
}

/** A reply that came but is not an answer to act on, saying what was received. */
export function unusableReply(
    init: RequestTarget & { code: ResponseProblem; reason: string; received?: Received | undefined },
): WechatpayResponseError {
    const { received, ...rest } = init;
    return new WechatpayResponseError({ ...rest, ...(received ? { received: summaryOf(received) } : {}) });
}
