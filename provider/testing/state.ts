/**
 * The member-card callback settings WeChat Pay keeps per merchant, and the rules it applies to them.
 * Pure: no HTTP, no crypto. Everything WeChat Pay would refuse is thrown as an {@link EmulatorError}.
 */

import { notifyUrlRuleBroken } from "./notifyUrlRules";

/**
 * An error answer, in WeChat Pay's shape: the HTTP status plus the `{"code","message"}` body.
 *
 * @example
 * throw new EmulatorError(400, "PARAM_ERROR", "notify_url must be an https:// URL");
 */
export class EmulatorError extends Error {
    /** HTTP status to answer with. */
    readonly status: number;
    /** WeChat Pay error code, e.g. `PARAM_ERROR`, `SIGN_ERROR`, `RESOURCE_NOT_EXISTS`. */
    readonly code: string;

    constructor(status: number, code: string, message: string) {
        super(message);
        this.name = "EmulatorError";
        this.status = status;
        this.code = code;
    }
}

/** What `GET` answers for a merchant that never set a callback URL (WeChat does not document it). */
export type UnsetReply = "not-found" | "empty" | "bad-request";

/** The JSON body of a successful GET or PATCH, in WeChat's field names. */
export interface CallbackBody {
    notify_url: string;
    mchid: string;
}

export { NOTIFY_URL_MAX_LENGTH } from "./notifyUrlRules";

/** Merchant ids go into header values and log lines; keep them to characters that cannot break either. */
const MCHID_PATTERN = /^[0-9A-Za-z_-]{1,32}$/;

/** Throws a TypeError unless `mchid` is usable as a merchant id. */
export function assertMchid(mchid: string): void {
    if (!MCHID_PATTERN.test(mchid)) {
        throw new TypeError(`Invalid mchid ${JSON.stringify(mchid)}: use 1-32 letters, digits, "_" or "-".`);
    }
}

/** The settings of every merchant of one emulator, keyed by mchid. */
export class MembercardState {
    // What each merchant started with, so reset() can put it back.
    private readonly initial = new Map<string, string | undefined>();
    private readonly live = new Map<string, string | undefined>();

    constructor(private readonly unsetReply: UnsetReply = "not-found") {}

    /** Registers a merchant; `notifyUrl` is what it already has set (not validated: it models any past). */
    addMerchant(mchid: string, notifyUrl?: string): void {
        assertMchid(mchid);
        if (this.initial.has(mchid)) {
            throw new Error(`Merchant ${mchid} already exists in this emulator.`);
        }
        this.initial.set(mchid, notifyUrl);
        this.live.set(mchid, notifyUrl);
    }

    /** Whether WeChat Pay knows this merchant. */
    has(mchid: string): boolean {
        return this.initial.has(mchid);
    }

    /** The live setting, `undefined` when never set. */
    get(mchid: string): string | undefined {
        this.assertKnown(mchid);
        return this.live.get(mchid);
    }

    /** Out-of-band change, as if someone used the Pay platform UI: no validation. */
    set(mchid: string, notifyUrl: string | undefined): void {
        this.assertKnown(mchid);
        this.live.set(mchid, notifyUrl);
    }

    /** Puts every merchant back to what it started with; merchants added later stay. */
    reset(): void {
        for (const [mchid, notifyUrl] of this.initial) {
            this.live.set(mchid, notifyUrl);
        }
    }

    /** `GET /v3/marketing/membercard-open/callback`. */
    query(mchid: string): CallbackBody {
        const notifyUrl = this.get(mchid);
        if (notifyUrl !== undefined) {
            return { notify_url: notifyUrl, mchid };
        }
        const message = `No member-card callback URL has been set for merchant ${mchid}.`;
        switch (this.unsetReply) {
            case "empty":
                return { notify_url: "", mchid };
            case "bad-request":
                throw new EmulatorError(400, "RESOURCE_NOT_EXISTS", message);
            case "not-found":
                throw new EmulatorError(404, "RESOURCE_NOT_EXISTS", message);
        }
    }

    /** `PATCH /v3/marketing/membercard-open/callback` with the request body text. */
    update(mchid: string, bodyText: string): CallbackBody {
        this.assertKnown(mchid);
        const notifyUrl = parsePatchBody(bodyText);
        this.live.set(mchid, notifyUrl);
        return { notify_url: notifyUrl, mchid };
    }

    private assertKnown(mchid: string): void {
        if (!this.initial.has(mchid)) {
            throw new Error(`Merchant ${mchid} does not exist in this emulator.`);
        }
    }
}

/** Parses and validates a PATCH body; returns the notify_url or throws 400 PARAM_ERROR. */
export function parsePatchBody(bodyText: string): string {
    let body: unknown;
    try {
        body = JSON.parse(bodyText);
    } catch {
        throw paramError('request body is not valid JSON; send {"notify_url":"https://…"}');
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw paramError('request body must be a JSON object: {"notify_url":"https://…"}');
    }
    const extra = Object.keys(body).filter((key) => key !== "notify_url");
    if (extra.length > 0) {
        throw paramError(`request body has unexpected field(s) ${extra.join(", ")}; it takes only notify_url`);
    }
    if (!("notify_url" in body)) {
        throw paramError("notify_url is required");
    }
    const notifyUrl = body.notify_url;
    if (typeof notifyUrl !== "string") {
        throw paramError("notify_url must be a string");
    }
    validateNotifyUrl(notifyUrl);
    return notifyUrl;
}

/** WeChat Pay's documented notify_url rules (see notifyUrlRules.ts); throws 400 PARAM_ERROR for the first one broken. */
export function validateNotifyUrl(notifyUrl: string): void {
    const broken = notifyUrlRuleBroken(notifyUrl);
    if (broken !== undefined) {
        throw paramError(broken);
    }
}

function paramError(message: string): EmulatorError {
    return new EmulatorError(400, "PARAM_ERROR", message);
}
