import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { PRIVATE_KEY_BEGIN } from "../../harness";
import { resolveConfig, resolveSettings } from "../../provider/config";
import { BACKUP_BASE_URL, DEFAULT_BASE_URL } from "../../provider/settings";

let privatePem: string;
let publicPem: string;
let dir: string;
const SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
const PUB_ID = "PUB_KEY_ID_0114232134912410000000000000";

beforeAll(() => {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    privatePem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    publicPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
    dir = mkdtempSync(join(tmpdir(), "wxp-config-"));
    writeFileSync(join(dir, "apiclient_key.pem"), privatePem);
    writeFileSync(join(dir, "pub_key.pem"), publicPem);
});

const stack = (values: Record<string, string>) => (key: string) => values[key];
/** The same settings as environment variables (wechatpay:publicKeyId → WECHATPAY_PUBLIC_KEY_ID). */
const envOf = (values: Record<string, string>): Record<string, string> =>
    Object.fromEntries(
        Object.entries(values).map(([k, v]) => [
            `WECHATPAY_${k
                .replace("wechatpay:", "")
                .replace(/[A-Z]/g, (c) => `_${c}`)
                .toUpperCase()}`,
            v,
        ]),
    );
const full = (): Record<string, string> => ({
    "wechatpay:mchid": "1900000001",
    "wechatpay:serial": SERIAL,
    "wechatpay:privateKey": privatePem,
    "wechatpay:publicKeyId": PUB_ID,
    "wechatpay:publicKey": publicPem,
});

