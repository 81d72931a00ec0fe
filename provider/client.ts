import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { AxiosInstance, AxiosResponse } from "axios";
import type { ResolvedConfig } from "./config";
import { type NotifyEndpoint, type ReplyCode, shownPath } from "./endpoint";
import { MEMBERCARD_CALLBACK } from "./endpoints";
import {
    errorFrom,
    MAX_REPLY_BYTES,
    parseBody,
    type Received,
    type RequestTarget,
    readFailure,
    readReply,
    WechatpayResponseError,
    WechatpayStateError,
} from "./errors";
import { type AttemptOutcome, backoffDelay, describeOutcome, isNetworkFailure, isTransient, outcomeOf } from "./retry";

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

const matches = (reply: Reply, expected: ReplyCode | undefined): boolean =>
    expected !== undefined && reply.status === expected.status && parseBody(reply.data).code === expected.code;

/**
 * The one place that decides "no notify URL is set", from a GET reply that already passed the SDK's signature check
 * (the client admits the endpoint's unset status to that check, see `validateStatus` below, so an unsigned or forged
 * reply never gets here: it is an error that says what was received). Status and code must both be the endpoint's
 * documented (or, where undocumented, chosen) unset reply: the same code means other things elsewhere (WeChat Pay
 * answers `RESOURCE_NOT_EXISTS` when no platform certificate is available, for one), and a bare 404 from a proxy or an
 * unknown route is never "unset".
 *
 * Member card (the default): what GET answers when nothing was ever set is not documented: the API page lists only
 * `200 {notify_url, mchid}` and the common error codes
 * (https://pay.weixin.qq.com/docs/merchant/apis/membership-card/member-call-back/get-notify-url.html), and neither
 * WeChat Pay's developer community nor the official SDKs show this endpoint's "unset" reply. WeChat Pay does say it
 * signs its reply to every request whose signature it verified ("对于签名验证成功的请求，微信支付API v3会使用微信支付的
 * 平台私钥对应答进行签名", https://pay.weixin.qq.com/wiki/doc/apiv3_partner/wechatpay/wechatpay3_3.shtml), so
 * "demonstrably sent by WeChat Pay" means signed and verified. Concluding "unset" drops a resource from state and
 * skips a restore, so only the narrowest reply counts: a verified `404` whose JSON body has the code
 * `RESOURCE_NOT_EXISTS` (WeChat Pay's APIv3 code for a missing resource). A 404 with any other code (such as a route
 * WeChat Pay does not serve), a 200 with an empty or missing `notify_url`, or a 400 are errors.
 */
