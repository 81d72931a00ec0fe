import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { AxiosInstance, AxiosResponse } from "axios";
import type { ResolvedConfig } from "./config";
import { type NotifyEndpoint, shownPath } from "./endpoint";
import { MEMBERCARD_CALLBACK } from "./endpoints";
import {
    errorFrom,
    headerOf,
    MAX_REPLY_BYTES,
    NONE_CODES,
    parseBody,
    type Received,
    type RequestTarget,
    readFailure,
    readReply,
    WechatpayResponseError,
    WechatpayStateError,
} from "./errors";
import {
    type AttemptOutcome,
    backoffDelay,
    describeOutcome,
    isNetworkFailure,
    isTransient,
    mayHaveApplied,
    outcomeOf,
} from "./retry";

/** The live notify-URL setting of one merchant at one API. */
export interface CallbackSetting {
    mchid: string;
    /** undefined when none was ever set (or it was cleared). */
    notifyUrl: string | undefined;
    /** After a refused create: the URL someone set in the meantime, which the update then replaced. */
    replaced?: string;
}

/** Options of one call: when the whole lifecycle step must be over. */
export interface CallOptions {
    /** Epoch milliseconds after which no new request is sent. */
    deadlineAt?: number;
}

/** What the lifecycle needs from one notify-URL API of WeChat Pay (see {@link NotifyEndpoint}). */
export interface NotifySettingClient {
    /** The API's GET; `notifyUrl: undefined` only when {@link meansNoneSet} says so. */
    getCallback(options?: CallOptions): Promise<CallbackSetting>;
    /**
     * Sets `notifyUrl` with the API's update method, or its create method when `exists` is false; resolves only when
     * WeChat Pay confirmed `notifyUrl`.
     */
    setCallback(notifyUrl: string, options?: CallOptions, exists?: boolean): Promise<CallbackSetting>;
    /** The API's DELETE (only for an endpoint that has `remove`); resolves when the setting is gone. */
    deleteCallback(options?: CallOptions): Promise<void>;
}

/** The member-card client's former name. */
export type MembercardCallbackClient = NotifySettingClient;

/** The wire shape, snake_case as WeChat Pay spells it (`url` for complaint notifications). */
type WireSetting = Record<string, unknown>;

/** The parts of a reply the client reads. */
interface Reply {
    status: number;
    data?: unknown;
    headers?: unknown;
}

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

const isObject = (data: unknown): data is Record<string, unknown> =>
    typeof data === "object" && data !== null && !Array.isArray(data) && !Buffer.isBuffer(data);

/**
 * The one place that decides "no notify URL is set", from a reply that already passed the SDK's signature check (the
 * client has the SDK verify every reply, whatever its status, so an unsigned or forged reply never gets here: it is
 * an error that says what was received). WeChat Pay signs its reply to every request whose signature it verified
 * ("对于签名验证成功的请求，微信支付API v3会使用微信支付的平台私钥对应答进行签名",
 * https://pay.weixin.qq.com/wiki/doc/apiv3_partner/wechatpay/wechatpay3_3.shtml), so a verified reply is WeChat Pay's
 * own answer to this merchant's request.
 *
 * What each GET answers when none is set is documented for complaints (400 `RESOURCE_NOT_EXISTS`) and violations
 * (404 `NOT_FOUND`), and undocumented for the member card and merchant coupons
 * (https://pay.weixin.qq.com/docs/merchant/apis/membership-card/member-call-back/get-notify-url.html lists only
 * `200 {notify_url, mchid}`). Reading a signed "none" as an error makes a first `pulumi up` fail on a merchant that
 * never set a URL, and nothing else can be meant by such a reply, so every signed reply for this merchant that plainly
 * carries no URL means none: a 404 or 400 whose code is `RESOURCE_NOT_EXISTS` or `NOT_FOUND`, or a 2xx JSON object
 * with no other field, whose URL field is missing, `null` or `""` and whose `mchid` is this merchant's (violations' replies carry no
 * `mchid`: there the signature alone says whose it is). Anything else (another code, another merchant, a body that is
 * not a JSON object) is an error, never "none".
 */
