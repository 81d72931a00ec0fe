/**
 * Errors the provider raises. Guards compare `name`, not `instanceof`: the provider Pulumi runs is a serialized copy
 * loaded in another process, so the class a test or a program holds is not the same object.
 */

/** Where a request went, for messages: `PATCH /v3/marketing/membercard-open/callback`. */
export interface RequestTarget {
    method: string;
    path: string;
    /** This API's own advice per error code, in place of the general one (see NotifyEndpoint.hints). */
    hints?: Readonly<Record<string, string>> | undefined;
}

/**
 * The base of every error this package raises about a WeChat Pay call. `name` is the concrete class's name, so the
 * guards below work across copies of the package.
 */
export class WechatpayError extends Error {
    /** What was asked: `GET`, `PATCH`; empty for errors raised before a request. */
    readonly method: string = "";
    /** The API path asked for. */
    readonly path: string = "";
    /**
     * True when this failed a write that WeChat Pay may have applied all the same (an attempt got no answer, a 5xx,
     * or a reply that could not be trusted): the caller must confirm with a signed read, and keep its record.
     */
    uncertain?: boolean;
}

/** WeChat Pay answered with a non-2xx status (a business or authentication error). */
export class WechatpayApiError extends WechatpayError {
    override readonly name = "WechatpayApiError";
    /** HTTP status, e.g. 403. */
    readonly status: number;
    /** WeChat Pay's error code, e.g. `NO_AUTH`; `HTTP_<status>` when the body had none. */
    readonly code: string;
    /** WeChat Pay's own message, as sent. */
    readonly apiMessage: string;
    override readonly method: string;
    override readonly path: string;
    /** The `Request-ID` response header: quote it to WeChat Pay support. */
    readonly requestId: string | undefined;
    /** What each request got, in order (retries and failover included); one entry when nothing was retried. */
    readonly attempts: readonly string[];

    constructor(
        init: RequestTarget & {
            status: number;
            code: string;
            apiMessage: string;
            requestId?: string | undefined;
            attempts?: readonly string[];
        },
    ) {
        const hint = init.hints?.[init.code] ?? apiHint(init.status, init.code);
        const reqId = init.requestId ? ` (Request-ID ${init.requestId})` : "";
        super(
            `WeChat Pay rejected ${init.method} ${init.path}: ${init.status} ${init.code}: ${init.apiMessage}${reqId}` +
                attemptsSuffix(init.attempts) +
                (hint ? `. ${hint}` : ""),
        );
        this.status = init.status;
        this.code = init.code;
        this.apiMessage = init.apiMessage;
        this.method = init.method;
        this.path = init.path;
        this.requestId = init.requestId;
        this.attempts = init.attempts ?? [`${init.status} ${init.code}`];
    }
}

/** ` after 3 attempts (500 SYSTEM_ERROR, ECONNRESET, 500 SYSTEM_ERROR)`, or nothing for a single attempt. */
function attemptsSuffix(attempts: readonly string[] | undefined): string {
    return attempts && attempts.length > 1 ? ` after ${attempts.length} attempts (${attempts.join(", ")})` : "";
}

/** What a person should do about a WeChat Pay error code. */
function apiHint(status: number, code: string): string | undefined {
    switch (code) {
        case "NO_AUTH":
            return (
                "The member-card open product (会员卡开放) is not enabled for this merchant: the member card's creator " +
                "must enable the product permission in the WeChat Pay merchant platform (pay.weixin.qq.com)"
            );
        case "SIGN_ERROR":
            return (
                "WeChat Pay could not verify the request signature: check that `wechatpay:serial` is the serial of " +
                "the merchant API certificate whose private key is `wechatpay:privateKey`, that `wechatpay:mchid` " +
                "is that merchant, and that this machine's clock is correct"
            );
        case "PARAM_ERROR":
        case "INVALID_REQUEST":
            return "WeChat Pay refused the request as sent: check `notifyUrl` (https, at most 256 characters, no query)";
        case "FREQUENCY_LIMITED":
            return "WeChat Pay is throttling this merchant: wait a minute and run again";
        case "SYSTEM_ERROR":
            return "WeChat Pay had an internal error: run again later; the request is safe to repeat";
        default:
            return status >= 500 ? "WeChat Pay had a server error: run again later" : undefined;
    }
}

