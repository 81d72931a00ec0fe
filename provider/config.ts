/**
 * Resolving a stack's settings: stack config first, then the environment, then defaults; the merchant profiles; the
 * transport settings. Credentials are checked and parsed by credentials.ts, once per merchant.
 */

import { readFileSync } from "node:fs";
import { type FileReader, type MerchantConfig, type RawProfile, resolveCredentials } from "./credentials";
import {
    BACKUP_BASE_URL,
    DEFAULT_BASE_URL,
    entryKey,
    invalid,
    missing,
    profileHowTo,
    profileSetting,
    quoted,
    refuseKeyMaterial,
    SETTINGS,
    type Setting,
} from "./settings";

/** How requests are sent; shared by every merchant. */
interface TransportConfig {
    readonly baseUrl: string;
    /** Where a request that got no answer from `baseUrl` is sent again; undefined for none. */
    readonly backupBaseUrl: string | undefined;
    /** Per-request timeout in milliseconds. */
    readonly timeoutMs: number;
    /** Retries after the first attempt for transient failures. */
    readonly maxRetries: number;
    /** Upper bound for one lifecycle step, retries and failover included, in milliseconds. */
    readonly deadlineMs: number;
}

/** Everything one request needs: a merchant's credentials and the transport settings. */
export type ResolvedConfig = MerchantConfig & TransportConfig;

/** All settings of a stack: the single-merchant keys, the merchant profiles, and the transport. */
export interface StackSettings {
    /** `wechatpay:mchid`, the merchant of resources that name none; undefined when only profiles are set. */
    readonly defaultMchid: string | undefined;
    /** True when credentials for `mchid` are configured (a profile, or the single-merchant keys). */
    has(mchid: string): boolean;
    /**
     * The resolved settings for `mchid` (default: `wechatpay:mchid`). Throws a TypeError that names the missing or
     * malformed key; parses each merchant's keys once.
     */
    forMerchant(mchid?: string): ResolvedConfig;
}

/** Reads one raw setting; `req.config.get` inside the provider host. */
type ConfigGetter = (key: string) => unknown;
/** The settings whose values are (or contain) keys; every other setting refuses key material. */
const KEY_SETTINGS: ReadonlySet<string> = new Set([
    SETTINGS.privateKey.key,
    SETTINGS.publicKey.key,
    SETTINGS.publicKeys.key,
    SETTINGS.merchants.key,
]);

/**
 * Resolves the provider's settings: stack config first, then the environment, then defaults. Throws a TypeError that
 * names the setting and how to set it for anything missing or malformed, so no request is sent with bad settings.
 * Never puts a private key's text (or the path that holds it) in a message.
 */
export function resolveSettings(
    get: ConfigGetter,
    env: Record<string, string | undefined>,
    readFile: FileReader = (p) => readFileSync(p, "utf8"),
): StackSettings {
    const raw = (s: Setting): string | undefined => {
        const fromStack = get(s.key);
        if (fromStack !== undefined && fromStack !== null && typeof fromStack !== "string") {
            throw invalid(s, "must be a string");
        }
        const value = (fromStack as string | undefined) ?? env[s.env];
        if (value === undefined || value.trim() === "") {
            return undefined;
        }
        if (!KEY_SETTINGS.has(s.key)) {
            refuseKeyMaterial(s, value);
        }
        return value.trim();
    };

    const transport = resolveTransport(raw);
    const profiles = parseProfiles(raw(SETTINGS.merchants));
    const defaultMchid = raw(SETTINGS.mchid);
    if (defaultMchid !== undefined) {
        checkMchid(defaultMchid, SETTINGS.mchid);
    }

    const resolved = new Map<string, ResolvedConfig>();
    const resolveDefault = (mchid: string): MerchantConfig =>
        resolveCredentials(
            mchid,
            {
                serial: raw(SETTINGS.serial),
                privateKey: raw(SETTINGS.privateKey),
                publicKeyId: raw(SETTINGS.publicKeyId),
                publicKey: raw(SETTINGS.publicKey),
                publicKeys: parseJsonObject(SETTINGS.publicKeys, raw(SETTINGS.publicKeys)),
            },
            (field) => SETTINGS[field],
            readFile,
        );
    const resolveProfile = (mchid: string, profile: RawProfile): MerchantConfig =>
        resolveCredentials(mchid, profile, (field) => profileSetting(mchid, field), readFile);

    return {
        defaultMchid,
        has: (mchid) => profiles.has(mchid) || mchid === defaultMchid,
        forMerchant(mchid = defaultMchid) {
            if (mchid === undefined) {
                throw missing(SETTINGS.mchid);
            }
            const cached = resolved.get(mchid);
            if (cached) {
                return cached;
            }
            const profile = profiles.get(mchid);
            let credentials: MerchantConfig;
            if (profile !== undefined) {
                credentials = resolveProfile(mchid, profile);
            } else if (mchid === defaultMchid) {
                credentials = resolveDefault(mchid);
            } else {
                throw new TypeError(missingProfile(mchid, defaultMchid));
            }
            const config = Object.freeze({ ...credentials, ...transport });
            resolved.set(mchid, config);
            return config;
        },
    };
}

/**
 * The settings of the single merchant named by `wechatpay:mchid` (or its profile).
 * @internal
 */
