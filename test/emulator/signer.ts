/**
 * A tiny hand-written APIv3 client for testing the emulator: node:crypto for signatures, fetch or node:http for
 * transport. Deliberately independent of the SDK and of the emulator's own auth code.
 */

import { randomBytes, sign, verify } from "node:crypto";
import { type Agent, request as httpRequest } from "node:http";
import type { Emulator, MerchantCredentials } from "../../provider/testing";

export const PATH = "/v3/marketing/membercard-open/callback";

/** Overrides for the Authorization header; anything left out is computed correctly. */
export interface AuthOverrides {
    mchid?: string;
    serial?: string;
    timestamp?: string;
    nonce?: string;
    signature?: string;
    /** Sign with this key instead of the merchant's. */
    privateKey?: string;
    /** Sign over this method/path/body instead of what is sent. */
    signedMethod?: string;
    signedPath?: string;
    signedBody?: string | Buffer;
}

export function nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
}

export function authorization(
    creds: MerchantCredentials,
    method: string,
    path: string,
    body: string | Buffer,
    o: AuthOverrides = {},
): string {
    const timestamp = o.timestamp ?? String(nowSeconds());
    const nonce = o.nonce ?? randomBytes(16).toString("hex");
    const message = Buffer.concat([
        Buffer.from(`${o.signedMethod ?? method}\n${o.signedPath ?? path}\n${timestamp}\n${nonce}\n`),
        Buffer.from(o.signedBody ?? body),
        Buffer.from("\n"),
    ]);
    const signature = o.signature ?? sign("sha256", message, o.privateKey ?? creds.privateKey).toString("base64");
    return (
        `WECHATPAY2-SHA256-RSA2048 mchid="${o.mchid ?? creds.mchid}",nonce_str="${nonce}",` +
        `signature="${signature}",timestamp="${timestamp}",serial_no="${o.serial ?? creds.serial}"`
    );
}

export interface CallOptions {
    method?: string;
    path?: string;
    body?: string | Buffer;
    /** Replace or add headers; `undefined` leaves a default out only in {@link rawCall}. */
    headers?: Record<string, string>;
    auth?: AuthOverrides;
    creds?: MerchantCredentials;
    /** Send `Wechatpay-Serial: <this>`. */
    wechatpaySerial?: string;
}

export interface Reply {
    status: number;
    headers: Record<string, string>;
    text: string;
}

/** What a call needs of an emulator: where it listens, and (unless `creds` is given) whose credentials to sign with. */
export type Target = Pick<Emulator, "baseUrl" | "credentials">;

function defaultHeaders(emulator: Target, options: CallOptions): Record<string, string> {
    const method = options.method ?? "GET";
    const path = options.path ?? PATH;
    const body = options.body ?? "";
    const creds = options.creds ?? emulator.credentials();
    const headers: Record<string, string> = {
        Authorization: authorization(creds, method, path, body, options.auth),
        Accept: "application/json",
        "User-Agent": "emulator-test/1.0",
    };
    if (method === "PATCH" || method === "POST" || method === "PUT") {
        headers["Content-Type"] = "application/json";
    }
    if (options.wechatpaySerial !== undefined) {
        headers["Wechatpay-Serial"] = options.wechatpaySerial;
    }
    return { ...headers, ...options.headers };
}

/** Signs and sends a request with fetch. */
export async function call(emulator: Target, options: CallOptions = {}): Promise<Reply> {
    const method = options.method ?? "GET";
    const path = options.path ?? PATH;
    const init: RequestInit = { method, headers: defaultHeaders(emulator, options) };
    if (options.body !== undefined) {
        init.body = options.body;
    }
    const response = await fetch(new URL(path, emulator.baseUrl), init);
    return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
}

/** Like {@link call}, with node:http: exact headers (fetch adds Accept and User-Agent), optional agent. */
export function rawCall(
    emulator: Target,
    options: CallOptions & { omit?: string[]; agent?: Agent } = {},
): Promise<Reply> {
    const method = options.method ?? "GET";
    const headers = defaultHeaders(emulator, options);
    for (const name of options.omit ?? []) {
        delete headers[name];
    }
    return new Promise((resolve, reject) => {
        const req = httpRequest(
            new URL(options.path ?? PATH, emulator.baseUrl),
            { method, headers, ...(options.agent === undefined ? {} : { agent: options.agent }) },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (chunk: Buffer) => chunks.push(chunk));
                res.on("end", () => {
                    const flat: Record<string, string> = {};
                    for (const [name, value] of Object.entries(res.headers)) {
                        if (value !== undefined) {
                            flat[name] = Array.isArray(value) ? value.join(", ") : value;
                        }
                    }
                    resolve({ status: res.statusCode ?? 0, headers: flat, text: Buffer.concat(chunks).toString() });
                });
                res.on("error", reject);
            },
        );
        req.on("error", reject);
        req.end(options.body);
    });
}

/** Whether the reply's `Wechatpay-Signature` verifies with `publicKey` over `TIMESTAMP\nNONCE\nBODY\n`. */
export function verifies(reply: Reply, publicKey: string): boolean {
    const { "wechatpay-timestamp": ts, "wechatpay-nonce": nonce, "wechatpay-signature": signature } = reply.headers;
    if (ts === undefined || nonce === undefined || signature === undefined) {
        return false;
    }
    return verify(
        "sha256",
        Buffer.from(`${ts}\n${nonce}\n${reply.text}\n`),
        publicKey,
        Buffer.from(signature, "base64"),
    );
}

/** The JSON error body of a reply. */
export function errorOf(reply: Reply): { status: number; code: unknown; message: unknown } {
    const body = JSON.parse(reply.text) as { code?: unknown; message?: unknown };
    return { status: reply.status, code: body.code, message: body.message };
}