export function meansNoneSet(
    reply: Reply,
    endpoint: NotifyEndpoint = MEMBERCARD_CALLBACK,
    mchid: string | undefined = undefined,
): boolean {
    if (reply.status === 400 || reply.status === 404) {
        const { code } = parseBody(reply.data);
        return code !== undefined && NONE_CODES.has(code);
    }
    if (!isSuccess(reply.status) || !isObject(reply.data)) {
        return false;
    }
    const owner = reply.data.mchid;
    const value = reply.data[endpoint.wireField];
    const ours = owner === undefined ? endpoint.replyWithoutMchid === true : owner === mchid;
    // Nothing but the merchant and an empty URL: a body with other fields (a URL under another name, say) is not
    // plainly "none".
    const plain = Object.keys(reply.data).every((key) => key === "mchid" || key === endpoint.wireField);
    return ours && plain && (value === undefined || value === null || value === "");
}

/**
 * Reads a verified 2xx body. A body that is not a JSON object, a URL field that is not a non-empty string, or a
 * `mchid` other than the signing merchant is an error, never "unset". For a write, a reply without a body or
 * without the URL field gives undefined (the caller confirms with a read).
 */
function fromWire(
    reply: Reply,
    mchid: string,
    target: RequestTarget,
    field: NotifyEndpoint["wireField"],
): CallbackSetting | undefined {
    const bad = (code: "MALFORMED_REPLY" | "OTHER_MERCHANT", reason: string) =>
        new WechatpayResponseError({ ...target, code, reason, received: readReply(reply) });
    const { data } = reply;
    const write = target.method !== "GET";
    if (write && (data === undefined || data === "")) {
        return undefined;
    }
    if (typeof data !== "object" || data === null || Array.isArray(data) || Buffer.isBuffer(data)) {
        throw bad("MALFORMED_REPLY", "it is signed, but its body is not the JSON object this API answers with");
    }
    const wire = data as WireSetting;
    if (wire.mchid !== undefined && wire.mchid !== mchid) {
        throw bad(
            "OTHER_MERCHANT",
            `it is about merchant ${JSON.stringify(wire.mchid)}, but the request was signed as merchant ${mchid}`,
        );
    }
    const value = wire[field];
    if (value === undefined && write) {
        return undefined;
    }
    if (typeof value !== "string" || value === "") {
        const what =
            value === undefined
                ? "missing"
                : value === "" || value === null
                  ? String(JSON.stringify(value))
                  : `a ${typeof value}`;
        throw bad("MALFORMED_REPLY", `its ${field} is ${what}, not a URL`);
    }
    return { mchid, notifyUrl: value };
}

/**
 * A signed 2xx that shows another URL than the one sent. WeChat Pay does not document normalising the URL (the API
 * pages say only string(256) or string(255), https, no query), so URLs are compared exactly: what it shows is what
 * was sent, or the write is not confirmed.
 */
function otherUrl(
    target: RequestTarget,
    field: string,
    sent: string,
    shown: string | undefined,
    reply: Reply,
): WechatpayResponseError {
    return new WechatpayResponseError({
        ...target,
        code: "OTHER_URL",
        reason: `it shows ${field} ${JSON.stringify(shown ?? null)}, not the ${JSON.stringify(sent)} sent`,
        received: readReply(reply),
    });
}

/** The SDK's own User-Agent, with ours in front so WeChat Pay's logs show who called. */
function userAgent(sdkDefault: unknown): string {
    // package.json sits next to dist/ in the installed package and next to provider/ in the repo.
    const { version } = require("../package.json") as { version: string };
    return `pulumi-wechatpay/${version} ${typeof sdkDefault === "string" ? sdkDefault : ""}`.trim();
}