export function meansNoneSet(reply: Reply, endpoint: NotifyEndpoint = MEMBERCARD_CALLBACK): boolean {
    return matches(reply, endpoint.unset);
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
    // Non-2xx replies the SDK must verify because they can mean something other than failure: the endpoint's
    // "unset" GET reply (meansNoneSet) and its "already gone" DELETE reply. Everything else is an error that
    // errorFrom maps. 2xx includes 204: WeChat Pay signs it over an empty body ("若应答报文主体为空(如 HTTP 状态码为
    // 204 No Content),最后一行仅为一个 \n",
    // https://pay.weixin.qq.com/docs/merchant/development/interface-rules/build-verify-sign-src.html).
    const admitted = new Set([endpoint.unset.status, ...(endpoint.absent ? [endpoint.absent.status] : [])]);
    const sdkConfig = {
        mchid: config.mchid,
        serial: config.serial,
        privateKey: config.privateKey,
        certs: { ...config.publicKeys },
        baseURL: config.baseUrl,
        headers,
        httpAgent: pools.httpAgent,
        httpsAgent: pools.httpsAgent,
        validateStatus: (status: number) => isSuccess(status) || admitted.has(status),
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

    const send = (method: string, data: WireSetting | undefined, options: CallOptions) =>
        sendWithRetries(
            http,
            config,
            target(method),
            method === "GET" ? readUrl : endpoint.path,
            data,
            options.deadlineAt,
        );

    /** A GET reply read: the setting, "unset", or the error it is. */
    const readSetting = (res: Reply): CallbackSetting => {
        if (!isSuccess(res.status)) {
            if (meansNoneSet(res, endpoint)) {
                return { mchid: config.mchid, notifyUrl: undefined };
            }
            throw errorFrom(readReply(res), GET);
        }
        const setting = fromWire(res, config.mchid, GET, endpoint.wireField);
        if (setting === undefined) {
            throw new WechatpayStateError("unreachable: a GET reply has a URL or is refused");
        }
        return setting;
    };

    const getCallback = async (options: CallOptions = {}): Promise<CallbackSetting> =>
        readSetting(await send("GET", undefined, options));

    /** One write with `method`: its reply, and the setting it shows (undefined: confirm with a read). */
    const write = async (
        method: string,
        notifyUrl: string,
        options: CallOptions,
    ): Promise<{ res: AxiosResponse; confirmed: CallbackSetting | undefined }> => {
        const to = target(method);
        const res = await send(method, toWire(notifyUrl), options);
        if (!isSuccess(res.status)) {
            throw errorFrom(readReply(res), to);
        }
        const confirmed = fromWire(res, config.mchid, to, endpoint.wireField);
        if (confirmed !== undefined && confirmed.notifyUrl !== notifyUrl) {
            throw otherUrl(to, endpoint.wireField, notifyUrl, confirmed.notifyUrl, res);
        }
        return { res, confirmed };
    };

    const setCallback = async (
        notifyUrl: string,
        options: CallOptions = {},
        exists = true,
    ): Promise<CallbackSetting> => {
        const method = exists ? endpoint.update : endpoint.create;
        let confirmed: CallbackSetting | undefined;
        let accepted: AxiosResponse | undefined;
        try {
            // Repeating a write of the same URL is safe: it sets the same value again, so retries may resend it. A
            // create repeated after it landed may be refused; the read below then decides.
            const written = await write(method, notifyUrl, options);
            accepted = written.res;
            confirmed = written.confirmed;
        } catch (e) {
            const refusedCreate = method !== endpoint.update && isApiError4xx(e);
            if (!isUncertain(e) && !refusedCreate) {
                throw e;
            }
            // No trustworthy answer (an unverifiable or refused reply, or none at all), but the write may have
            // happened: a verified read decides. If that read fails too, or shows another URL, the error stands.
            // A refused create (what POST answers when one is already set is undocumented) is read the same way:
            // if a URL is set after all, the update method replaces it.
            const live = await getCallback(options).catch(() => undefined);
            if (live?.notifyUrl === notifyUrl) {
                return live;
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
            throw e;
        }
        if (confirmed !== undefined) {
            return confirmed;
        }
        // 204 or a body without the URL: confirm with a verified read rather than assume.
        try {
            const res = await send("GET", undefined, options);
            const live = readSetting(res);
            if (live.notifyUrl !== notifyUrl) {
                throw otherUrl(GET, endpoint.wireField, notifyUrl, live.notifyUrl, res);
            }
            return live;
        } catch (e) {
            // WeChat Pay accepted the write, so it may well be live whatever this read says: the failure is uncertain
            // (create keeps the resource with the URL it replaced), never a plain error that would drop the record.
            if (isUncertain(e) || accepted === undefined) {
                throw e;
            }
            const why = e instanceof Error ? e.message : String(e);
            throw new WechatpayResponseError({
                ...target(method),
                code: "UNCONFIRMED",
                reason: `WeChat Pay accepted it without showing the URL, and the read-back to confirm it failed (${why})`,
                received: readReply(accepted),
            });
        }
    };

    const deleteCallback = async (options: CallOptions = {}): Promise<void> => {
        if (endpoint.remove === undefined) {
            throw new WechatpayStateError(`${endpoint.name} has no DELETE: WeChat Pay cannot clear this setting`);
        }
        const to = target(endpoint.remove);
        try {
            const res = await send(endpoint.remove, undefined, options);
            if (isSuccess(res.status) || matches(res, endpoint.absent)) {
                return;
            }
            throw errorFrom(readReply(res), to);
        } catch (e) {
            if (!isUncertain(e)) {
                throw e;
            }
            // The DELETE may have landed: a verified read that shows nothing set confirms it.
            const live = await getCallback(options).catch(() => undefined);
            if (live !== undefined && live.notifyUrl === undefined) {
                return;
            }
            throw e;
        }
    };

    return { getCallback, setCallback, deleteCallback };
}

const isApiError4xx = (e: unknown): boolean => {
    const err = e as { name?: unknown; status?: unknown };
    return err.name === "WechatpayApiError" && typeof err.status === "number" && err.status >= 400 && err.status < 500;
};

/** The URL a failed write may have replaced (someone else's, set between our read and our create), if known. */
export function replacedBy(e: unknown): string | undefined {
    const replaced = (e as { replaced?: unknown } | undefined)?.replaced;
    return typeof replaced === "string" ? replaced : undefined;
}

const withReplaced = (e: unknown, replaced: string): unknown =>
    typeof e === "object" && e !== null ? Object.assign(e, { replaced }) : e;

/**
 * True when a write (PATCH, POST, PUT, DELETE) may have been applied although it did not succeed: its reply could not be verified or was
 * refused (a signed 2xx that cannot be used, or one cut off at the size cap), or it got no answer (the request may
 * have reached WeChat Pay before the connection failed).
 */
export function isUncertain(e: unknown): boolean {
    const err = e as { name?: unknown; status?: unknown };
    if (err.name === "WechatpayVerificationError" || err.name === "WechatpayNetworkError") {
        return true;
    }
    return (
        err.name === "WechatpayResponseError" &&
        (err.status === undefined || (typeof err.status === "number" && err.status >= 200 && err.status < 300))
    );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One logical request: transient failures are retried with backoff, and a request to the primary domain that got
 * no answer at all goes once to the backup domain (as WeChat Pay's Java SDK does; the host is not signed). Nothing
 * new is sent after `deadlineAt`. The error thrown at the end lists what every attempt got.
 */
async function sendWithRetries(
    http: AxiosInstance,
    config: ResolvedConfig,
    target: RequestTarget,
    url: string,
    data: WireSetting | undefined,
    deadlineAt = Date.now() + config.deadlineMs,
): Promise<AxiosResponse> {
    const attempts: string[] = [];
    let retries = 0;
    for (;;) {
        let last: Received | undefined;
        let outcome: AttemptOutcome = { kind: "other" };
        for (const baseURL of [config.baseUrl, config.backupBaseUrl]) {
            if (baseURL === undefined) {
                continue;
            }
            const remaining = deadlineAt - Date.now();
            if (remaining <= 0) {
                break;
            }
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
                return await http.request({
                    method: target.method,
                    url,
                    baseURL,
                    data,
                    signal: controller.signal,
                });
            } catch (err) {
                last = readFailure(err, timedOut ? budget : undefined);
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
        if (last === undefined) {
            throw new WechatpayStateError(
                `${target.method} ${target.path} was not sent: the step's deadline (\`wechatpay:deadlineMs\`, ${config.deadlineMs} ms) had passed`,
            );
        }
        retries += 1;
        const wait = backoffDelay(retries, outcome);
        if (!isTransient(outcome) || retries > config.maxRetries || Date.now() + wait >= deadlineAt) {
            throw errorFrom(last, target, attempts);
        }
        await sleep(wait);
    }
}
