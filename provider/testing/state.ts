/**
 * The notify-URL settings WeChat Pay keeps per merchant (member card here; the other APIs' rules are in apis.ts), and
 * the rules it applies to the member card's. Pure: no HTTP, no crypto. Everything WeChat Pay would refuse is thrown as
 * an {@link EmulatorError}.
 */

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

/**
 * What a GET answers when the merchant has no URL set. `"documented"` is each API's own reply (documented for
 * complaints and violations; for the member card and merchant coupons, undocumented: 404 `RESOURCE_NOT_EXISTS`).
 * The others answer the same for every API, to show that any signed reply that plainly says "none" is read as none:
 * a signed 404/400 with `RESOURCE_NOT_EXISTS` or `NOT_FOUND`, or a signed 200 whose URL field is `""`, `null` or
 * missing. `"not-found"`, `"bad-request"` and `"empty"` are older names of `"404 RESOURCE_NOT_EXISTS"`,
 * `"400 RESOURCE_NOT_EXISTS"` and `"200 empty"`.
 */
export type UnsetReply =
    | "documented"
    | "404 RESOURCE_NOT_EXISTS"
    | "404 NOT_FOUND"
    | "400 RESOURCE_NOT_EXISTS"
    | "400 NOT_FOUND"
    | "200 empty"
    | "200 null"
    | "200 missing"
    | "not-found"
    | "empty"
    | "bad-request";

/** Every shape of a signed "none" (each API's own reply first), without the older names. */
export const NONE_SHAPES: readonly UnsetReply[] = [
    "documented",
    "404 RESOURCE_NOT_EXISTS",
    "404 NOT_FOUND",
    "400 RESOURCE_NOT_EXISTS",
    "400 NOT_FOUND",
    "200 empty",
    "200 null",
    "200 missing",
];

/** Every {@link UnsetReply}, for option checks. */
export const UNSET_REPLIES: readonly UnsetReply[] = [...NONE_SHAPES, "not-found", "empty", "bad-request"];

/**
 * The answer of a GET when `mchid` has no URL for a setting: `documented` is thrown as is for `"documented"`;
 * `field` is the API's URL field, and `withMchid` whether its replies carry `mchid`.
 */
export function noneSetAnswer(
    reply: UnsetReply,
    documented: EmulatorError,
    mchid: string,
    field: string,
    withMchid: boolean,
): { status: number; body: Record<string, unknown> } {
    const base = withMchid ? { mchid } : {};
    switch (reply) {
        case "documented":
            throw documented;
        case "200 empty":
        case "empty":
            return { status: 200, body: { ...base, [field]: "" } };
        case "200 null":
            return { status: 200, body: { ...base, [field]: null } };
        case "200 missing":
            return { status: 200, body: base };
        case "not-found":
            throw new EmulatorError(404, "RESOURCE_NOT_EXISTS", documented.message);
        case "bad-request":
            throw new EmulatorError(400, "RESOURCE_NOT_EXISTS", documented.message);
        default: {
            const [status, code] = reply.split(" ");
            throw new EmulatorError(Number(status), code ?? "NOT_FOUND", documented.message);
        }
    }
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

/**
 * Called with every merchant's settings as they are about to become, before a change takes effect; if it throws,
 * the change is not made (so a setting is never live without having been saved).
 */
export type SettingsListener = (settings: ReadonlyMap<string, Settings>) => void;

/** The settings of every merchant of one emulator, keyed by mchid. */
export class NotifySettingsState {
    // What each merchant started with, so reset() can put it back.
    private readonly initial = new Map<string, Settings>();
    private readonly live = new Map<string, Settings>();
    private readonly kinds = new Map<string, MerchantKind>();
    private readonly unsetReplies = new Map<string, UnsetReply>();
    private listener: SettingsListener | undefined;

    constructor(private defaultUnsetReply: UnsetReply = "documented") {}

    /** Registers the one listener told of every later change (the CLI's `--state-dir` saves through it). */
    onChange(listener: SettingsListener): void {
        this.listener = listener;
    }

    /** A copy of every merchant's live settings. */
    snapshot(): Map<string, Settings> {
        return new Map([...this.live].map(([mchid, settings]) => [mchid, { ...settings }]));
    }

    /** Tells the listener what `next` would make of the settings, then makes it so. */
    private commit(next: Map<string, Settings>): void {
        this.listener?.(next);
        for (const [mchid, settings] of next) {
            this.live.set(mchid, settings);
        }
    }

    /** What a GET answers for `mchid` when none is set (see {@link UnsetReply}). */
    unsetReply(mchid: string): UnsetReply {
        return this.unsetReplies.get(mchid) ?? this.defaultUnsetReply;
    }

    /** Sets the none-set reply of one merchant, or (without `mchid`) the default of every merchant. */
    setUnsetReply(reply: UnsetReply, mchid?: string): void {
        if (!UNSET_REPLIES.includes(reply)) {
            throw new TypeError(`unsetReply must be one of ${UNSET_REPLIES.join(", ")}; got ${String(reply)}.`);
        }
        if (mchid === undefined) {
            this.defaultUnsetReply = reply;
        } else {
            this.assertKnown(mchid);
            this.unsetReplies.set(mchid, reply);
        }
    }

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
        const next = this.snapshot();
        next.set(mchid, { ...start });
        this.commit(next);
        this.initial.set(mchid, start);
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
        const next = this.snapshot();
        const settings = next.get(mchid) ?? {};
        if (notifyUrl === undefined) {
            delete settings[setting];
        } else {
            settings[setting] = notifyUrl;
        }
        next.set(mchid, settings);
        this.commit(next);
    }

    /** Puts every merchant back to what it started with; merchants added later stay. */
    reset(): void {
        const next = this.snapshot();
        for (const [mchid, settings] of this.initial) {
            next.set(mchid, { ...settings });
        }
        this.commit(next);
    }

    private assertKnown(mchid: string): void {
        if (!this.initial.has(mchid)) {
            throw new Error(`Merchant ${mchid} does not exist in this emulator.`);
        }
    }
}

export function paramError(message: string): EmulatorError {
    return new EmulatorError(400, "PARAM_ERROR", message);
}
