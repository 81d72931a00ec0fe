import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { AxiosInstance, AxiosResponse } from "axios";
import type { ResolvedConfig } from "./config";
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

/** The API path, relative to the base URL (an origin: config refuses a base URL with a path). */
const CALLBACK_PATH = "v3/marketing/membercard-open/callback";
const TARGET_PATH = `/${CALLBACK_PATH}`;

/** The live member-card callback setting of one merchant. */
export interface CallbackSetting {
    mchid: string;
    /** undefined when none was ever set (or it was cleared). */
    notifyUrl: string | undefined;
}

/** Options of one call: when the whole lifecycle step must be over. */
export interface CallOptions {
    /** Epoch milliseconds after which no new request is sent. */
    deadlineAt?: number;
}

/** The two operations this package needs from WeChat Pay. */
export interface MembercardCallbackClient {
    /** `GET /v3/marketing/membercard-open/callback`; `notifyUrl: undefined` only when {@link meansNoneSet} says so. */
    getCallback(options?: CallOptions): Promise<CallbackSetting>;
    /** `PATCH /v3/marketing/membercard-open/callback`; resolves only when WeChat Pay confirmed `notifyUrl`. */
    setCallback(notifyUrl: string, options?: CallOptions): Promise<CallbackSetting>;
}

/** The wire shape, snake_case as WeChat Pay spells it. */
interface WireSetting {
    notify_url?: unknown;
    mchid?: unknown;
}

const toWire = (notifyUrl: string): WireSetting => ({ notify_url: notifyUrl });

const GET_TARGET: RequestTarget = { method: "GET", path: TARGET_PATH };
const PATCH_TARGET: RequestTarget = { method: "PATCH", path: TARGET_PATH };

/** The parts of a reply the client reads. */
interface Reply {
    status: number;
    data?: unknown;
    headers?: unknown;
}

/**
 * The one place that decides "no callback URL is set", from a GET reply that already passed the SDK's signature
 * check (the client admits 404 to that check, see `validateStatus` below, so an unsigned or forged 404 never gets
 * here: it is an error that says what was received).
 *
 * What GET answers when nothing was ever set is not documented: the API page lists only `200 {notify_url, mchid}`
 * and the common error codes (https://pay.weixin.qq.com/docs/merchant/apis/membership-card/member-call-back/get-notify-url.html),
 * and neither WeChat Pay's developer community nor the official SDKs show this endpoint's "unset" reply. WeChat Pay
 * does say it signs its reply to every request whose signature it verified ("对于签名验证成功的请求，微信支付API v3会
 * 使用微信支付的平台私钥对应答进行签名", https://pay.weixin.qq.com/wiki/doc/apiv3_partner/wechatpay/wechatpay3_3.shtml),
 * so "demonstrably sent by WeChat Pay" means signed and verified. Concluding "unset" drops a resource from state and
 * skips a restore, so only the narrowest reply counts: a verified `404` whose JSON body has the code
 * `RESOURCE_NOT_EXISTS` (WeChat Pay's APIv3 code for a missing resource). A 404 with any other code (such as a
 * route WeChat Pay does not serve), a 200 with an empty or missing `notify_url`, or a 400 are errors.
 */
export function meansNoneSet(reply: Reply): boolean {
    return reply.status === 404 && parseBody(reply.data).code === "RESOURCE_NOT_EXISTS";
}

/**
 * Reads a verified 2xx body. A body that is not a JSON object, a `notify_url` that is not a non-empty string, or a
 * `mchid` other than the signing merchant is an error, never "unset". For a PATCH, a reply without a body or
 * without `notify_url` gives undefined (the caller confirms with a read).
 */