/** Keep-alive connection pools, shared by the clients of every merchant in one provider host. */
export interface ConnectionPools {
    readonly httpAgent: HttpAgent;
    readonly httpsAgent: HttpsAgent;
}

/**
 * At most this many connections per host: Pulumi runs 4 × CPU steps at once, and a burst of new connections costs a
 * TLS handshake each and invites FREQUENCY_LIMITED.
 */
const MAX_SOCKETS = 16;

/** New keep-alive pools; create one per provider host and pass it to every {@link createClient}. */
export function createConnectionPools(): ConnectionPools {
    // axios's http adapter calls `socket.setKeepAlive(true, 60_000)` on every request (lib/adapters/http.js), and the
    // agent resets it to `keepAliveMsecs` (default 1 s) when the socket goes back to the pool: with the same 60 s,
    // Node sees no change and makes no setsockopt calls per request.
    const options = { keepAlive: true, keepAliveMsecs: 60_000, maxSockets: MAX_SOCKETS };
    return { httpAgent: new HttpAgent(options), httpsAgent: new HttpsAgent(options) };
}

/** Creates the member-card client for one merchant (see {@link createNotifyClient}). */
export function createClient(
    config: ResolvedConfig,
    pools: ConnectionPools = createConnectionPools(),
): NotifySettingClient {
    return createNotifyClient(MEMBERCARD_CALLBACK, config, pools);
}

/**
 * Creates the client for one merchant's setting at `endpoint`. It loads the SDK only when called (the provider host,
 * not the Pulumi program) and holds the parsed keys inside the SDK's axios instance; `pools` are the shared
 * connections.
 */