describe("resolveConfig", () => {
    it("resolves a complete stack config with defaults", () => {
        const c = resolveConfig(stack(full()), {});
        expect(c.mchid).toBe("1900000001");
        expect(c.serial).toBe(SERIAL);
        expect(c.privateKey.type).toBe("private");
        expect(Object.keys(c.publicKeys)).toEqual([PUB_ID]);
        expect(c.publicKeys[PUB_ID]?.type).toBe("public");
        expect(c.publicKeyId).toBe(PUB_ID);
        expect(c.publicKeyMode).toBe(true);
        expect(c.baseUrl).toBe(DEFAULT_BASE_URL);
        expect(c.backupBaseUrl).toBe(BACKUP_BASE_URL);
        expect([c.timeoutMs, c.maxRetries, c.deadlineMs]).toEqual([10_000, 3, 60_000]);
        expect(Object.isFrozen(c)).toBe(true);
    });

    it("falls back to the environment, and stack config wins over it", () => {
        const env = {
            WECHATPAY_MCHID: "1900000002",
            WECHATPAY_SERIAL: SERIAL,
            WECHATPAY_PRIVATE_KEY: join(dir, "apiclient_key.pem"),
            WECHATPAY_PUBLIC_KEY_ID: PUB_ID,
            WECHATPAY_PUBLIC_KEY: pathToFileURL(join(dir, "pub_key.pem")).href,
            WECHATPAY_BASE_URL: "http://127.0.0.1:8080",
        };
        expect(resolveConfig(stack({}), env).mchid).toBe("1900000002");
        expect(resolveConfig(stack({ "wechatpay:mchid": "1900000003" }), env).mchid).toBe("1900000003");
        const c = resolveConfig(stack({}), env);
        expect(c.baseUrl).toBe("http://127.0.0.1:8080/");
        expect(c.backupBaseUrl).toBeUndefined();
    });

    it("treats a platform certificate serial as certificate mode", () => {
        const c = resolveConfig(
            stack({ ...full(), "wechatpay:publicKeyId": "7132d72a958e6c3ec6e0d2cd86bc1e7f2d0e3b4a" }),
            {},
        );
        expect(c.publicKeyMode).toBe(false);
        expect(c.publicKeyId).toBe("7132D72A958E6C3EC6E0D2CD86BC1E7F2D0E3B4A");
    });

    it.each([
        [
            "wechatpay:mchid",
            "Missing `wechatpay:mchid`. Set it with `pulumi config set wechatpay:mchid 1900000001` or the WECHATPAY_MCHID environment variable.",
        ],
        [
            "wechatpay:serial",
            "Missing `wechatpay:serial`. Set it with `pulumi config set wechatpay:serial <merchant API certificate serial>` or the WECHATPAY_SERIAL environment variable.",
        ],
        [
            "wechatpay:privateKey",
            "Missing `wechatpay:privateKey`. Set it with `pulumi config set --secret wechatpay:privateKey /path/to/apiclient_key.pem` or the WECHATPAY_PRIVATE_KEY environment variable.",
        ],
        [
            "wechatpay:publicKeyId",
            "Missing `wechatpay:publicKeyId`. Set it with `pulumi config set wechatpay:publicKeyId PUB_KEY_ID_…` or the WECHATPAY_PUBLIC_KEY_ID environment variable.",
        ],
        [
            "wechatpay:publicKey",
            "Missing `wechatpay:publicKey`. Set it with `pulumi config set wechatpay:publicKey /path/to/pub_key.pem` or the WECHATPAY_PUBLIC_KEY environment variable.",
        ],
    ])("names a missing %s and how to set it", (key, message) => {
        const values = full();
        delete values[key];
        expect(() => resolveConfig(stack(values), {})).toThrow(new TypeError(message));
    });

    it.each([
        [
            "wechatpay:mchid",
            "19000x",
            'Invalid `wechatpay:mchid`: must be the numeric merchant id (商户号), got "19000x".',
        ],
        [
            "wechatpay:serial",
            "not-hex",
            'Invalid `wechatpay:serial`: must be the hexadecimal serial of the merchant API certificate, got "not-hex".',
        ],
        [
            "wechatpay:publicKeyId",
            "KEY_1",
            'Invalid `wechatpay:publicKeyId`: must be a WeChat Pay public key id (PUB_KEY_ID_…) or a platform certificate serial, got "KEY_1".',
        ],
        ["wechatpay:publicKeyId", SERIAL, "Invalid `wechatpay:publicKeyId`: is the merchant's own certificate serial"],
        [
            "wechatpay:publicKey",
            "/nonexistent/pub.pem",
            'Invalid `wechatpay:publicKey`: is neither PEM text nor a readable file: could not read "/nonexistent/pub.pem" (ENOENT).',
        ],
        [
            "wechatpay:publicKey",
            "file://somehost/etc/pub.pem",
            'Invalid `wechatpay:publicKey`: is neither PEM text nor a readable file: could not read "file://somehost/etc/pub.pem"',
        ],
        [
            "wechatpay:publicKey",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            "Invalid `wechatpay:publicKey`: is not an RSA public key or a platform certificate in PEM.",
        ],
        [
            "wechatpay:baseUrl",
            "http://api.mch.weixin.qq.com/",
            'Invalid `wechatpay:baseUrl`: must use https (http is allowed only for loopback hosts such as 127.0.0.1), got "http://api.mch.weixin.qq.com/".',
        ],
        [
            "wechatpay:baseUrl",
            "not a url",
            'Invalid `wechatpay:baseUrl`: must be an absolute URL such as https://api.mch.weixin.qq.com/, got "not a url".',
        ],
        [
            "wechatpay:timeoutMs",
            "fast",
            'Invalid `wechatpay:timeoutMs`: must be a whole number from 100 to 300000, got "fast".',
        ],
        [
            "wechatpay:maxRetries",
            "11",
            'Invalid `wechatpay:maxRetries`: must be a whole number from 0 to 10, got "11".',
        ],
    ])("rejects a malformed %s (%s)", (key, value, message) => {
        expect(() => resolveConfig(stack({ ...full(), [key]: value }), {})).toThrow(message);
    });

    it("accepts http for loopback base URLs only", () => {
        for (const url of ["http://127.0.0.1:1/", "http://localhost:2/", "http://[::1]:3/"]) {
            expect(resolveConfig(stack({ ...full(), "wechatpay:baseUrl": url }), {}).baseUrl).toBe(url);
        }
        expect(() => resolveConfig(stack({ ...full(), "wechatpay:baseUrl": "http://10.0.0.1/" }), {})).toThrow(
            /must use https/,
        );
    });

    it("never echoes the private key, even when it is malformed or a bad path", () => {
        const broken = privatePem.replace(PRIVATE_KEY_BEGIN, `${PRIVATE_KEY_BEGIN}\nXX`);
        const bodyOnly = privatePem.split("\n").slice(1, 3).join("");
        for (const value of [broken, bodyOnly, "/secret/path/apiclient_key.pem"]) {
            let message = "";
            try {
                resolveConfig(stack({ ...full(), "wechatpay:privateKey": value }), {});
            } catch (e) {
                message = (e as Error).message;
            }
            expect(message).toMatch(/^Invalid `wechatpay:privateKey`: /);
            expect(message).not.toContain(value.slice(0, 40));
            expect(message).not.toContain(privatePem.split("\n")[1]);
        }
    });

    it("rejects a public key given as the private key", () => {
        expect(() => resolveConfig(stack({ ...full(), "wechatpay:privateKey": publicPem }), {})).toThrow(
            "Invalid `wechatpay:privateKey`: is not an RSA private key in PEM (apiclient_key.pem).",
        );
    });

    it("rejects a non-string stack value", () => {
        expect(() => resolveConfig((k) => (k === "wechatpay:mchid" ? 1900000001 : full()[k]), {})).toThrow(
            "Invalid `wechatpay:mchid`: must be a string.",
        );
    });
});

