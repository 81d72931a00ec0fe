import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** WeChat Pay's primary API domain (nearest access point). */
export const DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com/";
/** WeChat Pay's backup API domain (remote access point), used for failover from the default. */
export const BACKUP_BASE_URL = "https://api2.mch.weixin.qq.com/";

/** Settings after resolution: every value present, checked, and keys parsed once. */
export interface ResolvedConfig {
    readonly mchid: string;
    readonly serial: string;
    /** The merchant private key, parsed. A KeyObject prints no key material when logged or serialized. */
    readonly privateKey: KeyObject;
    readonly publicKeyId: string;
    readonly publicKey: KeyObject;
    /** True when `publicKeyId` is a WeChat Pay public key id (`PUB_KEY_ID_…`) rather than a certificate serial. */
    readonly publicKeyMode: boolean;
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
    baseUrl: { key: "wechatpay:baseUrl", env: "WECHATPAY_BASE_URL", example: DEFAULT_BASE_URL },
    backupBaseUrl: { key: "wechatpay:backupBaseUrl", env: "WECHATPAY_BACKUP_BASE_URL", example: BACKUP_BASE_URL },
    timeoutMs: { key: "wechatpay:timeoutMs", env: "WECHATPAY_TIMEOUT_MS", example: "10000" },
    maxRetries: { key: "wechatpay:maxRetries", env: "WECHATPAY_MAX_RETRIES", example: "3" },
    deadlineMs: { key: "wechatpay:deadlineMs", env: "WECHATPAY_DEADLINE_MS", example: "60000" },
} as const satisfies Record<string, Setting>;

const howToSet = (s: Setting): string =>
    `Set it with \`pulumi config set${s.secret ? " --secret" : ""} ${s.key} ${s.example}\` or the ${s.env} environment variable.`;

const invalid = (s: Setting, why: string): TypeError => new TypeError(`Invalid \`${s.key}\`: ${why}. ${howToSet(s)}`);

/**
 * Resolves the provider's settings: stack config first, then the environment, then defaults. Throws a TypeError that
 * names the setting and how to set it for anything missing or malformed, so no request is sent with bad settings.
 * Never puts a private key's text (or the path that holds it) in a message.
 */
export function resolveConfig(
    get: ConfigGetter,
    env: Record<string, string | undefined>,
    readFile: FileReader = (p) => readFileSync(p, "utf8"),
): ResolvedConfig {
    const raw = (s: Setting): string | undefined => {
        const fromStack = get(s.key);
        if (fromStack !== undefined && fromStack !== null && typeof fromStack !== "string") {
            throw invalid(s, "must be a string");
        }
        const value = (fromStack as string | undefined) ?? env[s.env];
        return value === undefined || value.trim() === "" ? undefined : value.trim();
    };
    const required = (s: Setting): string => {
        const value = raw(s);
        if (value === undefined) {
            throw new TypeError(`Missing \`${s.key}\`. ${howToSet(s)}`);
        }
        return value;
    };

    const mchid = required(SETTINGS.mchid);
    if (!/^\d{6,20}$/.test(mchid)) {
        throw invalid(SETTINGS.mchid, `must be the numeric merchant id (商户号), got "${mchid}"`);
    }
    const serial = required(SETTINGS.serial).toUpperCase();
    if (!/^[0-9A-F]{8,64}$/.test(serial)) {
        throw invalid(
            SETTINGS.serial,
            `must be the hexadecimal serial of the merchant API certificate, got "${serial}"`,
        );
    }
    const privateKey = parseKey(SETTINGS.privateKey, required(SETTINGS.privateKey), "private", readFile);
    const publicKeyId = required(SETTINGS.publicKeyId);
    const publicKeyMode = publicKeyId.startsWith("PUB_KEY_ID_");
    if (!publicKeyMode && !/^[0-9A-Fa-f]{8,64}$/.test(publicKeyId)) {
        throw invalid(
            SETTINGS.publicKeyId,
            `must be a WeChat Pay public key id (PUB_KEY_ID_…) or a platform certificate serial, got "${publicKeyId}"`,
        );
    }
    if (publicKeyId.toUpperCase() === serial) {
        throw invalid(
            SETTINGS.publicKeyId,
            "is the merchant's own certificate serial; it must name WeChat Pay's key (PUB_KEY_ID_… or the platform certificate serial)",
        );
    }
    const publicKey = parseKey(SETTINGS.publicKey, required(SETTINGS.publicKey), "public", readFile);

    const baseUrl = checkBaseUrl(SETTINGS.baseUrl, raw(SETTINGS.baseUrl) ?? DEFAULT_BASE_URL);
    const backupRaw = raw(SETTINGS.backupBaseUrl);
    const backupBaseUrl =
        backupRaw !== undefined
            ? checkBaseUrl(SETTINGS.backupBaseUrl, backupRaw)
            : baseUrl === DEFAULT_BASE_URL
              ? BACKUP_BASE_URL
              : undefined;

    return Object.freeze({
        mchid,
        serial,
        privateKey,
        publicKeyId: publicKeyMode ? publicKeyId : publicKeyId.toUpperCase(),
        publicKey,
        publicKeyMode,
        baseUrl,
        backupBaseUrl: backupBaseUrl === baseUrl ? undefined : backupBaseUrl,
        timeoutMs: integer(SETTINGS.timeoutMs, raw(SETTINGS.timeoutMs), 10_000, 100, 300_000),
        maxRetries: integer(SETTINGS.maxRetries, raw(SETTINGS.maxRetries), 3, 0, 10),
        deadlineMs: integer(SETTINGS.deadlineMs, raw(SETTINGS.deadlineMs), 60_000, 1_000, 3_600_000),
    });
}

function integer(s: Setting, value: string | undefined, fallback: number, min: number, max: number): number {
    if (value === undefined) {
        return fallback;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
        throw invalid(s, `must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return n;
}

/** Loopback hosts may use http (the emulator); everything else must be https. */
const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/i;

function checkBaseUrl(s: Setting, value: string): string {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw invalid(s, `must be an absolute URL such as ${DEFAULT_BASE_URL}, got "${value}"`);
    }
    const loopback = LOOPBACK.test(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
        throw invalid(s, `must use https (http is allowed only for loopback hosts such as 127.0.0.1), got "${value}"`);
    }
    if (url.search || url.hash || url.username || url.password) {
        throw invalid(s, `must be a plain base URL without query, fragment or credentials, got "${url.origin}…"`);
    }
    return url.href.endsWith("/") ? url.href : `${url.href}/`;
}

/**
 * Parses a PEM given as text or as a file path (plain or file://). For the private key, neither the value nor the
 * path is echoed: a mistyped setting could be the key itself.
 */
function parseKey(s: Setting, value: string, kind: "private" | "public", readFile: FileReader): KeyObject {
    const secret = kind === "private";
    let pem = value;
    if (!value.includes("-----BEGIN")) {
        const path = value.startsWith("file://") ? fileURLToPath(value) : value;
        try {
            pem = readFile(path);
        } catch (e) {
            const code = (e as { code?: unknown }).code;
            const where = secret ? "the file it names" : `"${path}"`;
            throw invalid(
                s,
                `is neither PEM text nor a readable file: could not read ${where} (${typeof code === "string" ? code : "error"})`,
            );
        }
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