function fromWire(reply: Reply, mchid: string, target: RequestTarget): CallbackSetting | undefined {
    const bad = (code: "MALFORMED_REPLY" | "OTHER_MERCHANT", reason: string) =>
        new WechatpayResponseError({ ...target, code, reason, received: readReply(reply) });
    const { data } = reply;
    if (target.method === "PATCH" && (data === undefined || data === "")) {
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
    if (wire.notify_url === undefined && target.method === "PATCH") {
        return undefined;
    }
    if (typeof wire.notify_url !== "string" || wire.notify_url === "") {
        const what =
            wire.notify_url === undefined
                ? "missing"
                : wire.notify_url === "" || wire.notify_url === null
                  ? String(JSON.stringify(wire.notify_url))
                  : `a ${typeof wire.notify_url}`;
        throw bad("MALFORMED_REPLY", `its notify_url is ${what}, not a URL`);
    }
    return { mchid, notifyUrl: wire.notify_url };
}

/**
 * A signed 2xx that shows another URL than the one sent. WeChat Pay does not document normalising notify_url (the
 * API pages say only string(256), https, no query), so URLs are compared exactly: what it shows is what was sent,
 * or the write is not confirmed.
 */
function otherUrl(
    target: RequestTarget,
    sent: string,
    shown: string | undefined,
    reply: Reply,
): WechatpayResponseError {
    return new WechatpayResponseError({
        ...target,
        code: "OTHER_URL",
        reason: `it shows notify_url ${JSON.stringify(shown ?? null)}, not the ${JSON.stringify(sent)} sent`,
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

/**
 * Creates the client for one merchant's settings. It loads the SDK only when called (the provider host, not the
 * Pulumi program) and holds the parsed keys inside the SDK's axios instance; `pools` are the shared connections.
 */
export function createClient(
    config: ResolvedConfig,
    pools: ConnectionPools = createConnectionPools(),
): MembercardCallbackClient {
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
        // The SDK verifies the signature of the replies this admits: 2xx, and 404 (the only non-2xx that can mean
        // something other than failure, see meansNoneSet). Everything else is an error that errorFrom maps.
        validateStatus: (status: number) => (status >= 200 && status < 300) || status === 404,
        // WeChat Pay never redirects. 0 also makes axios use Node's own http(s) rather than follow-redirects.
        maxRedirects: 0,
        // Refuses a longer body as it streams in (axios destroys the response stream past the cap).
        maxContentLength: MAX_REPLY_BYTES,
    };
    // jsonBased's declared parameter type omits the axios options it merges in (baseURL, headers, agents).
    const http: AxiosInstance = Decorator.jsonBased(sdkConfig as Parameters<typeof Decorator.jsonBased>[0]);

    const send = (method: "GET" | "PATCH", data: WireSetting | undefined, options: CallOptions) =>
        sendWithRetries(http, config, { method, path: TARGET_PATH }, data, options.deadlineAt);

    const getCallback = async (options: CallOptions = {}): Promise<CallbackSetting> => {
        const res = await send("GET", undefined, options);
        if (res.status === 404) {
            if (meansNoneSet(res)) {
                return { mchid: config.mchid, notifyUrl: undefined };
            }
            throw errorFrom(readReply(res), GET_TARGET);
        }
        const setting = fromWire(res, config.mchid, GET_TARGET);
        if (setting === undefined) {
            throw new WechatpayStateError("unreachable: a GET reply has a notify_url or is refused");
        }
        return setting;
    };

    const setCallback = async (notifyUrl: string, options: CallOptions = {}): Promise<CallbackSetting> => {
        let confirmed: CallbackSetting | undefined;
        let accepted: AxiosResponse | undefined;
        try {
            // Repeating this PATCH is safe: it sets the same value again, so retries may resend it.
            const res = await send("PATCH", toWire(notifyUrl), options);
            accepted = res;
            if (res.status === 404) {
                throw errorFrom(readReply(res), PATCH_TARGET);
            }
            confirmed = fromWire(res, config.mchid, PATCH_TARGET);
            if (confirmed !== undefined && confirmed.notifyUrl !== notifyUrl) {
                throw otherUrl(PATCH_TARGET, notifyUrl, confirmed.notifyUrl, res);
            }
        } catch (e) {
            if (!isUncertain(e)) {
                throw e;
            }
            // No trustworthy answer (an unverifiable or refused reply, or none at all), but the write may have
            // happened: a verified read decides. If that read fails too, or shows another URL, the error stands.
            const live = await getCallback(options).catch(() => undefined);
            if (live?.notifyUrl === notifyUrl) {
                return live;
            }
            throw e;
        }
        if (confirmed !== undefined) {
            return confirmed;
        }
        // 204 or a body without notify_url: confirm with a verified read rather than assume.
        try {
            const res = await send("GET", undefined, options);
            if (res.status === 404 && !meansNoneSet(res)) {
                throw errorFrom(readReply(res), GET_TARGET);
            }
            const live = res.status === 404 ? undefined : fromWire(res, config.mchid, GET_TARGET);
            if (live === undefined || live.notifyUrl !== notifyUrl) {
                throw otherUrl(GET_TARGET, notifyUrl, live?.notifyUrl, res);
            }
            return live;
        } catch (e) {
            // WeChat Pay accepted the PATCH, so it may well be live whatever this read says: the failure is uncertain
            // (create keeps the resource with the URL it replaced), never a plain error that would drop the record.
            if (isUncertain(e) || accepted === undefined) {
                throw e;
            }
            const why = e instanceof Error ? e.message : String(e);
            throw new WechatpayResponseError({
                ...PATCH_TARGET,
                code: "UNCONFIRMED",
                reason: `WeChat Pay accepted it without showing the URL, and the read-back to confirm it failed (${why})`,
                received: readReply(accepted),
            });
        }
    };

    return { getCallback, setCallback };
}

/**
 * True when a PATCH may have been applied although it did not succeed: its reply could not be verified or was
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
                    url: CALLBACK_PATH,
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