/** A 2xx reply whose WeChat Pay signature could not be verified: it is not trusted. */
export class WechatpayVerificationError extends WechatpayError {
    override readonly name = "WechatpayVerificationError";
    /** The SDK's code, e.g. `EV3_RES_HEADER_SIGNATURE_DIGEST`. */
    readonly code: string;
    override readonly method: string;
    override readonly path: string;
    /** The `Wechatpay-Serial` the reply named, if any. */
    readonly serial: string | undefined;
    readonly requestId: string | undefined;

    constructor(
        init: RequestTarget & {
            code: string;
            serial?: string | undefined;
            requestId?: string | undefined;
            probe?: boolean;
        },
    ) {
        const cause = verificationCause(init.code, init.serial, init.probe === true);
        const reqId = init.requestId ? ` (Request-ID ${init.requestId})` : "";
        super(`Could not verify WeChat Pay's reply to ${init.method} ${init.path}: ${cause}${reqId}`);
        this.code = init.code;
        this.method = init.method;
        this.path = init.path;
        this.serial = init.serial;
        this.requestId = init.requestId;
    }
}

function verificationCause(code: string, serial: string | undefined, probe: boolean): string {
    const named = serial ? `\`${serial}\`` : "(none)";
    if (probe) {
        return (
            "the reply carried a WeChat Pay signature probe (WECHATPAY/SIGNTEST/…), which is rejected on purpose; " +
            "nothing is wrong with your settings, run again"
        );
    }
    switch (code) {
        case "EV3_RES_HEADERS_INCOMPLATE":
            return "the reply had no complete Wechatpay-Timestamp/Nonce/Serial/Signature headers; check `wechatpay:baseUrl` points at WeChat Pay";
        case "EV3_RES_HEADER_TIMESTAMP_OFFSET":
            return "the reply's timestamp is more than 5 minutes from this machine's clock; check the clock (NTP)";
        case "EV3_RES_HEADER_PLATFORM_SERIAL":
            return (
                `the reply was signed with serial ${named}, which is not \`wechatpay:publicKeyId\`; set ` +
                "`wechatpay:publicKeyId` and `wechatpay:publicKey` to the WeChat Pay public key (PUB_KEY_ID_…) or " +
                "platform certificate this merchant uses"
            );
        default:
            return (
                `the signature does not verify with the key configured for serial ${named}; check that ` +
                "`wechatpay:publicKey` is the key belonging to `wechatpay:publicKeyId`"
            );
    }
}

/** The request did not get an HTTP answer: connection refused or reset, DNS failure, or timeout. */
export class WechatpayNetworkError extends WechatpayError {
    override readonly name = "WechatpayNetworkError";
    /** The system or axios code, e.g. `ECONNREFUSED`, `ETIMEDOUT`. */
    readonly code: string;
    override readonly method: string;
    override readonly path: string;
    /** What each request got, in order (retries and failover included). */
    readonly attempts: readonly string[];

    constructor(
        init: RequestTarget & { code: string; detail: string; hint?: string | undefined; attempts?: readonly string[] },
    ) {
        super(
            `No answer from WeChat Pay to ${init.method} ${init.path}: ${init.detail}${attemptsSuffix(init.attempts)}` +
                (init.hint ? `. ${init.hint}` : ""),
        );
        this.code = init.code;
        this.method = init.method;
        this.path = init.path;
        this.attempts = init.attempts ?? [init.code];
    }
}

/** The provider cannot do what was asked (e.g. a PATCH that WeChat Pay did not confirm). */
export class WechatpayStateError extends WechatpayError {
    override readonly name: string = "WechatpayStateError";
}

