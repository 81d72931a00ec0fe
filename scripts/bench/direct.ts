/**
 * The direct baseline of `npm run bench`: the signed requests a user would otherwise script with
 * `wechatpay-axios-plugin`. Used in the bench process (per-step latency) and bundled into `directChild.ts` (wall
 * time and peak RSS in a process of its own).
 */

import { Agent } from "node:http";
import { Decorator } from "wechatpay-axios-plugin";

/** Where and as whom the baseline sends its requests. */
export interface DirectTarget {
    baseUrl: string;
    mchid: string;
    serial: string;
    /** PKCS#8 PEM; the SDK parses it once, when the client is made. */
    privateKey: string;
    publicKeyId: string;
    publicKey: string;
}

/** The two calls, as a script would make them. Each resolves to the `notify_url` WeChat Pay answered. */
export interface DirectClient {
    get(): Promise<string | undefined>;
    patch(notifyUrl: string): Promise<string | undefined>;
}

const CALLBACK_PATH = "v3/marketing/membercard-open/callback";

/** `Decorator.jsonBased({mchid, serial, privateKey, certs, baseURL, httpAgent keep-alive})`, nothing more. */
export function createDirect(target: DirectTarget): DirectClient {
    const config = {
        mchid: target.mchid,
        serial: target.serial,
        privateKey: target.privateKey,
        certs: { [target.publicKeyId]: target.publicKey },
        baseURL: target.baseUrl,
        httpAgent: new Agent({ keepAlive: true }),
        // Public-key mode, as the provider uses it: asks WeChat Pay to sign its reply with that key.
        headers: { "Wechatpay-Serial": target.publicKeyId },
    };
    const http = Decorator.jsonBased(config);
    return {
        async get() {
            const res = await http.get<{ notify_url?: string }>(CALLBACK_PATH);
            return res.data.notify_url;
        },
        async patch(notifyUrl) {
            const res = await http.patch<{ notify_url?: string }>(CALLBACK_PATH, { notify_url: notifyUrl });
            return res.data.notify_url;
        },
    };
}
