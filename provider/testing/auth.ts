/**
 * APIv3 signatures, both ways: checking a merchant's `Authorization` header, and signing responses with the
 * `Wechatpay-*` headers. Done with node:crypto alone so a bug in the SDK cannot be mirrored here.
 *
 * @see https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_0.shtml (signing requests)
 * @see https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_1.shtml (verifying responses)
 */

import { type KeyObject, randomBytes, sign, verify } from "node:crypto";
import type { SigningIdentity } from "./keys";
import { EmulatorError } from "./state";

/** The only scheme APIv3 accepts. */
export const AUTH_SCHEME = "WECHATPAY2-SHA256-RSA2048";

/** WeChat Pay refuses request timestamps further than this from its clock, in seconds. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

const AUTH_PARAMS = ["mchid", "nonce_str", "signature", "timestamp", "serial_no"] as const;

/** The five parameters of an `Authorization` header. */
export type AuthorizationParams = Record<(typeof AUTH_PARAMS)[number], string>;

/** What the emulator knows of a merchant to check its requests. */
export interface MerchantVerifier {
    readonly serial: string;
    readonly verifier: KeyObject;
}

// `key="value"` pairs separated by commas; values are quoted and cannot contain quotes.
const PARAM = /\s*([A-Za-z_]+)="([^"]*)"\s*(,|$)/y;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function signError(message: string): EmulatorError {
    return new EmulatorError(401, "SIGN_ERROR", message);
}

/**
 * Parses `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`
 * (parameters in any order). Throws 401 SIGN_ERROR naming what is wrong.
 */
export function parseAuthorization(header: string | undefined): AuthorizationParams {
    if (header === undefined || header.trim() === "") {
        throw signError(`Authorization header is missing; expected ${AUTH_SCHEME} mchid="…",nonce_str="…",…`);
    }
    const space = header.indexOf(" ");
    const scheme = space < 0 ? header : header.slice(0, space);
    if (scheme !== AUTH_SCHEME) {
        throw signError(`Authorization scheme must be ${AUTH_SCHEME}`);
    }
    const rest = header.slice(space + 1).trim();
    const found = new Map<string, string>();
    PARAM.lastIndex = 0;
    while (PARAM.lastIndex < rest.length) {
        const start = PARAM.lastIndex;
        const match = PARAM.exec(rest);
        if (match === null) {
            throw signError(`Authorization parameters are malformed at position ${start}; use key="value" pairs`);
        }
        const [, key = "", value = "", separator] = match;
        if (!(AUTH_PARAMS as readonly string[]).includes(key)) {
            throw signError(`Authorization has an unknown parameter ${key}`);
        }
        if (found.has(key)) {
            throw signError(`Authorization repeats the parameter ${key}`);
        }
        found.set(key, value);
        if (separator === "" && PARAM.lastIndex < rest.length) {
            throw signError("Authorization parameters must be separated by commas");
        }
    }
    const params: Partial<AuthorizationParams> = {};
    for (const key of AUTH_PARAMS) {
        const value = found.get(key);
        if (value === undefined || value === "") {
            throw signError(`Authorization is missing ${key}`);
        }
        params[key] = value;
    }
    return params as AuthorizationParams;
}

/** The string a merchant signs: `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`, with the body's exact bytes. */
export function requestMessage(method: string, path: string, timestamp: string, nonce: string, body: Buffer): Buffer {
    return Buffer.concat([
        Buffer.from(`${method}\n${path}\n${timestamp}\n${nonce}\n`, "utf8"),
        body,
        Buffer.from("\n", "utf8"),
    ]);
}

/** The string WeChat Pay signs in a response: `TIMESTAMP\nNONCE\nBODY\n`. */
export function responseMessage(timestamp: string, nonce: string, body: string): string {
    return `${timestamp}\n${nonce}\n${body}\n`;
}

/** A request as the signature check needs it. */
export interface SignedRequest {
    readonly method: string;
    /** Path with query, exactly as received. */
    readonly path: string;
    readonly body: Buffer;
}

/**
 * Checks parsed Authorization params against a merchant: serial, clock, then signature. The nonce check is left
 * to {@link NonceLog} so that only verified requests can use up a nonce.
 */
export function verifyRequest(
    params: AuthorizationParams,
    merchant: MerchantVerifier,
    request: SignedRequest,
    nowSeconds: number,
): void {
    const { mchid, serial_no: serial, timestamp, nonce_str: nonce, signature } = params;
    if (serial !== merchant.serial) {
        throw signError(`serial_no ${serial} is not the API certificate serial of merchant ${mchid}`);
    }
    if (!/^\d{1,12}$/.test(timestamp)) {
        throw signError("timestamp must be Unix time in seconds");
    }
    const skew = Number(timestamp) - nowSeconds;
    if (Math.abs(skew) > MAX_CLOCK_SKEW_SECONDS) {
        throw signError(
            `timestamp is ${Math.abs(skew)} s ${skew < 0 ? "behind" : "ahead of"} WeChat Pay's clock ` +
                `(allowed: ${MAX_CLOCK_SKEW_SECONDS} s); check the system clock`,
        );
    }
    if (!BASE64.test(signature)) {
        throw signError("signature is not base64");
    }
    const message = requestMessage(request.method, request.path, timestamp, nonce, request.body);
    if (!verify("sha256", message, merchant.verifier, Buffer.from(signature, "base64"))) {
        throw signError(
            `signature does not verify with the API certificate ${serial} of merchant ${mchid}; ` +
                "sign METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n with the matching private key",
        );
    }
}

/** Nonces a merchant already used, bounded: the oldest are forgotten first. */
export class NonceLog {
    private readonly seen = new Set<string>();

    constructor(private readonly limit = 10_000) {}

    /** Records a nonce; throws 401 SIGN_ERROR if it was used before. */
    use(nonce: string): void {
        if (this.seen.has(nonce)) {
            throw signError("nonce_str was already used; use a fresh random nonce for every request");
        }
        this.seen.add(nonce);
        if (this.seen.size > this.limit) {
            // Sets iterate in insertion order, so the first value is the oldest.
            const oldest = this.seen.values().next();
            if (oldest.done !== true) {
                this.seen.delete(oldest.value);
            }
        }
    }

    /** Forgets every nonce. */
    clear(): void {
        this.seen.clear();
    }
}

/** The `Wechatpay-*` headers of a response. */
export interface ResponseSignature {
    timestamp: string;
    nonce: string;
    serial: string;
    signature: string;
}

/** A random nonce like WeChat Pay's: 32 upper-case hex characters. */
export function randomNonce(): string {
    return randomBytes(16).toString("hex").toUpperCase();
}

/** Signs `TIMESTAMP\nNONCE\nBODY\n` with an identity (RSA-SHA256, PKCS#1 v1.5). */
export function signResponse(identity: SigningIdentity, body: string, timestamp: number): ResponseSignature {
    const nonce = randomNonce();
    const ts = String(timestamp);
    const signature = sign("sha256", Buffer.from(responseMessage(ts, nonce, body), "utf8"), identity.privateKey);
    return { timestamp: ts, nonce, serial: identity.serial, signature: signature.toString("base64") };
}