export function createNotifyClient(
    endpoint: NotifyEndpoint,
    config: ResolvedConfig,
    pools: ConnectionPools = createConnectionPools(),
): NotifySettingClient {
    // Loaded here so that importing this module (and serializing the provider) does not load axios or the SDK.
    const { Decorator } = require("wechatpay-axios-plugin") as typeof import("wechatpay-axios-plugin");
    const headers: Record<string, string> = {
        Accept: "application/json",
        "Content-Type": "application/json",
        "User-Agent": userAgent(Decorator.defaults.headers["User-Agent"]),
    };
    if (config.publicKeyMode) {
        // Asks WeChat Pay to sign its reply with the public key rather than the platform certificate; the SDK
        // does not send this header itself.
        headers["Wechatpay-Serial"] = config.publicKeyId;
    }
    const sdkConfig = {
        mchid: config.mchid,
        serial: config.serial,
        privateKey: config.privateKey,
        certs: { ...config.publicKeys },
        baseURL: config.baseUrl,
        headers,
        httpAgent: pools.httpAgent,
        httpsAgent: pools.httpsAgent,
        // Every status reaches the SDK's verifier, which checks only replies that `validateStatus` admits
        // (lib/decorator.js responseVerifier): a signed 4xx ("none set", NO_AUTH) is then known to be WeChat Pay's,
        // and a signature that does not verify is reported as such whatever the status. 2xx includes 204: WeChat
        // Pay signs it over an empty body ("若应答报文主体为空(如 HTTP 状态码为 204 No Content),最后一行仅为一个 \\n",
        // https://pay.weixin.qq.com/docs/merchant/development/interface-rules/build-verify-sign-src.html).
        validateStatus: () => true,
        // WeChat Pay never redirects. 0 also makes axios use Node's own http(s) rather than follow-redirects.
        maxRedirects: 0,
        // Refuses a longer body as it streams in (axios destroys the response stream past the cap).
        maxContentLength: MAX_REPLY_BYTES,
    };
    // jsonBased's declared parameter type omits the axios options it merges in (baseURL, headers, agents).
    const http: AxiosInstance = Decorator.jsonBased(sdkConfig as Parameters<typeof Decorator.jsonBased>[0]);

    const path = shownPath(endpoint);
    const target = (method: string): RequestTarget => ({ method, path, hints: endpoint.hints });
    const GET = target("GET");
    // The GET of an API that takes the merchant in the query: always send it (documented as optional, defaulting to
    // the caller; harmless and explicit, https://pay.weixin.qq.com/doc/v3/merchant/4012465507).
    const readUrl = endpoint.readQuery ? `${endpoint.path}?mchid=${encodeURIComponent(config.mchid)}` : endpoint.path;
    const toWire = (notifyUrl: string): WireSetting => ({
        ...(endpoint.bodyMchid ? { mchid: config.mchid } : {}),
        [endpoint.wireField]: notifyUrl,
    });

    const send = (method: string, data: WireSetting | undefined, deadlineAt: number | undefined) =>
        sendWithRetries(http, config, target(method), method === "GET" ? readUrl : endpoint.path, data, deadlineAt);

    /** A verified GET reply read: the setting, "none set", or the error it is. */
    const readSetting = (res: Reply): CallbackSetting => {
        if (
            isSuccess(res.status) &&
            isObject(res.data) &&
            res.data.mchid !== undefined &&
            res.data.mchid !== config.mchid
        ) {
            // Another merchant's reply is an error before it is anything else, "none" included.
            throw new WechatpayResponseError({
                ...GET,
                code: "OTHER_MERCHANT",
                reason: `it is about merchant ${JSON.stringify(res.data.mchid)}, but the request was signed as merchant ${config.mchid}`,
                received: readReply(res),
            });
        }
        if (meansNoneSet(res, endpoint, config.mchid)) {
            return { mchid: config.mchid, notifyUrl: undefined };
        }
        if (!isSuccess(res.status)) {
            throw errorFrom(readReply(res), GET);
        }
        const setting = fromWire(res, config.mchid, GET, endpoint.wireField);
        if (setting === undefined) {
            throw new WechatpayStateError("unreachable: a GET reply has a URL or is refused");
        }
        return setting;
    };

    const getCallback = async (options: CallOptions = {}): Promise<CallbackSetting> =>
        readSetting(await send("GET", undefined, options.deadlineAt));

    /**
     * The signed read that settles a write whose outcome is unknown. It may send one attempt after the step's deadline:
     * deciding from a read is always better than guessing, and a read changes nothing.
     */
    const confirmingRead = (options: CallOptions): Promise<CallbackSetting | undefined> =>
        getCallback({ deadlineAt: Math.max(options.deadlineAt ?? 0, Date.now() + config.timeoutMs) }).catch(
            () => undefined,
        );

    /** One write with `method`: the setting its reply shows (undefined: confirm with a read), or the error. */
    const write = async (
        method: string,
        notifyUrl: string,
        options: CallOptions,
    ): Promise<CallbackSetting | undefined> => {
        const to = target(method);
        const res = await send(method, toWire(notifyUrl), options.deadlineAt);
        if (!isSuccess(res.status)) {
            throw errorFrom(readReply(res), to);
        }
        const confirmed = fromWire(res, config.mchid, to, endpoint.wireField);
        if (confirmed !== undefined && confirmed.notifyUrl !== notifyUrl) {
            throw Object.assign(otherUrl(to, endpoint.wireField, notifyUrl, confirmed.notifyUrl, res), {
                uncertain: true,
            });
        }
        return confirmed;
    };

    const setCallback = async (
        notifyUrl: string,
        options: CallOptions = {},
        exists = true,
    ): Promise<CallbackSetting> => {
        const method = exists ? endpoint.update : endpoint.create;
        let confirmed: CallbackSetting | undefined;
        try {
            // Repeating a write of the same URL is safe: it sets the same value again, so retries may resend it. A
            // create repeated after it landed may be refused; the read below then decides.
            confirmed = await write(method, notifyUrl, options);
        } catch (e) {
            const refused = isApiError4xx(e) && !isUncertain(e);
            const refusedCreate = refused && method !== endpoint.update;
            const refusedUpdate = refused && method === endpoint.update && endpoint.update !== endpoint.create;
            if (!isUncertain(e) && !refusedCreate && !refusedUpdate) {
                throw e;
            }
            // The write may have happened (no trustworthy answer), or was refused in a way a read explains: a signed
            // read decides. What a create answers when one is set, or an update when none is, is undocumented for
            // the APIs that have both: the read shows which method applies.
            const live = await confirmingRead(options);
            if (live?.notifyUrl === notifyUrl) {
                return live;
            }
            if (refusedUpdate && live !== undefined && live.notifyUrl === undefined) {
                // The setting disappeared since (or never landed): WeChat Pay says none is set, so create it.
                return setCallback(notifyUrl, options, false);
            }
            if (refusedCreate && live !== undefined && live.notifyUrl !== undefined) {
                const replaced = live.notifyUrl;
                try {
                    const updated = await setCallback(notifyUrl, options, true);
                    return { ...updated, replaced };
                } catch (err) {
                    // An uncertain update may still replace that URL: the caller must know which one to put back.
                    throw withReplaced(err, replaced);
                }
            }
            throw settled(e, live, endpoint);
        }
        if (confirmed !== undefined) {
            return confirmed;
        }
        // 204 or a body without the URL: confirm with a verified read rather than assume.
        const live = await confirmingRead(options);
        if (live?.notifyUrl === notifyUrl) {
            return live;
        }
        // WeChat Pay accepted the write, so it may well be live whatever this read says: the failure is uncertain
        // (create keeps the resource with the URL it replaced), never a plain error that would drop the record.
        const error = new WechatpayResponseError({
            ...target(method),
            code: "UNCONFIRMED",
            reason:
                live === undefined
                    ? "WeChat Pay accepted it without showing the URL, and the read-back to confirm it failed"
                    : `WeChat Pay accepted it without showing the URL, and the read-back to confirm it shows ${live.notifyUrl ?? "none"}`,
        });
        error.uncertain = true;
        throw error;
    };

    const deleteCallback = async (options: CallOptions = {}): Promise<void> => {
        if (endpoint.remove === undefined) {
            throw new WechatpayStateError(`${endpoint.name} has no DELETE: WeChat Pay cannot clear this setting`);
        }
        const to = target(endpoint.remove);
        let failure: unknown;
        let answeredSuccess = false;
        try {
            const res = await send(endpoint.remove, undefined, options.deadlineAt);
            answeredSuccess = isSuccess(res.status);
            if (!answeredSuccess && !meansNoneSet(res, endpoint, config.mchid)) {
                failure = errorFrom(readReply(res), to);
            }
        } catch (e) {
            failure = e;
        }
        if (failure !== undefined && !isUncertain(failure)) {
            // WeChat Pay refused it (signed), and no earlier attempt may have landed: nothing changed.
            throw failure;
        }
        // Every other outcome is confirmed by a signed read: a DELETE whose answer was lost and whose retry heard
        // "none set", a success reply (which might be a replay of an earlier one), or no answer at all.
        const live = await confirmingRead(options);
        if (live !== undefined && live.notifyUrl === undefined) {
            return;
        }
        if (failure !== undefined) {
            throw settled(failure, live, endpoint);
        }
        const error = new WechatpayResponseError({
            ...to,
            code: "NOT_APPLIED",
            reason:
                live === undefined
                    ? `WeChat Pay answered ${answeredSuccess ? "with success" : "that none is set"}, but the signed read to confirm it failed`
                    : `WeChat Pay answered ${answeredSuccess ? "with success" : "that none is set"}, but a signed read right after still shows ${live.notifyUrl}`,
        });
        error.uncertain = true;
        throw error;
    };

    return { getCallback, setCallback, deleteCallback };
}

