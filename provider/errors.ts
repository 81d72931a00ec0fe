/**
 * Errors the provider raises, and their guards. Guards compare `name`, not `instanceof`: the provider Pulumi runs is a
 * serialized copy loaded in another process, so the class a test or a program holds is not the same object. Reading a
 * reply into one of these is reply.ts's job.
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

/** What a person should do about a WeChat Pay error code, where the API's own hints say nothing. */
function apiHint(status: number, code: string): string | undefined {
    switch (code) {
        case "NO_AUTH":
            return "WeChat Pay says this merchant may not use this API: enable the product in the WeChat Pay merchant platform (pay.weixin.qq.com)";
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
    /** The body went past the size cap (64 KiB); the rest was not read. */
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

/** What a {@link WechatpayResponseError} tells of the reply it did not use (see `summaryOf` in reply.ts). */
export interface ReceivedSummary {
    /** `404 text/html, not signed by WeChat Pay, "<html>…" (Request-ID 0A1B…)` */
    readonly description: string;
    /** HTTP status; undefined when the reply was cut off before it was read whole. */
    readonly status?: number | undefined;
    readonly requestId?: string | undefined;
}

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

    constructor(
        init: RequestTarget & { code: ResponseProblem; reason: string; received?: ReceivedSummary | undefined },
    ) {
        const received = init.received ? ` Received: ${init.received.description}` : "";
        super(`WeChat Pay's reply to ${init.method} ${init.path} was not used: ${init.reason}.${received}`);
        this.code = init.code;
        this.method = init.method;
        this.path = init.path;
        this.status = init.received?.status;
        this.requestId = init.received?.requestId;
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