describe("merchant profiles (wechatpay:merchants)", () => {
    const CERT = "7132D72A958E6C3EC6E0D2CD86BC1E7F2D0E3B4A";
    const profiles = () => ({
        "1900000002": { serial: SERIAL, privateKey: privatePem, publicKeyId: PUB_ID, publicKey: publicPem },
        "1900000003": {
            serial: SERIAL,
            privateKey: join(dir, "apiclient_key.pem"),
            publicKeys: { [PUB_ID]: publicPem, [CERT.toLowerCase()]: join(dir, "pub_key.pem") },
        },
    });

    it("resolves each profile, and the single-merchant keys as the default", () => {
        const s = resolveSettings(stack({ ...full(), "wechatpay:merchants": JSON.stringify(profiles()) }), {});
        expect(s.defaultMchid).toBe("1900000001");
        expect(["1900000001", "1900000002", "1900000003", "1900000004"].map((m) => s.has(m))).toEqual([
            true,
            true,
            true,
            false,
        ]);
        expect(s.forMerchant().mchid).toBe("1900000001");
        expect(s.forMerchant("1900000002")).toMatchObject({
            mchid: "1900000002",
            publicKeyId: PUB_ID,
            publicKeyMode: true,
        });
        expect(s.forMerchant("1900000002")).toBe(s.forMerchant("1900000002")); // keys parsed once
    });

    it("accepts two verification keys at once and prefers the public key for Wechatpay-Serial", () => {
        const s = resolveSettings(stack({ "wechatpay:merchants": JSON.stringify(profiles()) }), {});
        const c = s.forMerchant("1900000003");
        expect(Object.keys(c.publicKeys).sort()).toEqual([CERT, PUB_ID]);
        expect([c.publicKeyId, c.publicKeyMode]).toEqual([PUB_ID, true]);
    });

    it("lets publicKeyId choose the certificate during the switch-over", () => {
        const p = profiles();
        const s = resolveSettings(
            stack({
                "wechatpay:merchants": JSON.stringify({ "1900000003": { ...p["1900000003"], publicKeyId: CERT } }),
            }),
            {},
        );
        expect(s.forMerchant("1900000003")).toMatchObject({ publicKeyId: CERT, publicKeyMode: false });
    });

    it("names the missing profile and how to add it", () => {
        const s = resolveSettings(stack({ ...full(), "wechatpay:merchants": JSON.stringify(profiles()) }), {});
        expect(() => s.forMerchant("1900000009")).toThrow(
            "No credentials for merchant 1900000009 (`wechatpay:mchid` is 1900000001): add a profile `wechatpay:merchants.1900000009` with serial, privateKey, publicKeyId and publicKey. Set it with `pulumi config set --path 'wechatpay:merchants.1900000009.serial' <merchant API certificate serial>`.",
        );
    });

    it.each([
        [
            "serial",
            "Missing `wechatpay:merchants.1900000002.serial`. Set it with `pulumi config set --path 'wechatpay:merchants.1900000002.serial' <merchant API certificate serial>`.",
        ],
        [
            "privateKey",
            "Missing `wechatpay:merchants.1900000002.privateKey`. Set it with `pulumi config set --secret --path 'wechatpay:merchants.1900000002.privateKey' /path/to/apiclient_key.pem`.",
        ],
        [
            "publicKeyId",
            "Missing `wechatpay:merchants.1900000002.publicKeyId`. Set it with `pulumi config set --path 'wechatpay:merchants.1900000002.publicKeyId' PUB_KEY_ID_…`.",
        ],
    ])("names a missing profile field (%s) by its path", (field, message) => {
        const p = profiles();
        const incomplete: Record<string, unknown> = { ...p["1900000002"] };
        delete incomplete[field];
        const s = resolveSettings(stack({ "wechatpay:merchants": JSON.stringify({ "1900000002": incomplete }) }), {});
        expect(() => s.forMerchant("1900000002")).toThrow(message);
    });

    it("rejects malformed profiles without quoting them", () => {
        expect(() =>
            resolveSettings(stack({ "wechatpay:merchants": `{"1900000002": {"privateKey": "${"x".repeat(50)}` }), {}),
        ).toThrow("Invalid `wechatpay:merchants`: is not a JSON object.");
        expect(() => resolveSettings(stack({ "wechatpay:merchants": '{"abc": {}}' }), {})).toThrow(
            'Invalid `wechatpay:merchants.abc`: must be the numeric merchant id (商户号), got "abc".',
        );
    });

    it("takes several verification keys for the single merchant from wechatpay:publicKeys", () => {
        const values: Record<string, string> = {
            ...full(),
            "wechatpay:publicKeys": JSON.stringify({ [CERT]: publicPem }),
        };
        const c = resolveConfig(stack(values), {});
        expect(Object.keys(c.publicKeys).sort()).toEqual([CERT, PUB_ID]);
        expect(c.publicKeyId).toBe(PUB_ID);
        delete values["wechatpay:publicKeyId"];
        delete values["wechatpay:publicKey"];
        expect(resolveConfig(stack(values), {})).toMatchObject({ publicKeyId: CERT, publicKeyMode: false });
    });

    it("reads profiles from WECHATPAY_MERCHANTS when the stack has none", () => {
        const s = resolveSettings(stack({}), { WECHATPAY_MERCHANTS: JSON.stringify(profiles()) });
        expect(s.defaultMchid).toBeUndefined();
        expect(s.forMerchant("1900000002").mchid).toBe("1900000002");
        expect(() => s.forMerchant()).toThrow("Missing `wechatpay:mchid`.");
    });
});