const isApiError4xx = (e: unknown): boolean => {
    const err = e as { name?: unknown; status?: unknown };
    return err.name === "WechatpayApiError" && typeof err.status === "number" && err.status >= 400 && err.status < 500;
};

/**
 * The error of a write whose outcome was unknown, after the signed read that tried to settle it: still uncertain (the
 * write may land later), and saying what the read showed.
 */
function settled(e: unknown, live: CallbackSetting | undefined, endpoint: NotifyEndpoint): unknown {
    if (typeof e !== "object" || e === null) {
        return e;
    }
    const err = e as { message?: unknown; uncertain?: boolean; observed?: CallbackSetting };
    if (live !== undefined) {
        // What the signed read showed, for the caller's record (an earlier unconfirmed URL may be the live one).
        err.observed = live;
    }
    if (err.uncertain === true && typeof err.message === "string") {
        err.message = sentences(
            err.message,
            live === undefined
                ? "The signed read to confirm the outcome failed too: WeChat Pay may or may not have applied it"
                : `A signed read right after shows the ${endpoint.setting} is ${live.notifyUrl ?? "not set"} (not applied so far; it may still land)`,
        );
    }
    return e;
}

/** Two sentences as one message, with one full stop between them. */
export const sentences = (first: string, second: string): string => `${first.replace(/\.+$/, "")}. ${second}`;