/** Why a reply is not an answer this package can act on. */
export type ResponseProblem =
    /** A 404 without a WeChat Pay signature that verifies: a proxy, a gateway or another host answered. */
    | "UNSIGNED_404"
    /** A 3xx: WeChat Pay never redirects, so the redirect was not followed. */
    | "REDIRECT"
    /** The body went past {@link MAX_REPLY_BYTES}; the rest was not read. */
    | "REPLY_TOO_LARGE"
    /** A signed 2xx whose body is not the JSON object this API answers with. */
    | "MALFORMED_REPLY"
    /** A signed 2xx about another merchant than the one that signed the request. */
    | "OTHER_MERCHANT"
    /** A write was accepted (2xx) without showing the URL, and the read-back that should confirm it failed. */
    | "UNCONFIRMED"
    /** A signed 2xx (a PATCH's reply, or the read-back after it) that shows another URL than the one sent. */
    | "OTHER_URL"
    /** A reply whose WeChat Pay nonce this process has seen before: a replay of an earlier reply. */
    | "REPLAYED"
    /** WeChat Pay answered a write with success, but a signed read right after shows it did not take effect. */
    | "NOT_APPLIED"
    /** A reply that says no URL is set, without a WeChat Pay signature: not WeChat Pay's answer. */
    | "UNSIGNED_NONE";

/** Replies over this many bytes are refused: WeChat Pay's answers here are well under 1 KB. */
export const MAX_REPLY_BYTES = 64 * 1024;

/**
 * A reply came, but it is not an answer to act on (see {@link ResponseProblem}). The message says what was
 * received: status, content type, whether WeChat Pay signed it, a short excerpt of the body and the Request-ID.
 */
export class WechatpayResponseError extends WechatpayError {
    override readonly name = "WechatpayResponseError";
    readonly code: ResponseProblem;
    override readonly method: string;
    override readonly path: string;
    /** HTTP status received; undefined when the reply was cut off before it was read whole. */
    readonly status: number | undefined;
    readonly requestId: string | undefined;

    constructor(init: RequestTarget & { code: ResponseProblem; reason: string; received?: Received | undefined }) {
        const received = init.received ? ` Received: ${describeReceived(init.received)}` : "";
        super(`WeChat Pay's reply to ${init.method} ${init.path} was not used: ${init.reason}.${received}`);
        this.code = init.code;
        this.method = init.method;
        this.path = init.path;
        const r = init.received;
        this.status = r?.kind === "http" ? r.status : undefined;
        this.requestId = r?.kind === "http" ? r.requestId : undefined;
    }
}

const hasName = (e: unknown, name: string): boolean =>
    typeof e === "object" && e !== null && (e as { name?: unknown }).name === name;

const ERROR_NAMES = new Set([
    "WechatpayApiError",
    "WechatpayVerificationError",
    "WechatpayNetworkError",
    "WechatpayResponseError",
    "WechatpayStateError",
]);

/** True for any error of this package ({@link WechatpayError} and its subclasses), from any copy of it. */
export const isWechatpayError = (e: unknown): e is WechatpayError =>
    typeof e === "object" && e !== null && ERROR_NAMES.has(String((e as { name?: unknown }).name));
/** True for a {@link WechatpayApiError}, from any copy of this package. */
export const isWechatpayApiError = (e: unknown): e is WechatpayApiError => hasName(e, "WechatpayApiError");
/** True for a {@link WechatpayVerificationError}, from any copy of this package. */
export const isWechatpayVerificationError = (e: unknown): e is WechatpayVerificationError =>
    hasName(e, "WechatpayVerificationError");
/** True for a {@link WechatpayNetworkError}, from any copy of this package. */
export const isWechatpayNetworkError = (e: unknown): e is WechatpayNetworkError => hasName(e, "WechatpayNetworkError");
/** True for a {@link WechatpayResponseError}, from any copy of this package. */
export const isWechatpayResponseError = (e: unknown): e is WechatpayResponseError =>
    hasName(e, "WechatpayResponseError");
/** True for a {@link WechatpayStateError}, from any copy of this package. */
export const isWechatpayStateError = (e: unknown): e is WechatpayStateError => hasName(e, "WechatpayStateError");

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

/** `404 text/html, not signed by WeChat Pay, "<html>…" (Request-ID 0A1B…)` */
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
            return new WechatpayResponseError({
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
        return new WechatpayResponseError({
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
        return new WechatpayResponseError({
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
