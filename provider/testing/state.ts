/**
 * The notify-URL settings WeChat Pay keeps per merchant (member card here; the other APIs' rules are in apis.ts), and
 * the rules it applies to the member card's. Pure: no HTTP, no crypto. Everything WeChat Pay would refuse is thrown as
 * an {@link EmulatorError}.
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

/** The notify-URL settings the emulator serves: one URL per merchant for each. */
export type SettingName = "membercard" | "complaint" | "busifavor" | "violation";

/** Every {@link SettingName}. */
export const SETTING_NAMES: readonly SettingName[] = ["membercard", "complaint", "busifavor", "violation"];

/**
 * What kind of account a merchant id is: a direct merchant (普通商户/直连商户) or a service provider (服务商), which
 * may call partner-only APIs such as violation notifications.
 */
export type MerchantKind = "merchant" | "partner";

/** A merchant's settings, by API; a missing key is "never set". */
export type Settings = Partial<Record<SettingName, string>>;

/** The settings of every merchant of one emulator, keyed by mchid. */
export class MembercardState {
    // What each merchant started with, so reset() can put it back.
    private readonly initial = new Map<string, Settings>();
    private readonly live = new Map<string, Settings>();
    private readonly kinds = new Map<string, MerchantKind>();

    constructor(private readonly unsetReply: UnsetReply = "not-found") {}

    /**
     * Registers a merchant; `notifyUrl` is the member-card URL it already has set, `settings` the others (not
     * validated: they model any past).
     */
    addMerchant(mchid: string, notifyUrl?: string, settings: Settings = {}, kind: MerchantKind = "merchant"): void {
        assertMchid(mchid);
        if (this.initial.has(mchid)) {
            throw new Error(`Merchant ${mchid} already exists in this emulator.`);
        }
        const start: Settings = { ...settings };
        if (notifyUrl !== undefined) {
            start.membercard = notifyUrl;
        }
        this.initial.set(mchid, start);
        this.live.set(mchid, { ...start });
        this.kinds.set(mchid, kind);
    }

    /** Whether WeChat Pay knows this merchant. */
    has(mchid: string): boolean {
        return this.initial.has(mchid);
    }

    /** Whether the merchant is a direct merchant or a service provider. */
    kind(mchid: string): MerchantKind {
        this.assertKnown(mchid);
        return this.kinds.get(mchid) ?? "merchant";
    }

    /** The live setting (the member card's by default), `undefined` when never set. */
    get(mchid: string, setting: SettingName = "membercard"): string | undefined {
        this.assertKnown(mchid);
        return this.live.get(mchid)?.[setting];
    }

    /** Out-of-band change, as if someone used the Pay platform UI: no validation. */
    set(mchid: string, notifyUrl: string | undefined, setting: SettingName = "membercard"): void {
        this.assertKnown(mchid);
        const settings = this.live.get(mchid) ?? {};
        if (notifyUrl === undefined) {
            delete settings[setting];
        } else {
            settings[setting] = notifyUrl;
        }
        this.live.set(mchid, settings);
    }

    /** Puts every merchant back to what it started with; merchants added later stay. */
    reset(): void {
        for (const [mchid, settings] of this.initial) {
            this.live.set(mchid, { ...settings });
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
        this.set(mchid, notifyUrl);
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

export function paramError(message: string): EmulatorError {
    return new EmulatorError(400, "PARAM_ERROR", message);
}
