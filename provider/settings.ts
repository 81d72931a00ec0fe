/**
 * The provider's settings: each one's stack config key, environment fallback, example and description, and the
 * messages that name a setting and how to set it. A message never shows a value that could be key material.
 */

/** WeChat Pay's primary API domain (nearest access point). */
export const DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com/";
/** WeChat Pay's backup API domain (remote access point), used for failover from the default. */
export const BACKUP_BASE_URL = "https://api2.mch.weixin.qq.com/";

/** One setting: its stack config key, environment fallback, and what to tell a person who has to set it. */
export interface Setting {
    key: string;
    env: string;
    example: string;
    secret?: boolean;
}

/** A setting of the stack, described for people. */
export interface DescribedSetting extends Setting {
    /**
     * What it holds, in a phrase: the plugin schema's description of the config key, and the README's settings table
     * (a test holds the table to it). No secret marker: `secret` and the schema's flag say that.
     */
    description: string;
}

/** Every setting, in the order the README's table lists them. */
export const SETTINGS = {
    mchid: {
        key: "wechatpay:mchid",
        env: "WECHATPAY_MCHID",
        example: "1900000001",
        description: "merchant id (商户号)",
    },
    serial: {
        key: "wechatpay:serial",
        env: "WECHATPAY_SERIAL",
        example: "<merchant API certificate serial>",
        description: "merchant API certificate serial (商户API证书序列号)",
    },
    privateKey: {
        key: "wechatpay:privateKey",
        env: "WECHATPAY_PRIVATE_KEY",
        example: "/path/to/apiclient_key.pem",
        secret: true,
        description: "merchant API private key: PEM text or a file path",
    },
    publicKeyId: {
        key: "wechatpay:publicKeyId",
        env: "WECHATPAY_PUBLIC_KEY_ID",
        example: "PUB_KEY_ID_…",
        description: "WeChat Pay public key id (`PUB_KEY_ID_…`), or a platform certificate serial",
    },
    publicKey: {
        key: "wechatpay:publicKey",
        env: "WECHATPAY_PUBLIC_KEY",
        example: "/path/to/pub_key.pem",
        description: "WeChat Pay public key or platform certificate: PEM text or a file path",
    },
    publicKeys: {
        key: "wechatpay:publicKeys",
        env: "WECHATPAY_PUBLIC_KEYS",
        example: '\'{"PUB_KEY_ID_…":"<pem>","<certificate serial>":"<pem>"}\'',
        description: "key id → PEM or path: both keys while switching from platform certificate to public key",
    },
    merchants: {
        key: "wechatpay:merchants",
        env: "WECHATPAY_MERCHANTS",
        example: "<JSON object keyed by mchid>",
        description: "profiles for more merchants in one stack, keyed by mchid",
    },
    baseUrl: {
        key: "wechatpay:baseUrl",
        env: "WECHATPAY_BASE_URL",
        example: DEFAULT_BASE_URL,
        description: `default \`${DEFAULT_BASE_URL}\`; an origin; \`http://\` only for loopback`,
    },
    backupBaseUrl: {
        key: "wechatpay:backupBaseUrl",
        env: "WECHATPAY_BACKUP_BASE_URL",
        example: BACKUP_BASE_URL,
        description: `failover; default \`${BACKUP_BASE_URL}\` with the default \`baseUrl\``,
    },
    timeoutMs: {
        key: "wechatpay:timeoutMs",
        env: "WECHATPAY_TIMEOUT_MS",
        example: "10000",
        description: "per request, default `10000`",
    },
    maxRetries: {
        key: "wechatpay:maxRetries",
        env: "WECHATPAY_MAX_RETRIES",
        example: "3",
        description: "for transient failures, default `3`",
    },
    deadlineMs: {
        key: "wechatpay:deadlineMs",
        env: "WECHATPAY_DEADLINE_MS",
        example: "60000",
        description: "for one lifecycle step, retries included, default `60000`",
    },
} as const satisfies Record<string, DescribedSetting>;

const howToSet = (s: Setting): string =>
    s.key.startsWith("wechatpay:merchants.")
        ? profileHowTo(s)
        : `Set it with \`pulumi config set${s.secret ? " --secret" : ""} ${s.key} ${s.example}\` or the ${s.env} environment variable.`;

/** Profile fields are nested in `wechatpay:merchants`, so they are set with `--path`. */
export const profileHowTo = (s: Setting): string =>
    `Set it with \`pulumi config set${s.secret ? " --secret" : ""} --path '${s.key}' ${s.example}\`.`;

export const invalid = (s: Setting, why: string): TypeError =>
    new TypeError(`Invalid \`${s.key}\`: ${why}. ${howToSet(s)}`);

export const missing = (s: Setting): TypeError => new TypeError(`Missing \`${s.key}\`. ${howToSet(s)}`);

/**
 * Whether `value` could be key material: PEM armour, or a run of 64 or more base64 characters (one line of a PEM
 * body; no id, serial, number or URL of ours has one). Such a value is never put in a message: a key pasted into the
 * wrong setting would otherwise be printed by every `pulumi` command that reports the error.
 */
function looksLikeKeyMaterial(value: string): boolean {
    return value.includes("-----BEGIN") || /[A-Za-z0-9+/=]{64,}/.test(value.replace(/\s+/g, ""));
}

/** Refuses key material in a setting that never holds a key, naming the setting and not the value. */
export function refuseKeyMaterial(s: Setting, value: string): void {
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
export const entryKey = (base: string, name: string): string =>
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
export function profileSetting(
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
