import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { AxiosInstance, AxiosResponse } from "axios";
import type { ResolvedConfig } from "./config";
import { parseBody, type RequestTarget, toProviderError, WechatpayStateError } from "./errors";
import {
    type AttemptOutcome,
    backoffDelay,
    describeOutcome,
    isNetworkFailure,
    isTransient,
    parseRetryAfter,
} from "./retry";

/** The API path, relative to the base URL (so a base URL with a path prefix keeps it). */
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
    /** `GET /v3/marketing/membercard-open/callback`; "none set" (404, RESOURCE_NOT_EXISTS, empty) is `notifyUrl: undefined`. */
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

function fromWire(data: unknown, fallbackMchid: string): CallbackSetting | undefined {
    if (typeof data !== "object" || data === null) {
        return undefined;
    }
    const wire = data as WireSetting;
    const url = typeof wire.notify_url === "string" && wire.notify_url !== "" ? wire.notify_url : undefined;
    return { mchid: typeof wire.mchid === "string" && wire.mchid ? wire.mchid : fallbackMchid, notifyUrl: url };
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
        // The SDK verifies 2xx replies; everything else becomes an error that toProviderError maps.
        validateStatus: (status: number) => status >= 200 && status < 300,
        // WeChat Pay never redirects, so a 3xx is an error; with 0, axios also sends through node's own http/https
        // instead of wrapping every request in follow-redirects (lib/adapters/http.js).
        maxRedirects: 0,
    };
    // jsonBased's declared parameter type omits the axios options it merges in (baseURL, headers, agents).
    const http: AxiosInstance = Decorator.jsonBased(sdkConfig as Parameters<typeof Decorator.jsonBased>[0]);

    const send = (method: "GET" | "PATCH", data: WireSetting | undefined, options: CallOptions) =>
        sendWithRetries(http, config, { method, path: TARGET_PATH }, data, options.deadlineAt);

    const getCallback = async (options: CallOptions = {}): Promise<CallbackSetting> => {
        try {
            const res = await send("GET", undefined, options);
            return fromWire(res.data, config.mchid) ?? { mchid: config.mchid, notifyUrl: undefined };
        } catch (e) {
            if (isNoneSet(e)) {
                return { mchid: config.mchid, notifyUrl: undefined };
            }
            throw e;
        }
    };

    const setCallback = async (notifyUrl: string, options: CallOptions = {}): Promise<CallbackSetting> => {
        let confirmed: CallbackSetting | undefined;
        try {
            // Repeating this PATCH is safe: it sets the same value again, so retries may resend it.
            const res = await send("PATCH", toWire(notifyUrl), options);
            confirmed = fromWire(res.data, config.mchid);
        } catch (e) {
            if (!isUncertain(e)) {
                throw e;
            }
            // No trustworthy answer (an unverifiable reply, or none at all), but the write may have happened:
            // a verified read decides. If that read fails too, the original error stands.
            const live = await getCallback(options).catch(() => undefined);
            if (live?.notifyUrl === notifyUrl) {
                return live;
            }
            throw e;
        }
        // 204 or a body without notify_url: confirm with a read rather than assume.
        const result = confirmed?.notifyUrl !== undefined ? confirmed : await getCallback(options);
        if (result.notifyUrl !== notifyUrl) {
            throw new WechatpayStateError(
                `WeChat Pay answered PATCH ${TARGET_PATH} but reports notify_url ${JSON.stringify(result.notifyUrl ?? null)} ` +
                    `instead of ${JSON.stringify(notifyUrl)}; nothing is recorded as applied, run again`,
            );
        }
        if (result.mchid !== config.mchid) {
            throw new WechatpayStateError(
                `WeChat Pay answered for merchant ${result.mchid}, but the request was signed as merchant ${config.mchid}`,
            );
        }
        return result;
    };

    return { getCallback, setCallback };
}

/**
 * True when a PATCH may have been applied although it did not succeed: its reply could not be verified, or it got
 * no answer (the request may have reached WeChat Pay before the connection failed).
 */
export function isUncertain(e: unknown): boolean {
    const name = (e as { name?: unknown }).name;
    return name === "WechatpayVerificationError" || name === "WechatpayNetworkError";
}

/** How the API may say "no callback was ever set": undocumented, so 404 and RESOURCE_NOT_EXISTS both count. */
function isNoneSet(e: unknown): boolean {
    const err = e as { name?: unknown; status?: unknown; code?: unknown };
    return err.name === "WechatpayApiError" && (err.status === 404 || err.code === "RESOURCE_NOT_EXISTS");
}

/** Reads what an attempt ended with from whatever axios or the SDK threw. */
function classify(err: unknown): AttemptOutcome {
    const e = err as { code?: unknown; response?: { status?: unknown; data?: unknown; headers?: unknown } };
    if (typeof e.code === "string" && e.code.startsWith("EV3_RES_")) {
        return { kind: "other" };
    }
    if (typeof e.response?.status === "number") {
        const headers = (e.response.headers ?? {}) as Record<string, unknown>;
        return {
            kind: "http",
            status: e.response.status,
            code: parseBody(e.response.data).code ?? `HTTP_${e.response.status}`,
            retryAfterSeconds: parseRetryAfter(headers["retry-after"]),
        };
    }
    return typeof e.code === "string" ? { kind: "network", code: e.code } : { kind: "other" };
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
        let lastError: unknown;
        let outcome: AttemptOutcome = { kind: "other" };
        for (const baseURL of [config.baseUrl, config.backupBaseUrl]) {
            if (baseURL === undefined) {
                continue;
            }
            const remaining = deadlineAt - Date.now();
            if (remaining <= 0) {
                break;
            }
            try {
                return await http.request({
                    method: target.method,
                    url: CALLBACK_PATH,
                    baseURL,
                    data,
                    timeout: Math.min(config.timeoutMs, remaining),
                });
            } catch (err) {
                lastError = err;
                outcome = classify(err);
                attempts.push(
                    baseURL === config.baseUrl ? describeOutcome(outcome) : `${describeOutcome(outcome)} (backup)`,
                );
                if (!isNetworkFailure(outcome)) {
                    break;
                }
            }
        }
        if (lastError === undefined) {
            throw new WechatpayStateError(
                `${target.method} ${target.path} was not sent: the step's deadline (\`wechatpay:deadlineMs\`, ${config.deadlineMs} ms) had passed`,
            );
        }
        retries += 1;
        const wait = backoffDelay(retries, outcome);
        if (!isTransient(outcome) || retries > config.maxRetries || Date.now() + wait >= deadlineAt) {
            throw toProviderError(lastError, target, attempts);
        }
        await sleep(wait);
    }
}