/** The setting a signed read showed after a write whose outcome stayed unknown, if that read succeeded. */
export function observedAfter(e: unknown): CallbackSetting | undefined {
    const observed = (e as { observed?: unknown } | undefined)?.observed;
    return typeof observed === "object" && observed !== null ? (observed as CallbackSetting) : undefined;
}

/** The URL a failed write may have replaced (someone else's, set between our read and our create), if known. */
export function replacedBy(e: unknown): string | undefined {
    const replaced = (e as { replaced?: unknown } | undefined)?.replaced;
    return typeof replaced === "string" ? replaced : undefined;
}

const withReplaced = (e: unknown, replaced: string): unknown =>
    typeof e === "object" && e !== null ? Object.assign(e, { replaced }) : e;

/**
 * True when a write (PATCH, POST, PUT, DELETE) may have been applied although it did not succeed: marked so by the
 * client (an attempt got no answer after it may have left, a 5xx, a reply that could not be verified or used), or an
 * unverifiable or unusable reply.
 */
export function isUncertain(e: unknown): boolean {
    const err = e as { name?: unknown; status?: unknown; uncertain?: unknown };
    if (err.uncertain === true) {
        return true;
    }
    if (err.name === "WechatpayVerificationError" || err.name === "WechatpayNetworkError") {
        return true;
    }
    return (
        err.name === "WechatpayResponseError" &&
        (err.status === undefined || (typeof err.status === "number" && err.status >= 200 && err.status < 300))
    );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long a reply nonce is remembered: WeChat Pay's replies are valid for 5 minutes, plus clock skew. */
const NONCE_MEMORY_MS = 6 * 60 * 1000;

/**
 * Reply nonces seen by this process (every client of every provider instance in it), with when they expire. The SDK
 * checks the signature and the timestamp's 5-minute window but keeps no nonces, so a reply replayed within the window
 * (by a machine in the middle) would verify; WeChat Pay makes a fresh nonce per reply, so one seen twice is a replay.
 * Kept on `globalThis` so that every copy of this module in the provider host shares it.
 */
const seenNonces: Map<string, number> = (() => {
    const key = Symbol.for("pulumi-wechatpay.replyNonces");
    const store = globalThis as { [key]?: Map<string, number> };
    store[key] ??= new Map();
    return store[key];
})();

/** True when `nonce` was seen before (a replay); otherwise remembers it. */
function replayed(nonce: string | undefined, now = Date.now()): boolean {
    if (nonce === undefined) {
        return false;
    }
    if (seenNonces.size > 10_000) {
        for (const [seen, expires] of seenNonces) {
            if (expires < now) {
                seenNonces.delete(seen);
            }
        }
    }
    const expires = seenNonces.get(nonce);
    if (expires !== undefined && expires >= now) {
        return true;
    }
    seenNonces.set(nonce, now + NONCE_MEMORY_MS);
    return false;
}

/**
 * One logical request: transient failures are retried with backoff, and a request to the primary domain that got
 * no answer at all goes once to the backup domain (as WeChat Pay's Java SDK does; the host is not signed). Nothing
 * new is sent after `deadlineAt`. Resolves with a verified reply (2xx, or a 4xx for the caller to read); throws for
 * everything else, listing what every attempt got, and marks the error `uncertain` when the request is a write and
 * an attempt may have been applied.
 */
async function sendWithRetries(
    http: AxiosInstance,
    config: ResolvedConfig,
    target: RequestTarget,
    url: string,
    data: WireSetting | undefined,
    deadlineAt = Date.now() + config.deadlineMs,
): Promise<AxiosResponse> {
    const write = target.method !== "GET";
    const attempts: string[] = [];
    let uncertain = false;
    let last: Received | undefined;
    const fail = (received: Received): Error => {
        const error = errorFrom(received, target, attempts);
        if (write && uncertain) {
            Object.assign(error, { uncertain: true });
        }
        return error;
    };
    for (let retries = 0; ; ) {
        let sent = false;
        let outcome: AttemptOutcome = { kind: "other" };
        for (const baseURL of [config.baseUrl, config.backupBaseUrl]) {
            if (baseURL === undefined) {
                continue;
            }
            const remaining = deadlineAt - Date.now();
            if (remaining <= 0) {
                break;
            }
            sent = true;
            // One timer bounds the whole attempt, body included: axios's `timeout` is a socket idle timer, which a
            // server trickling its body never trips.
            const budget = Math.min(config.timeoutMs, remaining);
            const controller = new AbortController();
            let timedOut = false;
            const timer = setTimeout(() => {
                timedOut = true;
                controller.abort();
            }, budget);
            try {
                const res = await http.request({
                    method: target.method,
                    url,
                    baseURL,
                    data,
                    signal: controller.signal,
                });
                const reply = readReply(res);
                last = reply;
                if (replayed(headerOf(res.headers, "Wechatpay-Nonce"))) {
                    uncertain = true;
                    throw Object.assign(
                        new WechatpayResponseError({
                            ...target,
                            code: "REPLAYED",
                            reason:
                                "its WeChat Pay nonce was seen before in this deployment: it is a replay of an earlier " +
                                "reply (a machine between here and WeChat Pay resent it); check any proxy in between",
                            received: reply,
                        }),
                        { uncertain: write },
                    );
                }
                outcome = outcomeOf(reply);
                if (!isTransient(outcome)) {
                    return res;
                }
                uncertain ||= mayHaveApplied(reply);
                attempts.push(describeOutcome(outcome));
                break;
            } catch (err) {
                if ((err as { code?: unknown }).code === "REPLAYED") {
                    throw err;
                }
                last = readFailure(err, timedOut ? budget : undefined);
                uncertain ||= mayHaveApplied(last);
                outcome = outcomeOf(last);
                attempts.push(
                    baseURL === config.baseUrl ? describeOutcome(outcome) : `${describeOutcome(outcome)} (backup)`,
                );
                if (!isNetworkFailure(outcome)) {
                    break;
                }
            } finally {
                clearTimeout(timer);
            }
        }
        if (!sent && last === undefined) {
            throw new WechatpayStateError(
                `${target.method} ${target.path} was not sent: the step's deadline (\`wechatpay:deadlineMs\`, ${config.deadlineMs} ms) had passed`,
            );
        }
        if (last === undefined) {
            throw new WechatpayStateError("unreachable: an attempt was sent and left no outcome");
        }
        retries += 1;
        const wait = backoffDelay(retries, outcome);
        // The deadline passing during a backoff ends the loop with what the attempts got (an earlier one may have
        // been applied: the error says so), never with "not sent".
        if (!sent || !isTransient(outcome) || retries > config.maxRetries || Date.now() + wait >= deadlineAt) {
            throw fail(last);
        }
        await sleep(wait);
    }
}
