/**
 * The signed HTTP transport of every client: the SDK's axios instance per merchant, the keep-alive pools they share,
 * and one logical request with its retries, failover, deadline and replay check. It knows nothing of the APIs' paths
 * or wire fields (client.ts does).
 */

import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { AxiosInstance, AxiosResponse } from "axios";
import type { ResolvedConfig } from "./config";
import { type RequestTarget, WechatpayStateError } from "./errors";
import { errorFrom, headerOf, MAX_REPLY_BYTES, type Received, readFailure, readReply, unusableReply } from "./reply";
import {
    type AttemptOutcome,
    backoffDelay,
    describeOutcome,
    isNetworkFailure,
    isTransient,
    mayHaveApplied,
    outcomeOf,
} from "./retry";

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

/** New keep-alive pools; create one per provider host and pass it to every {@link signedHttp}. */
export function createConnectionPools(): ConnectionPools {
    // axios's http adapter calls `socket.setKeepAlive(true, 60_000)` on every request (lib/adapters/http.js), and the
    // agent resets it to `keepAliveMsecs` (default 1 s) when the socket goes back to the pool: with the same 60 s,
    // Node sees no change and makes no setsockopt calls per request.
    const options = { keepAlive: true, keepAliveMsecs: 60_000, maxSockets: MAX_SOCKETS };
    return { httpAgent: new HttpAgent(options), httpsAgent: new HttpsAgent(options) };
}

/**
 * The SDK's axios instance for one merchant: it signs every request and verifies every reply with this merchant's
 * keys, which it holds (nothing else does). Loads the SDK only when called (the provider host, not the Pulumi
 * program); `pools` are the shared connections.
 */
export function signedHttp(config: ResolvedConfig, pools: ConnectionPools): AxiosInstance {
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
    return http;
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
export async function sendWithRetries(
    http: AxiosInstance,
    config: ResolvedConfig,
    target: RequestTarget,
    url: string,
    data: Record<string, unknown> | undefined,
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
                        unusableReply({
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
