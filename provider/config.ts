import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** WeChat Pay's primary API domain (nearest access point). */
export const DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com/";
/** WeChat Pay's backup API domain (remote access point), used for failover from the default. */
export const BACKUP_BASE_URL = "https://api2.mch.weixin.qq.com/";

/** One merchant's credentials, checked and with keys parsed. */
export interface MerchantConfig {
    readonly mchid: string;
    readonly serial: string;
    /** The merchant private key, parsed. A KeyObject prints no key material when logged or serialized. */
    readonly privateKey: KeyObject;
    /** The key WeChat Pay is asked to sign with: a `PUB_KEY_ID_…` (sent as `Wechatpay-Serial`) or a certificate serial. */
    readonly publicKeyId: string;
    /** Every WeChat Pay key a reply may be signed with, by id; two during the switch-over from certificates. */
    readonly publicKeys: Readonly<Record<string, KeyObject>>;
    /** True when `publicKeyId` is a WeChat Pay public key id (`PUB_KEY_ID_…`) rather than a certificate serial. */
    readonly publicKeyMode: boolean;
}

/** How requests are sent; shared by every merchant. */
export interface TransportConfig {
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
export interface Settings {
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
export type ConfigGetter = (key: string) => unknown;
/** Reads a file: injected so tests and the resolver stay free of hidden I/O. */
export type FileReader = (path: string) => string;

/** One setting: its stack config key, environment fallback, and what to tell a person who has to set it. */
interface Setting {
    key: string;
    env: string;
    example: string;
    secret?: boolean;
}

/** Every setting, in the order the README's table lists them. */
export const SETTINGS = {
    mchid: { key: "wechatpay:mchid", env: "WECHATPAY_MCHID", example: "1900000001" },
    serial: { key: "wechatpay:serial", env: "WECHATPAY_SERIAL", example: "<merchant API certificate serial>" },
    privateKey: {
        key: "wechatpay:privateKey",
        env: "WECHATPAY_PRIVATE_KEY",
        example: "/path/to/apiclient_key.pem",
        secret: true,
    },
    publicKeyId: { key: "wechatpay:publicKeyId", env: "WECHATPAY_PUBLIC_KEY_ID", example: "PUB_KEY_ID_…" },
    publicKey: { key: "wechatpay:publicKey", env: "WECHATPAY_PUBLIC_KEY", example: "/path/to/pub_key.pem" },
    publicKeys: {
        key: "wechatpay:publicKeys",
        env: "WECHATPAY_PUBLIC_KEYS",
        example: '\'{"PUB_KEY_ID_…":"<pem>","<certificate serial>":"<pem>"}\'',
    },
    merchants: { key: "wechatpay:merchants", env: "WECHATPAY_MERCHANTS", example: "<JSON object keyed by mchid>" },
    baseUrl: { key: "wechatpay:baseUrl", env: "WECHATPAY_BASE_URL", example: DEFAULT_BASE_URL },
    backupBaseUrl: { key: "wechatpay:backupBaseUrl", env: "WECHATPAY_BACKUP_BASE_URL", example: BACKUP_BASE_URL },
    timeoutMs: { key: "wechatpay:timeoutMs", env: "WECHATPAY_TIMEOUT_MS", example: "10000" },
    maxRetries: { key: "wechatpay:maxRetries", env: "WECHATPAY_MAX_RETRIES", example: "3" },
    deadlineMs: { key: "wechatpay:deadlineMs", env: "WECHATPAY_DEADLINE_MS", example: "60000" },
} as const satisfies Record<string, Setting>;

/** The settings whose values are (or contain) keys; every other setting refuses key material. */
const KEY_SETTINGS: ReadonlySet<string> = new Set([
    SETTINGS.privateKey.key,
    SETTINGS.publicKey.key,
    SETTINGS.publicKeys.key,
    SETTINGS.merchants.key,
]);

const howToSet = (s: Setting): string =>
    s.key.startsWith("wechatpay:merchants.")
        ? profileHowTo(s)
        : `Set it with \`pulumi config set${s.secret ? " --secret" : ""} ${s.key} ${s.example}\` or the ${s.env} environment variable.`;

/** Profile fields are nested in `wechatpay:merchants`, so they are set with `--path`. */
const profileHowTo = (s: Setting): string =>
    `Set it with \`pulumi config set${s.secret ? " --secret" : ""} --path '${s.key}' ${s.example}\`.`;

const invalid = (s: Setting, why: string): TypeError => new TypeError(`Invalid \`${s.key}\`: ${why}. ${howToSet(s)}`);

const missing = (s: Setting): TypeError => new TypeError(`Missing \`${s.key}\`. ${howToSet(s)}`);

/**
 * Whether `value` could be key material: PEM armour, or a run of 64 or more base64 characters (one line of a PEM
 * body; no id, serial, number or URL of ours has one). Such a value is never put in a message: a key pasted into the
 * wrong setting would otherwise be printed by every `pulumi` command that reports the error.
 */
export function looksLikeKeyMaterial(value: string): boolean {
    return value.includes("-----BEGIN") || /[A-Za-z0-9+/=]{64,}/.test(value.replace(/\s+/g, ""));
}

/** Refuses key material in a setting that never holds a key, naming the setting and not the value. */
function refuseKeyMaterial(s: Setting, value: string): void {
    if (looksLikeKeyMaterial(value)) {
        throw invalid(
            s,
            "holds what looks like key material (PEM text or base64), which is not shown here. If it is the merchant " +
                `private key, it belongs in \`${SETTINGS.privateKey.key}\` (set with --secret)`,
        );
    }
}

/**
 * Whether `value` could hold a fragment of a key: a run of 16 or more base64 characters that mixes upper case, lower
 * case and digits, as key bodies do. Ids, serials, numbers and the URLs and paths these settings take do not.
 */
function couldHoldKeyFragment(value: string): boolean {
    const runs = value.replace(/\s+/g, "").match(/[A-Za-z0-9+/=]{16,}/g) ?? [];
    return runs.some((run) => /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run));
}

/** The name of entry `name` of an object setting, for messages: never a name that could be a piece of a key. */
const entryKey = (base: string, name: string): string =>
    looksLikeKeyMaterial(name) || couldHoldKeyFragment(name)
        ? `${base}.<a name that looks like key material>`
        : `${base}.${name}`;

/**
 * `value` in quotes for a message, unless it could be key material or a fragment of it (say, one line of a PEM body
 * pasted into the wrong setting): error messages are printed by every `pulumi` command that reports them.
 */
export const quoted = (value: string): string =>
    looksLikeKeyMaterial(value) || couldHoldKeyFragment(value)
        ? "a value that looks like key material (not shown)"
        : JSON.stringify(value);

/** A field of one merchant profile, `wechatpay:merchants.<mchid>.<field>`, set with `--path`. */
function profileSetting(
    mchid: string,
    field: "serial" | "privateKey" | "publicKeyId" | "publicKey" | "publicKeys",
): Setting {
    return {
        key: `wechatpay:merchants.${mchid}.${field}`,
        env: SETTINGS.merchants.env,
        example: field === "publicKeys" ? "<pem>" : SETTINGS[field].example,
        ...(field === "privateKey" ? { secret: true } : {}),
    };
}

/** The raw shape of one `wechatpay:merchants` entry. */
interface RawProfile {
    serial?: unknown;
    privateKey?: unknown;
    publicKeyId?: unknown;
    publicKey?: unknown;
    publicKeys?: unknown;
}

/**
 * Resolves the provider's settings: stack config first, then the environment, then defaults. Throws a TypeError that
 * names the setting and how to set it for anything missing or malformed, so no request is sent with bad settings.
 * Never puts a private key's text (or the path that holds it) in a message.
 */
export function resolveSettings(
    get: ConfigGetter,
    env: Record<string, string | undefined>,
    readFile: FileReader = (p) => readFileSync(p, "utf8"),
): Settings {
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
        merchant(
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
        merchant(mchid, profile, (field) => profileSetting(mchid, field), readFile);

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

/** The settings of the single merchant named by `wechatpay:mchid` (or its profile). */
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

/** Checks and parses one merchant's credentials; `setting` names each field's key for messages. */
function merchant(
    mchid: string,
    raw: RawProfile,
    setting: (field: "serial" | "privateKey" | "publicKeyId" | "publicKey" | "publicKeys") => Setting,
    readFile: FileReader,
): MerchantConfig {
    const text = (field: "serial" | "privateKey" | "publicKeyId" | "publicKey"): string | undefined => {
        const value = raw[field];
        if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
            return undefined;
        }
        if (typeof value !== "string") {
            throw invalid(setting(field), "must be a string");
        }
        if (field === "serial" || field === "publicKeyId") {
            refuseKeyMaterial(setting(field), value);
        }
        return value.trim();
    };
    const required = (field: "serial" | "privateKey"): string => {
        const value = text(field);
        if (value === undefined) {
            throw missing(setting(field));
        }
        return value;
    };

    const givenSerial = required("serial");
    const serial = givenSerial.toUpperCase();
    if (!/^[0-9A-F]{8,64}$/.test(serial)) {
        // Quoted as given: upper-casing would hide the mixed case that marks a fragment of a key.
        throw invalid(
            setting("serial"),
            `must be the hexadecimal serial of the merchant API certificate, got ${quoted(givenSerial)}`,
        );
    }
    const privateKey = parseKey(setting("privateKey"), required("privateKey"), "private", readFile);

    // Verification keys: `publicKeys` (several, during a switch-over) and/or `publicKeyId` + `publicKey`.
    const publicKeys: Record<string, KeyObject> = {};
    if (raw.publicKeys !== undefined && raw.publicKeys !== null) {
        const s = setting("publicKeys");
        if (typeof raw.publicKeys !== "object" || Array.isArray(raw.publicKeys)) {
            throw invalid(s, "must be an object of WeChat Pay key id → PEM");
        }
        for (const [id, pem] of Object.entries(raw.publicKeys)) {
            // The names are key ids and the values PEMs; a PEM given as a name must not reach the message.
            refuseKeyMaterial(s, id);
            const key = normalizeKeyId(id, { ...s, key: entryKey(s.key, id) }, serial);
            if (typeof pem !== "string" || pem.trim() === "") {
                throw invalid({ ...s, key: entryKey(s.key, id) }, "must be PEM text or a file path");
            }
            publicKeys[key] = parseKey({ ...s, key: entryKey(s.key, id) }, pem.trim(), "public", readFile);
        }
    }
    const idText = text("publicKeyId");
    const pemText = text("publicKey");
    let publicKeyId = idText === undefined ? undefined : normalizeKeyId(idText, setting("publicKeyId"), serial);
    if (pemText !== undefined) {
        if (publicKeyId === undefined) {
            throw missing(setting("publicKeyId"));
        }
        publicKeys[publicKeyId] = parseKey(setting("publicKey"), pemText, "public", readFile);
    }
    const ids = Object.keys(publicKeys);
    if (ids.length === 0) {
        throw missing(setting(publicKeyId === undefined ? "publicKeyId" : "publicKey"));
    }
    // Without an explicit choice, prefer the public key: it is where WeChat Pay is moving merchants.
    publicKeyId ??= ids.find((id) => id.startsWith("PUB_KEY_ID_")) ?? ids[0];
    if (publicKeyId === undefined || publicKeys[publicKeyId] === undefined) {
        throw invalid(setting("publicKeyId"), `names no configured key; configured: ${ids.join(", ")}`);
    }
    return {
        mchid,
        serial,
        privateKey,
        publicKeyId,
        publicKeys: Object.freeze(publicKeys),
        publicKeyMode: publicKeyId.startsWith("PUB_KEY_ID_"),
    };
}

/** A `PUB_KEY_ID_…` as given, or a certificate serial in upper case; never the merchant's own serial. */
function normalizeKeyId(id: string, s: Setting, merchantSerial: string): string {
    const publicKeyMode = id.startsWith("PUB_KEY_ID_");
    if (!publicKeyMode && !/^[0-9A-Fa-f]{8,64}$/.test(id)) {
        throw invalid(
            s,
            `must be a WeChat Pay public key id (PUB_KEY_ID_…) or a platform certificate serial, got ${quoted(id)}`,
        );
    }
    if (id.toUpperCase() === merchantSerial) {
        throw invalid(
            s,
            "is the merchant's own certificate serial; it must name WeChat Pay's key (PUB_KEY_ID_… or the platform certificate serial)",
        );
    }
    return publicKeyMode ? id : id.toUpperCase();
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

/**
 * Parses a PEM given as text or as a file path (plain or file://). For the private key, neither the value nor the
 * path is echoed: a mistyped setting could be the key itself.
 */
function parseKey(s: Setting, value: string, kind: "private" | "public", readFile: FileReader): KeyObject {
    const secret = kind === "private";
    let pem = value;
    if (!value.includes("-----BEGIN")) {
        let path = value;
        try {
            // Inside the try: fileURLToPath throws on a file URL with a host, and that error must name the key.
            path = value.startsWith("file://") ? fileURLToPath(value) : value;
            pem = readFile(path);
        } catch (e) {
            const code = (e as { code?: unknown }).code;
            const where = secret ? "the file it names" : quoted(path);
            throw invalid(
                s,
                `is neither PEM text nor a readable file: could not read ${where} (${typeof code === "string" ? code : "error"})`,
            );
        }
    }
    if (kind === "public" && isPrivateKey(pem)) {
        // createPublicKey() accepts a private key (it derives the public half), so without this check the merchant's
        // own key would be taken as WeChat Pay's and every reply would fail to verify.
        throw invalid(
            s,
            "is a private key. It takes WeChat Pay's public key (pub_key.pem) or platform certificate; the merchant " +
                `private key belongs in \`${SETTINGS.privateKey.key}\` (set with --secret)`,
        );
    }
    try {
        const key = kind === "private" ? createPrivateKey(pem) : createPublicKey(pem);
        if (key.asymmetricKeyType !== "rsa") {
            throw new Error(`${key.asymmetricKeyType ?? "unknown"} key`);
        }
        return key;
    } catch (e) {
        const what =
            kind === "private"
                ? "an RSA private key in PEM (apiclient_key.pem)"
                : "an RSA public key or a platform certificate in PEM";
        const detail = e instanceof Error && /key$/.test(e.message) ? ` (found an ${e.message})` : "";
        throw invalid(s, `is not ${what}${detail}`);
    }
}

/** Whether `pem` holds a private key (any PEM label, or anything `createPrivateKey` accepts). */
function isPrivateKey(pem: string): boolean {
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
        return true;
    }
    try {
        createPrivateKey(pem);
        return true;
    } catch {
        return false;
    }
}
