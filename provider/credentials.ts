/**
 * One merchant's credentials: its serial, its private key and WeChat Pay's verification keys, checked and parsed
 * (PEM text or a file path). A key's text, or the path that holds the private key, never reaches a message.
 */

import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { fileURLToPath } from "node:url";
import { entryKey, invalid, missing, quoted, refuseKeyMaterial, SETTINGS, type Setting } from "./settings";

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

/** Reads a file: injected so tests and the resolver stay free of hidden I/O. */
export type FileReader = (path: string) => string;

/** The raw shape of one `wechatpay:merchants` entry. */
export interface RawProfile {
    serial?: unknown;
    privateKey?: unknown;
    publicKeyId?: unknown;
    publicKey?: unknown;
    publicKeys?: unknown;
}

/** Checks and parses one merchant's credentials; `setting` names each field's key for messages. */
export function resolveCredentials(
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