describe("key material in the wrong setting", () => {
    const NOT_SHOWN =
        "holds what looks like key material (PEM text or base64), which is not shown here. If it is the merchant " +
        "private key, it belongs in `wechatpay:privateKey` (set with --secret).";
    /** The message of what `resolve` throws, checked to carry no line of the private key. */
    const messageOf = (resolve: () => unknown): string => {
        let message = "";
        try {
            resolve();
        } catch (e) {
            message = (e as Error).message;
        }
        for (const line of privatePem.split("\n").filter((l) => l.length > 20)) {
            expect(message).not.toContain(line);
        }
        expect(message).not.toContain("-----BEGIN");
        return message;
    };
    const body = () => privatePem.split("\n").slice(1, -2).join("\n");

    it.each([
        "wechatpay:mchid",
        "wechatpay:serial",
        "wechatpay:publicKeyId",
        "wechatpay:baseUrl",
        "wechatpay:backupBaseUrl",
        "wechatpay:timeoutMs",
        "wechatpay:maxRetries",
        "wechatpay:deadlineMs",
    ])("names %s and does not print the key (PEM, or its base64 body)", (key) => {
        for (const value of [privatePem, body()]) {
            const message = messageOf(() => resolveConfig(stack({ ...full(), [key]: value }), {}));
            expect(message).toMatch(new RegExp(`^Invalid \`${key}\`: ${NOT_SHOWN.replace(/[().`]/g, "\\$&")}`));
        }
    });

    it("does not print a key given through the environment", () => {
        const message = messageOf(() => resolveConfig(stack({}), { ...envOf(full()), WECHATPAY_SERIAL: privatePem }));
        expect(message).toMatch(/^Invalid `wechatpay:serial`: holds what looks like key material/);
    });

    it.each([
        ["serial", "wechatpay:merchants.1900000002.serial"],
        ["publicKeyId", "wechatpay:merchants.1900000002.publicKeyId"],
    ])("names a profile's %s and does not print the key", (field, key) => {
        const profile = { serial: SERIAL, privateKey: privatePem, publicKeyId: PUB_ID, publicKey: publicPem };
        const merchants = JSON.stringify({ "1900000002": { ...profile, [field]: privatePem } });
        const message = messageOf(() =>
            resolveSettings(stack({ "wechatpay:merchants": merchants }), {}).forMerchant("1900000002"),
        );
        expect(message).toMatch(new RegExp(`^Invalid \`${key}\`: holds what looks like key material`));
    });

    it("does not print a key given as a merchant id or a key id (name and value swapped)", () => {
        const asMchid = JSON.stringify({ [body()]: {} });
        expect(messageOf(() => resolveSettings(stack({ "wechatpay:merchants": asMchid }), {}))).toMatch(
            /^Invalid `wechatpay:merchants`: holds what looks like key material/,
        );
        const asKeyId = JSON.stringify({ [publicPem]: PUB_ID });
        const values = { ...full(), "wechatpay:publicKeys": asKeyId };
        expect(messageOf(() => resolveConfig(stack(values), {}))).toMatch(
            /^Invalid `wechatpay:publicKeys`: holds what looks like key material/,
        );
    });

    it.each([
        ["wechatpay:timeoutMs"],
        ["wechatpay:mchid"],
        ["wechatpay:serial"],
        ["wechatpay:publicKeyId"],
        ["wechatpay:baseUrl"],
    ])("does not print a fragment of a key body shorter than a PEM line in %s", (key) => {
        const fragment = body().replace(/\s+/g, "").slice(0, 40);
        const message = messageOf(() => resolveConfig(stack({ ...full(), [key]: fragment }), {}));
        expect(message).toContain(`Invalid \`${key}\``);
        expect(message).toContain("a value that looks like key material (not shown)");
        expect(message).not.toContain(fragment.slice(0, 16));
    });

    it("does not print a base64 body given as the public key (read as a path)", () => {
        const message = messageOf(() => resolveConfig(stack({ ...full(), "wechatpay:publicKey": body() }), {}));
        // Read as a path, a random key's base64 body splits at its "/" characters into segments of random length:
        // the file system answers ENOENT, or ENAMETOOLONG when one segment is over 255 bytes.
        expect(message.replace("(ENAMETOOLONG)", "(ENOENT)")).toBe(
            "Invalid `wechatpay:publicKey`: is neither PEM text nor a readable file: could not read a value that looks like key material (not shown) (ENOENT). Set it with `pulumi config set wechatpay:publicKey /path/to/pub_key.pem` or the WECHATPAY_PUBLIC_KEY environment variable.",
        );
    });

    const IS_PRIVATE =
        "is a private key. It takes WeChat Pay's public key (pub_key.pem) or platform certificate; the merchant " +
        "private key belongs in `wechatpay:privateKey` (set with --secret).";

    it.each([
        ["PEM text", () => privatePem],
        ["a file path", () => join(dir, "apiclient_key.pem")],
        [
            "PKCS#1 PEM",
            () =>
                generateKeyPairSync("rsa", { modulusLength: 1024 })
                    .privateKey.export({ type: "pkcs1", format: "pem" })
                    .toString(),
        ],
    ])("refuses a private key given as wechatpay:publicKey (%s)", (_how, value) => {
        const message = messageOf(() => resolveConfig(stack({ ...full(), "wechatpay:publicKey": value() }), {}));
        expect(message).toBe(
            `Invalid \`wechatpay:publicKey\`: ${IS_PRIVATE} Set it with \`pulumi config set wechatpay:publicKey /path/to/pub_key.pem\` or the WECHATPAY_PUBLIC_KEY environment variable.`,
        );
    });

    it("refuses a private key in wechatpay:publicKeys and in a profile's publicKey", () => {
        const values = { ...full(), "wechatpay:publicKeys": JSON.stringify({ [PUB_ID]: privatePem }) };
        expect(messageOf(() => resolveConfig(stack(values), {}))).toMatch(
            new RegExp(`^Invalid \`wechatpay:publicKeys.${PUB_ID}\`: is a private key\\.`),
        );
        const profile = { serial: SERIAL, privateKey: privatePem, publicKeyId: PUB_ID, publicKey: privatePem };
        const merchants = JSON.stringify({ "1900000002": profile });
        expect(
            messageOf(() => resolveSettings(stack({ "wechatpay:merchants": merchants }), {}).forMerchant("1900000002")),
        ).toMatch(/^Invalid `wechatpay:merchants.1900000002.publicKey`: is a private key\./);
    });
});

