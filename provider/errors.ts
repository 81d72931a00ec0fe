/**
 * Errors the provider raises. Guards compare `name`, not `instanceof`: the provider Pulumi runs is a serialized copy
 * loaded in another process, so the class a test or a program holds is not the same object.
 */

/** Where a request went, for messages: `PATCH /v3/marketing/membercard-open/callback`. */
export interface RequestTarget {
    method: string;
    path: string;
}

/** WeChat Pay answered with a non-2xx status (a business or authentication error). */
export class WechatpayApiError extends Error {
    override readonly name = "WechatpayApiError";
    /** HTTP status, e.g. 403. */
    readonly status: number;
    /** WeChat Pay's error code, e.g. `NO_AUTH`; `HTTP_<status>` when the body had none. */
    readonly code: string;
    /** WeChat Pay's own message, as sent. */
    readonly apiMessage: string;
    readonly method: string;
    readonly path: string;
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
        const hint = apiHint(init.status, init.code);
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
export class WechatpayVerificationError extends Error {
    override readonly name = "WechatpayVerificationError";
    /** The SDK's code, e.g. `EV3_RES_HEADER_SIGNATURE_DIGEST`. */
    readonly code: string;
    readonly method: string;
    readonly path: string;
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
export class WechatpayNetworkError extends Error {
    override readonly name = "WechatpayNetworkError";
    /** The system or axios code, e.g. `ECONNREFUSED`, `ETIMEDOUT`. */
    readonly code: string;
    readonly method: string;
    readonly path: string;
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
export class WechatpayStateError extends Error {
    override readonly name = "WechatpayStateError";
}

const hasName = (e: unknown, name: string): boolean =>
    typeof e === "object" && e !== null && (e as { name?: unknown }).name === name;

/** True for a {@link WechatpayApiError}, from any copy of this package. */
export const isWechatpayApiError = (e: unknown): e is WechatpayApiError => hasName(e, "WechatpayApiError");
/** True for a {@link WechatpayVerificationError}, from any copy of this package. */
export const isWechatpayVerificationError = (e: unknown): e is WechatpayVerificationError =>
    hasName(e, "WechatpayVerificationError");
/** True for a {@link WechatpayNetworkError}, from any copy of this package. */
export const isWechatpayNetworkError = (e: unknown): e is WechatpayNetworkError => hasName(e, "WechatpayNetworkError");

/** The fields of an axios error this package reads; kept narrow so nothing else (config, keys) is touched. */
interface AxiosLikeError {
    isAxiosError?: boolean;
    code?: string;
    message?: string;
    response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
}

const SDK_VERIFY_CODE = /^EV3_RES_/;

/**
 * Maps whatever the HTTP stack threw into one of this package's errors. It copies only status, codes, messages and
 * the request id: never the axios error itself, whose `config` holds the signing key object and signed headers.
 */
export function toProviderError(err: unknown, target: RequestTarget, attempts?: readonly string[]): Error {
    if (!(typeof err === "object" && err !== null)) {
        return new Error(`${target.method} ${target.path} failed: ${String(err)}`);
    }
    const e = err as AxiosLikeError;
    const headers = e.response?.headers ?? {};
    const header = (name: string): string | undefined => {
        const v = headers[name] ?? headers[name.toLowerCase()];
        return typeof v === "string" && v.length > 0 ? v : undefined;
    };
    const requestId = header("Request-ID");
    if (typeof e.code === "string" && SDK_VERIFY_CODE.test(e.code)) {
        const signature = header("Wechatpay-Signature");
        return new WechatpayVerificationError({
            ...target,
            code: e.code,
            serial: header("Wechatpay-Serial"),
            requestId,
            probe: signature?.startsWith("WECHATPAY/SIGNTEST/") ?? false,
        });
    }
    const status = e.response?.status;
    if (typeof status === "number") {
        const body = parseBody(e.response?.data);
        return new WechatpayApiError({
            ...target,
            status,
            code: body.code ?? `HTTP_${status}`,
            apiMessage: body.message ?? "(no message)",
            requestId,
            ...(attempts ? { attempts } : {}),
        });
    }
    if (e.isAxiosError) {
        const code = e.code ?? "ERR_NETWORK";
        return new WechatpayNetworkError({
            ...target,
            code,
            detail: networkDetail(code, e.message),
            hint: networkHint(code),
            ...(attempts ? { attempts } : {}),
        });
    }
    return err instanceof Error ? err : new Error(String(err));
}

/** WeChat Pay's `{code, message}` error body, from parsed JSON or raw text. */
export function parseBody(data: unknown): { code?: string; message?: string } {
    let value = data;
    if (typeof data === "string") {
        try {
            value = JSON.parse(data);
        } catch {
            return data ? { message: data.slice(0, 200) } : {};
        }
    }
    if (typeof value !== "object" || value === null) {
        return {};
    }
    const { code, message } = value as { code?: unknown; message?: unknown };
    return {
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