export function resolveConfig(
    get: ConfigGetter,
    env: Record<string, string | undefined>,
    readFile?: FileReader,
): ResolvedConfig {
    return resolveSettings(get, env, readFile).forMerchant();
}

/** The message for a merchant that has no credentials in config. */
export function missingProfile(mchid: string, defaultMchid: string | undefined): string {
    const s = profileSetting(mchid, "serial");
    const also = defaultMchid ? ` (\`wechatpay:mchid\` is ${defaultMchid})` : "";
    return (
        `No credentials for merchant ${mchid}${also}: add a profile \`wechatpay:merchants.${mchid}\` with serial, ` +
        `privateKey, publicKeyId and publicKey. ${profileHowTo(s)}`
    );
}

function checkMchid(mchid: string, s: Setting): void {
    if (!/^\d{6,20}$/.test(mchid)) {
        throw invalid(s, `must be the numeric merchant id (商户号), got ${quoted(mchid)}`);
    }
}

/** Parses structured config, which Pulumi passes to providers as JSON text. */
function parseJsonObject(s: Setting, text: string | undefined): Record<string, unknown> | undefined {
    if (text === undefined) {
        return undefined;
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        // The text may hold private keys: say where, not what.
        throw invalid(s, "is not a JSON object");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw invalid(s, "must be a JSON object");
    }
    return value as Record<string, unknown>;
}

/** Parses `wechatpay:merchants`, an object keyed by mchid. */
function parseProfiles(text: string | undefined): Map<string, RawProfile> {
    const profiles = new Map<string, RawProfile>();
    const value = parseJsonObject(SETTINGS.merchants, text) ?? {};
    for (const [mchid, profile] of Object.entries(value)) {
        // The names are merchant ids; a key pasted as a name must not reach the message (it names the setting).
        refuseKeyMaterial(SETTINGS.merchants, mchid);
        checkMchid(mchid, { ...SETTINGS.merchants, key: entryKey("wechatpay:merchants", mchid) });
        if (typeof profile !== "object" || profile === null || Array.isArray(profile)) {
            throw invalid(
                { ...SETTINGS.merchants, key: `wechatpay:merchants.${mchid}` },
                "must be an object with serial, privateKey, publicKeyId and publicKey",
            );
        }
        profiles.set(mchid, profile as RawProfile);
    }
    return profiles;
}

function resolveTransport(raw: (s: Setting) => string | undefined): TransportConfig {
    const baseUrl = checkBaseUrl(SETTINGS.baseUrl, raw(SETTINGS.baseUrl) ?? DEFAULT_BASE_URL);
    const backupRaw = raw(SETTINGS.backupBaseUrl);
    const backupBaseUrl =
        backupRaw !== undefined
            ? checkBaseUrl(SETTINGS.backupBaseUrl, backupRaw)
            : baseUrl === DEFAULT_BASE_URL
              ? BACKUP_BASE_URL
              : undefined;
    return {
        baseUrl,
        backupBaseUrl: backupBaseUrl === baseUrl ? undefined : backupBaseUrl,
        timeoutMs: integer(SETTINGS.timeoutMs, raw(SETTINGS.timeoutMs), 10_000, 100, 300_000),
        maxRetries: integer(SETTINGS.maxRetries, raw(SETTINGS.maxRetries), 3, 0, 10),
        deadlineMs: integer(SETTINGS.deadlineMs, raw(SETTINGS.deadlineMs), 60_000, 1_000, 3_600_000),
    };
}

function integer(s: Setting, value: string | undefined, fallback: number, min: number, max: number): number {
    if (value === undefined) {
        return fallback;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
        throw invalid(s, `must be a whole number from ${min} to ${max}, got ${quoted(value)}`);
    }
    return n;
}

/** Loopback hosts may use http (the emulator); everything else must be https. */
const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/i;

/**
 * A base URL must be an origin: requests go to `<origin>/v3/…`, so a path would send them to another route (a
 * `…/v3/` prefix reaches WeChat Pay's 404 for unknown routes), and a query, fragment or credentials have no place.
 * Returns the origin with one trailing slash: that is what the client uses.
 */
function checkBaseUrl(s: Setting, value: string): string {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw invalid(s, `must be an absolute URL such as ${DEFAULT_BASE_URL}, got ${quoted(value)}`);
    }
    if (url.username || url.password) {
        throw invalid(s, "must not carry a user name or password");
    }
    const loopback = LOOPBACK.test(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
        throw invalid(
            s,
            `must use https (http is allowed only for loopback hosts such as 127.0.0.1), got ${quoted(value)}`,
        );
    }
    // As written, not as parsed: "https:host" or "https:///host" would parse to an origin the user did not write.
    if (!/^https?:\/\/[^/\\]/i.test(value) || /[\\\s\p{Cc}\p{Cf}]/u.test(value)) {
        throw invalid(s, `must be written as ${url.protocol}//host[:port], got ${quoted(value)}`);
    }
    if (url.pathname !== "/" || url.search || url.hash || /[?#]/.test(value)) {
        throw invalid(
            s,
            `must be an origin such as ${DEFAULT_BASE_URL}, without path, query or fragment; got ${quoted(value)} (use ${url.origin}/)`,
        );
    }
    return `${url.origin}/`;
}