describe("base URLs are origins", () => {
    it.each([
        ["https://api.mch.weixin.qq.com", "https://api.mch.weixin.qq.com/"],
        ["https://API.mch.weixin.qq.com/", "https://api.mch.weixin.qq.com/"],
        ["http://127.0.0.1:8080", "http://127.0.0.1:8080/"],
        ["http://[::1]:3/", "http://[::1]:3/"],
    ])("accepts %s as %s", (value, origin) => {
        expect(resolveConfig(stack({ ...full(), "wechatpay:baseUrl": value }), {}).baseUrl).toBe(origin);
        const withBackup = {
            ...full(),
            "wechatpay:baseUrl": "https://gw.example.com",
            "wechatpay:backupBaseUrl": value,
        };
        const backup = resolveConfig(stack(withBackup), {}).backupBaseUrl;
        expect(backup).toBe(origin);
    });

    const ORIGIN = "must be an origin such as https://api.mch.weixin.qq.com/, without path, query or fragment";
    it.each([
        [
            "https://api.mch.weixin.qq.com/v3/",
            `${ORIGIN}; got "https://api.mch.weixin.qq.com/v3/" (use https://api.mch.weixin.qq.com/).`,
        ],
        [
            "https://gw.example.com/wechatpay",
            `${ORIGIN}; got "https://gw.example.com/wechatpay" (use https://gw.example.com/).`,
        ],
        [
            "https://api.mch.weixin.qq.com/?x=1",
            `${ORIGIN}; got "https://api.mch.weixin.qq.com/?x=1" (use https://api.mch.weixin.qq.com/).`,
        ],
        [
            "https://api.mch.weixin.qq.com/?",
            `${ORIGIN}; got "https://api.mch.weixin.qq.com/?" (use https://api.mch.weixin.qq.com/).`,
        ],
        [
            "https://api.mch.weixin.qq.com/#f",
            `${ORIGIN}; got "https://api.mch.weixin.qq.com/#f" (use https://api.mch.weixin.qq.com/).`,
        ],
        ["https://user:hunter2@api.mch.weixin.qq.com/", "must not carry a user name or password."],
        ["http://user:hunter2@10.0.0.1/", "must not carry a user name or password."],
        ["https:api.mch.weixin.qq.com", 'must be written as https://host[:port], got "https:api.mch.weixin.qq.com".'],
        [
            "https:///api.mch.weixin.qq.com",
            'must be written as https://host[:port], got "https:///api.mch.weixin.qq.com".',
        ],
        [
            "https://api.mch.weixin.qq.com\\",
            'must be written as https://host[:port], got "https://api.mch.weixin.qq.com\\\\".',
        ],
    ])("refuses %s, naming the key", (value, why) => {
        for (const key of ["wechatpay:baseUrl", "wechatpay:backupBaseUrl"]) {
            const error = (() => {
                try {
                    resolveConfig(stack({ ...full(), [key]: value }), {});
                } catch (e) {
                    return (e as Error).message;
                }
                return "resolved";
            })();
            expect(error.startsWith(`Invalid \`${key}\`: ${why} Set it with`)).toBe(true);
            expect(error).not.toContain("hunter2");
        }
    });
});
