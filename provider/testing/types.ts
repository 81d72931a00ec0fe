/**
 * The emulator's public types. The provider's tests and users' tests depend on these names: keep them stable.
 */

import type { EmulatorKeys } from "./keys";
import type { MerchantKind, SettingName, Settings, SettingsListener, UnsetReply } from "./state";

/** Everything a client needs to talk to the emulator as one merchant. */
export interface MerchantCredentials {
    /** Merchant id. */
    mchid: string;
    /** Merchant API certificate serial (40 upper-case hex characters). */
    serial: string;
    /** PKCS#8 PEM text of the merchant private key. */
    privateKey: string;
    /** `PUB_KEY_ID_…` of WeChat Pay's public key for this merchant (each merchant has its own). */
    publicKeyId: string;
    /** SPKI PEM of WeChat Pay's public key. */
    publicKey: string;
    /** Serial of the "platform certificate" identity (40 upper-case hex characters). */
    platformSerial: string;
    /** SPKI PEM of that identity's public key (Node cannot issue X.509 certificates without dependencies). */
    platformPublicKey: string;
}

/** How to start an emulator. */
export interface EmulatorOptions {
    /**
     * The merchants WeChat Pay knows, each with the member-card URL (`notifyUrl`) and the other URLs (`settings`)
     * it already has set, and its kind: a direct merchant, or a service provider (`"partner"`, the only kind that may
     * call the violation-notification API).
     * @default [{ mchid: "1900000001" }] (a direct merchant with nothing set)
     */
    merchants?: Array<{
        mchid: string;
        notifyUrl?: string;
        settings?: Settings;
        kind?: MerchantKind;
        /** This merchant's answer to a GET when none is set (overrides `unsetReply`). */
        unsetReply?: UnsetReply;
    }>;
    /**
     * What a GET answers when a merchant has no URL set, for every API (see {@link UnsetReply}): each API's own
     * reply by default, or one shape of a signed "none" for all of them.
     * @default "documented"
     */
    unsetReply?: UnsetReply;
    /**
     * What a successful PATCH answers: 200 with `{"notify_url","mchid"}`, or 204 with no body.
     * @default "body"
     */
    patchReply?: "body" | "no-content";
    /**
     * Interface to listen on. Only loopback is accepted: the emulator has no TLS and hands out its keys.
     * @default "127.0.0.1"
     */
    host?: string;
    /**
     * Port to listen on; 0 lets the OS choose.
     * @default 0
     */
    port?: number;
    /** Called once per request after it was answered (or dropped), e.g. to log it. Must not throw. */
    onRequest?: (request: RecordedRequest) => void;
    /**
     * Keys to use instead of new ones, by the merchant's position in `merchants` (the CLI's `--state-dir` passes the
     * stored ones).
     * @internal
     */
    keys?: ReadonlyArray<EmulatorKeys | undefined>;
    /**
     * Told every merchant's settings as they are about to become, before each change takes effect; if it throws, the
     * change is refused (answered `500 SYSTEM_ERROR`). The CLI's `--state-dir` saves through it.
     * @internal
     */
    onSettingsChange?: SettingsListener;
}

/** One request as the emulator saw and answered it. */
export interface RecordedRequest {
    /** HTTP method as received. */
    method: string;
    /** Path including the query, as received. */
    path: string;
    /** Merchant id from the Authorization header, if it could be parsed (even if the request was refused). */
    mchid?: string;
    /** Raw body text as received (what clients send: never key material). */
    body: string;
    /** Status the emulator answered; 0 when the connection was dropped by a `reset` fault. */
    status: number;
    /** WeChat Pay error code, if an error was answered. */
    code?: string;
    /** Kind of the fault applied to this request, if any. */
    fault?: Fault["kind"];
    /** The request's `Wechatpay-Serial` header, if any. */
    wechatpaySerial?: string;
    /** The `Wechatpay-Serial` the response was signed under, if it was signed. */
    responseSerial?: string;
    /** When the request arrived (`Date.now()`). */
    at: number;
    /**
     * For `trickle` and `oversized` faults: body bytes written before the reply ended, and whether the client
     * closed the connection before the whole body was sent. Filled in when the reply ends.
     */
    streamed?: { bytes: number; closedEarly: boolean };
}

/** A misbehaviour to inject into the next request(s). */
export type Fault =
    /** Answer an error instead of processing (the operation is NOT applied). `retryAfter` sets Retry-After (s). */
    | { kind: "error"; status: number; code: string; message?: string; retryAfter?: number }
    /** Answer normally, but with a `Wechatpay-Signature` that does not verify (the operation IS applied). */
    | { kind: "bad-signature" }
    /** Answer with a `WECHATPAY/SIGNTEST/…` probe signature, which never verifies (the operation IS applied). */
    | { kind: "sign-test" }
    /** Sign with a key whose serial / public-key id the client was never given (the operation IS applied). */
    | { kind: "unknown-serial" }
    /** `Wechatpay-Timestamp` 10 minutes in the past, correctly signed over it (the operation IS applied). */
    | { kind: "stale-timestamp" }
    /** Answer without any `Wechatpay-*` header (the operation IS applied). */
    | { kind: "missing-headers" }
    /** Destroy the connection without answering (the operation is NOT applied). */
    | { kind: "reset" }
    /** Wait `ms` milliseconds, then answer normally. */
    | { kind: "delay"; ms: number }
    /** An unsigned `404 text/html` page, as a proxy or gateway answers (the operation is NOT applied). */
    | { kind: "html-404" }
    /**
     * Answer as WeChat Pay answers a path it serves no API at: an unsigned 404 `NOT_FOUND` (answered before the
     * request's signature is checked, so unsigned). The operation is NOT applied.
     */
    | { kind: "unknown-route" }
    /** An unsigned `307` to `location` (the operation is NOT applied). WeChat Pay never redirects. */
    | { kind: "redirect"; location: string }
    /** Answer normally, but send the body one byte every `ms` milliseconds (the operation IS applied). */
    | { kind: "trickle"; ms: number }
    /** A 200 whose chunked body runs to `bytes` bytes, written as fast as the client reads (the operation IS applied). */
    | { kind: "oversized"; bytes: number }
    /** Answer a 2xx with this body instead, correctly signed (the operation IS applied). */
    | { kind: "reply-body"; body: string }
    /**
     * The operation IS applied, then the answer is an error: with `code`, WeChat Pay's signed JSON (`SYSTEM_ERROR`);
     * without, a gateway's unsigned reply with no body (a 502 or 504 in front of WeChat Pay).
     */
    | { kind: "applied-then-error"; status: number; code?: string }
    /** The operation IS applied, then the connection is destroyed before any answer. */
    | { kind: "applied-then-reset" }
    /** The operation IS applied, then no answer comes until the client gives up. */
    | { kind: "applied-then-hang" }
    /**
     * No answer for `ms` milliseconds; then the operation IS applied, and answered if the client still waits. With
     * `ms` past the client's timeout, the write lands after the client moved on (a late, stale attempt).
     */
    | { kind: "apply-late"; ms: number }
    /**
     * Resend the last signed reply this emulator sent (to a request with `of.method`, answered `of.status`, when
     * given), with the same headers, nonce and body (its signature verifies), and `status` if given: what a machine
     * in the middle can do within WeChat Pay's 5-minute window. NOT applied.
     */
    | { kind: "replay"; status?: number; of?: { method?: string; status?: number } };

/** Which requests a queued fault may hit; a field left out matches anything. */
export interface FaultMatch {
    /** `GET`, `PATCH`, `POST`, `PUT` or `DELETE`. */
    method?: string;
    /** The path without the query, e.g. `/v3/marketing/membercard-open/callback`. */
    path?: string;
}

/** A running emulator of WeChat Pay's notify-URL APIs. */
export interface Emulator {
    /** `http://127.0.0.1:PORT/`, with the trailing slash. */
    readonly baseUrl: string;
    /** Every request, in the order they were answered (including refused and faulted ones). */
    readonly requests: readonly RecordedRequest[];
    /** Credentials of a merchant; the first one by default. Throws for an unknown mchid. */
    credentials(mchid?: string): MerchantCredentials;
    /** Adds a merchant (new keys); `notifyUrl` and `settings` are what it already has set. Rejects a duplicate mchid. */
    addMerchant(
        mchid: string,
        opts?: { notifyUrl?: string; settings?: Settings; kind?: MerchantKind },
    ): Promise<MerchantCredentials>;
    /** The live setting of a merchant (the first by default); `undefined` when none is set. */
    notifyUrl(mchid?: string): string | undefined;
    /** Changes a setting out of band, as someone in the Pay platform UI would; `undefined` unsets it. */
    setNotifyUrl(url: string | undefined, mchid?: string): void;
    /** The live URL of one API's setting for a merchant (the first by default); `undefined` when none is set. */
    setting(name: SettingName, mchid?: string): string | undefined;
    /** Changes one API's setting out of band, as the Pay platform UI would; `undefined` unsets it. */
    setSetting(name: SettingName, url: string | undefined, mchid?: string): void;
    /**
     * Queues a fault for the next `times` (default 1) requests that `match` (default: whatever they are). Faults are
     * taken in the order queued, each by the first request it matches.
     */
    failNext(fault: Fault, times?: number, match?: FaultMatch): void;
    /** What a GET answers when none is set: for one merchant, or (without `mchid`) the default for all. */
    setUnsetReply(reply: UnsetReply, mchid?: string): void;
    /** Same as `failNext({ kind: "bad-signature" })`. */
    corruptNextSignature(): void;
    /**
     * Back to the start: settings as at start (merchants added later keep the URL they were added with),
     * no queued faults, empty request log, no remembered nonces.
     */
    reset(): void;
    /** Stops listening and destroys open connections, keep-alive ones included. */
    close(): Promise<void>;
}
