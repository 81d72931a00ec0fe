import { generateKeyPairSync } from "node:crypto";
import { Agent } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MCHID, PRIVATE_KEY_BEGIN } from "../../harness";
import { type Emulator, EmulatorError, type MerchantCredentials, startEmulator } from "../../provider/testing";
import { authorization, call, errorOf, nowSeconds, PATH, rawCall, verifies } from "./signer";

const OTHER = "1900000002";
const INITIAL_URL = "https://initial.example.com/wechatpay/membercard";
const URL_A = "https://shop.example.com/wechatpay/membercard";

let emulator: Emulator;
let creds: MerchantCredentials;
let other: MerchantCredentials;

beforeAll(async () => {
    emulator = await startEmulator({ merchants: [{ mchid: MCHID }, { mchid: OTHER, notifyUrl: INITIAL_URL }] });
    creds = emulator.credentials();
    other = emulator.credentials(OTHER);
});

afterAll(async () => {
    await emulator.close();
});

beforeEach(() => {
    emulator.reset();
});

function patch(url: string, extra: Parameters<typeof call>[1] = {}) {
    return call(emulator, { method: "PATCH", body: JSON.stringify({ notify_url: url }), ...extra });
}

describe("credentials", () => {
    it("hands out generated keys in WeChat Pay's formats", () => {
        expect(creds.mchid).toBe(MCHID);
        expect(creds.serial).toMatch(/^[0-9A-F]{40}$/);
        expect(creds.platformSerial).toMatch(/^[0-9A-F]{40}$/);
        expect(creds.publicKeyId).toMatch(/^PUB_KEY_ID_0114\d{24}$/);
        expect(creds.privateKey).toMatch(new RegExp(`^${PRIVATE_KEY_BEGIN}\n`));
        expect(creds.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
        expect(creds.platformPublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
        expect(creds.publicKey).not.toBe(creds.platformPublicKey);
    });

    it("gives each merchant its own key and serial, and its own WeChat Pay keys", () => {
        expect(other.serial).not.toBe(creds.serial);
        expect(other.privateKey).not.toBe(creds.privateKey);
        expect(other.publicKeyId).not.toBe(creds.publicKeyId);
        expect(other.publicKey).not.toBe(creds.publicKey);
        expect(other.platformSerial).not.toBe(creds.platformSerial);
    });

    it("throws for an unknown merchant", () => {
        expect(() => emulator.credentials("42")).toThrow("Merchant 42 does not exist in this emulator.");
    });
});

describe("round trip", () => {
    it("PATCH then GET, signed with the public key when Wechatpay-Serial names it", async () => {
        const before = nowSeconds();
        const patched = await patch(URL_A, { wechatpaySerial: creds.publicKeyId });
        expect(patched.status).toBe(200);
        expect(patched.text).toBe(`{"notify_url":"${URL_A}","mchid":"${MCHID}"}`);
        expect(patched.headers["content-type"]).toBe("application/json");
        expect(patched.headers["request-id"]).toMatch(/^[0-9A-F]{32}$/);
        expect(patched.headers["wechatpay-serial"]).toBe(creds.publicKeyId);
        expect(patched.headers["wechatpay-nonce"]).toMatch(/^[0-9A-F]{32}$/);
        expect(Number(patched.headers["wechatpay-timestamp"])).toBeGreaterThanOrEqual(before);
        expect(Number(patched.headers["wechatpay-timestamp"])).toBeLessThanOrEqual(nowSeconds());
        expect(verifies(patched, creds.publicKey)).toBe(true);
        expect(verifies(patched, creds.platformPublicKey)).toBe(false);

        const got = await call(emulator, { wechatpaySerial: creds.publicKeyId });
        expect(got.status).toBe(200);
        expect(got.text).toBe(`{"notify_url":"${URL_A}","mchid":"${MCHID}"}`);
        expect(verifies(got, creds.publicKey)).toBe(true);
        expect(emulator.notifyUrl()).toBe(URL_A);
        expect(emulator.notifyUrl(OTHER)).toBe(INITIAL_URL);
    });

    it("signs with the platform identity without Wechatpay-Serial, or with another one", async () => {
        await patch(URL_A);
        for (const wechatpaySerial of [undefined, creds.platformSerial, "PUB_KEY_ID_0114000000000000000000000000"]) {
            const got = await call(emulator, wechatpaySerial === undefined ? {} : { wechatpaySerial });
            expect(got.status).toBe(200);
            expect(got.headers["wechatpay-serial"]).toBe(creds.platformSerial);
            expect(verifies(got, creds.platformPublicKey)).toBe(true);
            expect(verifies(got, creds.publicKey)).toBe(false);
        }
    });

    it("keeps merchants apart", async () => {
        await patch(URL_A, { creds: other });
        const got = await call(emulator, { creds: other });
        expect(got.text).toBe(`{"notify_url":"${URL_A}","mchid":"${OTHER}"}`);
        expect(emulator.notifyUrl()).toBeUndefined();
    });

    it("signs the query string as part of the path", async () => {
        const got = await call(emulator, { path: `${PATH}?mchid=${OTHER}`, creds: other });
        expect(got.status).toBe(200);
    });

    it("accepts exactly 256 characters", async () => {
        const url = `https://shop.example.com/${"a".repeat(256 - 25)}`;
        expect(url).toHaveLength(256);
        expect((await patch(url)).status).toBe(200);
        expect(emulator.notifyUrl()).toBe(url);
    });

    it("records every request", async () => {
        await patch(URL_A, { wechatpaySerial: creds.publicKeyId });
        await call(emulator, { path: "/v3/nope" });
        expect(emulator.requests).toEqual([
            {
                method: "PATCH",
                path: PATH,
                mchid: MCHID,
                body: `{"notify_url":"${URL_A}"}`,
                status: 200,
                wechatpaySerial: creds.publicKeyId,
                responseSerial: creds.publicKeyId,
                at: expect.any(Number),
            },
            {
                method: "GET",
                path: "/v3/nope",
                mchid: MCHID,
                body: "",
                status: 404,
                code: "NOT_FOUND",
                at: expect.any(Number),
            },
        ]);
    });

    it("sees out-of-band changes", async () => {
        emulator.setNotifyUrl("https://ui.example.com/cb");
        expect((await call(emulator)).text).toBe(`{"notify_url":"https://ui.example.com/cb","mchid":"${MCHID}"}`);
        emulator.setNotifyUrl(undefined, OTHER);
        expect(errorOf(await call(emulator, { creds: other }))).toEqual({
            status: 404,
            code: "RESOURCE_NOT_EXISTS",
            message: `No member-card callback URL has been set for merchant ${OTHER}.`,
        });
    });
});

describe("authentication", () => {
    // GET answers 200 only once something is set.
    beforeEach(() => {
        emulator.setNotifyUrl(INITIAL_URL);
    });
    const stranger = generateKeyPairSync("rsa", {
        modulusLength: 2048,
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
    }).privateKey;

    // Messages that name generated serials are functions: the table is built before beforeAll runs.
    it.each<[string, () => Parameters<typeof call>[1], string | RegExp | (() => string)]>([
        [
            "no Authorization",
            () => ({ headers: { Authorization: "" } }),
            'Authorization header is missing; expected WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",…',
        ],
        [
            "another scheme",
            () => ({ headers: { Authorization: 'Bearer mchid="1900000001"' } }),
            "Authorization scheme must be WECHATPAY2-SHA256-RSA2048",
        ],
        [
            "unquoted values",
            () => ({ headers: { Authorization: "WECHATPAY2-SHA256-RSA2048 mchid=1900000001" } }),
            'Authorization parameters are malformed at position 0; use key="value" pairs',
        ],
        [
            "a missing parameter",
            () => ({
                headers: {
                    Authorization: 'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",signature="s",timestamp="1"',
                },
            }),
            "Authorization is missing serial_no",
        ],
        [
            "an unknown parameter",
            () => ({ headers: { Authorization: 'WECHATPAY2-SHA256-RSA2048 mchid="1",extra="x"' } }),
            "Authorization has an unknown parameter extra",
        ],
        [
            "a repeated parameter",
            () => ({ headers: { Authorization: 'WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="1"' } }),
            "Authorization repeats the parameter mchid",
        ],
        [
            "an unknown mchid",
            () => ({ auth: { mchid: "1234567890" } }),
            "mchid 1234567890 is not a merchant of this WeChat Pay.",
        ],
        [
            "another merchant's serial",
            () => ({ auth: { serial: other.serial } }),
            () => `serial_no ${other.serial} is not the API certificate serial of merchant ${MCHID}`,
        ],
        [
            "a timestamp 6 minutes old",
            () => ({ auth: { timestamp: String(nowSeconds() - 360) } }),
            /^timestamp is 36\d s behind WeChat Pay's clock \(allowed: 300 s\); check the system clock$/,
        ],
        [
            "a timestamp 6 minutes ahead",
            () => ({ auth: { timestamp: String(nowSeconds() + 360) } }),
            /^timestamp is 3[56]\d s ahead of WeChat Pay's clock/,
        ],
        [
            "a timestamp in milliseconds",
            () => ({ auth: { timestamp: String(Date.now()) } }),
            "timestamp must be Unix time in seconds",
        ],
        ["a non-numeric timestamp", () => ({ auth: { timestamp: "soon" } }), "timestamp must be Unix time in seconds"],
        ["a signature that is not base64", () => ({ auth: { signature: "not base64!" } }), "signature is not base64"],
        [
            "another merchant's key",
            () => ({ auth: { privateKey: other.privateKey } }),
            () =>
                `signature does not verify with the API certificate ${creds.serial} of merchant ${MCHID}; ` +
                "sign METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n with the matching private key",
        ],
        ["a key WeChat Pay never saw", () => ({ auth: { privateKey: stranger } }), /^signature does not verify/],
        [
            "a signed path without query",
            () => ({ path: `${PATH}?a=1`, auth: { signedPath: PATH } }),
            /^signature does not verify/,
        ],
        ["a signed method in lower case", () => ({ auth: { signedMethod: "get" } }), /^signature does not verify/],
    ])("refuses %s with 401 SIGN_ERROR", async (_name, options, message) => {
        const reply = await call(emulator, options());
        const error = errorOf(reply);
        expect(error).toMatchObject({ status: 401, code: "SIGN_ERROR" });
        const expected = typeof message === "function" ? message() : message;
        expect(error.message).toEqual(typeof expected === "string" ? expected : expect.stringMatching(expected));
        // Errors are signed too, like WeChat Pay's.
        expect(verifies(reply, creds.platformPublicKey)).toBe(true);
    });

    it("refuses a PATCH whose body differs from the signed one, and does not apply it", async () => {
        const reply = await patch(URL_A, { auth: { signedBody: JSON.stringify({ notify_url: INITIAL_URL }) } });
        expect(errorOf(reply)).toMatchObject({ status: 401, code: "SIGN_ERROR" });
        expect(emulator.notifyUrl()).toBe(INITIAL_URL);
    });

    it("signs over the exact bytes: a re-serialized body does not verify", async () => {
        const body = `{ "notify_url": "${URL_A}" }`;
        const reply = await call(emulator, {
            method: "PATCH",
            body,
            auth: { signedBody: JSON.stringify(JSON.parse(body)) },
        });
        expect(errorOf(reply)).toMatchObject({ status: 401, code: "SIGN_ERROR" });
        expect((await call(emulator, { method: "PATCH", body })).status).toBe(200);
    });

    it("accepts parameters in any order with spaces after commas", async () => {
        const auth = authorization(creds, "GET", PATH, "");
        const params = auth.slice("WECHATPAY2-SHA256-RSA2048 ".length).split(",").reverse().join(", ");
        const reply = await call(emulator, { headers: { Authorization: `WECHATPAY2-SHA256-RSA2048 ${params}` } });
        expect(reply.status).toBe(200);
    });

    it("accepts a timestamp 4 minutes off", async () => {
        expect((await call(emulator, { auth: { timestamp: String(nowSeconds() - 240) } })).status).toBe(200);
    });

    it("refuses a replayed nonce, per merchant", async () => {
        expect((await call(emulator, { auth: { nonce: "replayed" } })).status).toBe(200);
        expect(errorOf(await call(emulator, { auth: { nonce: "replayed" } }))).toEqual({
            status: 401,
            code: "SIGN_ERROR",
            message: "nonce_str was already used; use a fresh random nonce for every request",
        });
        expect((await call(emulator, { creds: other, auth: { nonce: "replayed" } })).status).toBe(200);
    });

    it("does not burn a nonce on a request that failed verification", async () => {
        await call(emulator, { auth: { nonce: "n1", privateKey: other.privateKey } });
        expect((await call(emulator, { auth: { nonce: "n1" } })).status).toBe(200);
    });

    it("records the mchid of refused requests", async () => {
        await call(emulator, { auth: { serial: "WRONG" } });
        expect(emulator.requests[0]).toMatchObject({ mchid: MCHID, status: 401, code: "SIGN_ERROR" });
    });
});

describe("HTTP rules", () => {
    // GET answers 200 only once something is set.
    beforeEach(() => {
        emulator.setNotifyUrl(INITIAL_URL);
    });
    it("requires User-Agent", async () => {
        expect(errorOf(await rawCall(emulator, { omit: ["User-Agent"] }))).toEqual({
            status: 400,
            code: "INVALID_REQUEST",
            message: "User-Agent header is required.",
        });
    });

    it.each([[undefined], ["text/html"], ["text/plain, image/*"]])("refuses Accept: %s", async (accept) => {
        const reply =
            accept === undefined
                ? await rawCall(emulator, { omit: ["Accept"] })
                : await call(emulator, { headers: { Accept: accept } });
        expect(errorOf(reply)).toEqual({
            status: 400,
            code: "INVALID_REQUEST",
            message: "Accept header must include application/json.",
        });
    });

    it.each([
        ["*/*"],
        ["application/*"],
        ["application/json, text/plain, application/x-gzip, application/pdf, image/png, image/*;q=0.5"],
        ["text/html;q=0.9, Application/JSON; charset=utf-8"],
    ])("accepts Accept: %s", async (accept) => {
        expect((await call(emulator, { headers: { Accept: accept } })).status).toBe(200);
    });

    it.each([["/v3/marketing/membercard-open/callback/"], ["/v3/marketing/membercard-open"], ["/"]])(
        "answers 404 NOT_FOUND for %s",
        async (path) => {
            expect(errorOf(await call(emulator, { path }))).toEqual({
                status: 404,
                code: "NOT_FOUND",
                message: `No API at ${path}.`,
            });
        },
    );

    it.each([["POST"], ["PUT"], ["DELETE"]])("answers 405 to %s", async (method) => {
        const reply = await call(emulator, { method, body: "{}" });
        expect(errorOf(reply)).toEqual({
            status: 405,
            code: "INVALID_REQUEST",
            message: `${method} is not allowed here; use GET, PATCH.`,
        });
        expect(reply.headers.allow).toBe("GET, PATCH");
    });

    it("requires a JSON Content-Type on PATCH", async () => {
        const reply = await patch(URL_A, { headers: { "Content-Type": "text/plain" } });
        expect(errorOf(reply)).toEqual({
            status: 400,
            code: "INVALID_REQUEST",
            message: "Content-Type must be application/json.",
        });
        expect(emulator.notifyUrl()).toBe(INITIAL_URL);
    });

    it("accepts a charset on the Content-Type", async () => {
        const reply = await patch(URL_A, { headers: { "Content-Type": "application/json; charset=utf-8" } });
        expect(reply.status).toBe(200);
    });
});

describe("PATCH body rules", () => {
    it.each<[string, string | Buffer, string]>([
        ["invalid JSON", "{notify_url:", "request body is not valid JSON"],
        ["an empty body", "", "request body is not valid JSON"],
        ["an array", "[]", "request body must be a JSON object"],
        ["null", "null", "request body must be a JSON object"],
        ["a string", '"https://a.example.com/x"', "request body must be a JSON object"],
        ["no notify_url", "{}", "notify_url is required"],
        [
            "an extra field",
            `{"notify_url":"${URL_A}","mchid":"1900000001"}`,
            "request body has unexpected field(s) mchid; it takes notify_url",
        ],
        [
            "a camelCase field",
            `{"notifyUrl":"${URL_A}"}`,
            "request body has unexpected field(s) notifyUrl; it takes notify_url",
        ],
        ["a number", '{"notify_url":42}', "notify_url must be a string"],
        ["null notify_url", '{"notify_url":null}', "notify_url must be a string"],
        ["an empty URL", '{"notify_url":""}', "notify_url must be an absolute https:// URL"],
        ["http", '{"notify_url":"http://shop.example.com/cb"}', "notify_url must be an absolute https:// URL"],
        [
            "upper-case scheme",
            '{"notify_url":"HTTPS://shop.example.com/cb"}',
            "notify_url must be an absolute https:// URL",
        ],
        ["a relative URL", '{"notify_url":"/wechatpay/cb"}', "notify_url must be an absolute https:// URL"],
        ["an unparseable URL", '{"notify_url":"https://"}', "notify_url must be an absolute https:// URL"],
        [
            "a query string",
            '{"notify_url":"https://shop.example.com/cb?x=1"}',
            "notify_url must not carry a query string",
        ],
        [
            "257 characters",
            JSON.stringify({ notify_url: `https://shop.example.com/${"a".repeat(232)}` }),
            "notify_url is 257 characters long; the limit is 256",
        ],
        ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d]), "Request body is not valid UTF-8."],
        [
            "a bare domain",
            '{"notify_url":"https://shop.example.com"}',
            "notify_url must be a full path, not only a domain",
        ],
        [
            "a root path",
            '{"notify_url":"https://shop.example.com/"}',
            "notify_url must be a full path, not only a domain",
        ],
        ["a port", '{"notify_url":"https://shop.example.com:8443/cb"}', "notify_url must not carry a port"],
        ["port 443", '{"notify_url":"https://shop.example.com:443/cb"}', "notify_url must not carry a port"],
        ["an IPv6 port", '{"notify_url":"https://[2400:da00::1]:8443/cb"}', "notify_url must not carry a port"],
        [
            "a third slash before the host",
            '{"notify_url":"https:///shop.example.com:8443/cb"}',
            "notify_url must name a host after https://",
        ],
        ...[
            "localhost",
            "app.localhost",
            "127.0.0.1",
            "10.1.2.3",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "[::1]",
            "[fd00::1]",
            "[::ffff:192.168.0.1]",
        ].map((host): [string, string, string] => [
            `the local or intranet host ${host}`,
            JSON.stringify({ notify_url: `https://${host}/cb` }),
            "notify_url must be reachable from the internet: localhost and intranet addresses are not allowed",
        ]),
    ])("refuses %s with 400 PARAM_ERROR", async (_name, body, message) => {
        const reply = await call(emulator, { method: "PATCH", body });
        expect(errorOf(reply)).toEqual({ status: 400, code: "PARAM_ERROR", message });
        expect(emulator.notifyUrl()).toBeUndefined();
        expect(emulator.requests[0]).toMatchObject({ status: 400, code: "PARAM_ERROR" });
    });
});

describe("notify_url rules", () => {
    it.each(["https://8.8.8.8/cb", "https://[2400:da00::1]/cb", "https://shop.example.com/a/b.php"])(
        "stores the public URL %s",
        async (url) => {
            expect((await patch(url)).status).toBe(200);
            expect(emulator.notifyUrl()).toBe(url);
        },
    );
});

describe("unset and PATCH reply variants", () => {
    it("answers 404 RESOURCE_NOT_EXISTS by default", async () => {
        expect(errorOf(await call(emulator))).toEqual({
            status: 404,
            code: "RESOURCE_NOT_EXISTS",
            message: `No member-card callback URL has been set for merchant ${MCHID}.`,
        });
    });

    it.each<["empty" | "bad-request", number, string]>([
        ["empty", 200, '{"mchid":"1900000001","notify_url":""}'],
        [
            "bad-request",
            400,
            '{"code":"RESOURCE_NOT_EXISTS","message":"No member-card callback URL has been set for merchant 1900000001."}',
        ],
    ])("unsetReply %s", async (unsetReply, status, text) => {
        const emu = await startEmulator({ unsetReply });
        try {
            const reply = await call(emu);
            expect(reply.status).toBe(status);
            expect(reply.text).toBe(text);
            expect(verifies(reply, emu.credentials().platformPublicKey)).toBe(true);
        } finally {
            await emu.close();
        }
    });

    it("patchReply no-content answers 204 with a signed empty body", async () => {
        const emu = await startEmulator({ patchReply: "no-content" });
        try {
            const reply = await call(emu, {
                method: "PATCH",
                body: JSON.stringify({ notify_url: URL_A }),
                wechatpaySerial: emu.credentials().publicKeyId,
            });
            expect(reply.status).toBe(204);
            expect(reply.text).toBe("");
            expect(reply.headers["content-type"]).toBeUndefined();
            expect(verifies(reply, emu.credentials().publicKey)).toBe(true);
            expect(emu.notifyUrl()).toBe(URL_A);
        } finally {
            await emu.close();
        }
    });
});

describe("faults", () => {
    it("error: answers it instead and does not apply the operation", async () => {
        emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" });
        const reply = await patch(URL_A);
        expect(errorOf(reply)).toEqual({ status: 500, code: "SYSTEM_ERROR", message: "Emulated SYSTEM_ERROR." });
        expect(reply.headers["retry-after"]).toBeUndefined();
        expect(emulator.notifyUrl()).toBeUndefined();
        expect(emulator.requests[0]).toMatchObject({ status: 500, code: "SYSTEM_ERROR", fault: "error" });
        expect((await patch(URL_A)).status).toBe(200);
    });

    it("error: custom message and Retry-After, for the next `times` requests", async () => {
        emulator.failNext(
            { kind: "error", status: 429, code: "FREQUENCY_LIMITED", message: "slow down", retryAfter: 3 },
            2,
        );
        for (let i = 0; i < 2; i++) {
            const reply = await call(emulator);
            expect(errorOf(reply)).toEqual({ status: 429, code: "FREQUENCY_LIMITED", message: "slow down" });
            expect(reply.headers["retry-after"]).toBe("3");
        }
        expect((await call(emulator)).status).toBe(404);
    });

    it("error: applies even to requests that would be refused", async () => {
        emulator.failNext({ kind: "error", status: 403, code: "NO_AUTH" });
        expect((await call(emulator, { path: "/nope" })).status).toBe(403);
    });

    it.each<["bad-signature" | "sign-test"]>([["bad-signature"], ["sign-test"]])(
        "%s: a 200 that does not verify, with the operation applied",
        async (kind) => {
            emulator.failNext({ kind });
            const reply = await patch(URL_A, { wechatpaySerial: creds.publicKeyId });
            expect(reply.status).toBe(200);
            expect(reply.text).toBe(`{"notify_url":"${URL_A}","mchid":"${MCHID}"}`);
            expect(reply.headers["wechatpay-serial"]).toBe(creds.publicKeyId);
            expect(verifies(reply, creds.publicKey)).toBe(false);
            expect(emulator.notifyUrl()).toBe(URL_A);
            expect(emulator.requests[0]).toMatchObject({ status: 200, fault: kind, responseSerial: creds.publicKeyId });
            expect(verifies(await call(emulator, { wechatpaySerial: creds.publicKeyId }), creds.publicKey)).toBe(true);
        },
    );

    it("sign-test: the signature is a WECHATPAY/SIGNTEST/ probe", async () => {
        emulator.failNext({ kind: "sign-test" });
        const reply = await call(emulator);
        expect(reply.headers["wechatpay-signature"]).toMatch(/^WECHATPAY\/SIGNTEST\/[A-Za-z0-9+/]+=*$/);
    });

    it("corruptNextSignature() is bad-signature", async () => {
        emulator.corruptNextSignature();
        const reply = await patch(URL_A);
        expect(reply.status).toBe(200);
        expect(verifies(reply, creds.platformPublicKey)).toBe(false);
        expect(emulator.requests[0]?.fault).toBe("bad-signature");
    });

    it("unknown-serial: signed by an identity the client was never given, in either scheme", async () => {
        emulator.failNext({ kind: "unknown-serial" }, 2);
        const pk = await patch(URL_A, { wechatpaySerial: creds.publicKeyId });
        const platform = await call(emulator);
        expect(pk.status).toBe(200);
        expect(pk.headers["wechatpay-serial"]).toMatch(/^PUB_KEY_ID_\d{28}$/);
        expect(pk.headers["wechatpay-serial"]).not.toBe(creds.publicKeyId);
        expect(platform.headers["wechatpay-serial"]).toMatch(/^[0-9A-F]{40}$/);
        expect(platform.headers["wechatpay-serial"]).not.toBe(creds.platformSerial);
        expect(verifies(pk, creds.publicKey)).toBe(false);
        expect(verifies(platform, creds.platformPublicKey)).toBe(false);
        expect(emulator.notifyUrl()).toBe(URL_A);
        expect(emulator.requests.map((r) => r.responseSerial)).toEqual([
            pk.headers["wechatpay-serial"],
            platform.headers["wechatpay-serial"],
        ]);
    });

    it("stale-timestamp: 10 minutes old, correctly signed over it", async () => {
        emulator.failNext({ kind: "stale-timestamp" });
        const reply = await patch(URL_A);
        expect(reply.status).toBe(200);
        expect(nowSeconds() - Number(reply.headers["wechatpay-timestamp"])).toBeGreaterThanOrEqual(600);
        expect(nowSeconds() - Number(reply.headers["wechatpay-timestamp"])).toBeLessThanOrEqual(601);
        expect(verifies(reply, creds.platformPublicKey)).toBe(true);
        expect(emulator.notifyUrl()).toBe(URL_A);
    });

    it("missing-headers: a 2xx without Wechatpay-* headers, operation applied", async () => {
        emulator.failNext({ kind: "missing-headers" });
        const reply = await patch(URL_A);
        expect(reply.status).toBe(200);
        expect(Object.keys(reply.headers).filter((name) => name.startsWith("wechatpay-"))).toEqual([]);
        expect(reply.headers["request-id"]).toMatch(/^[0-9A-F]{32}$/);
        expect(emulator.notifyUrl()).toBe(URL_A);
        expect(emulator.requests[0]).not.toHaveProperty("responseSerial");
    });

    it("reset: drops the connection, operation not applied", async () => {
        emulator.failNext({ kind: "reset" });
        await expect(patch(URL_A)).rejects.toThrow("fetch failed");
        expect(emulator.notifyUrl()).toBeUndefined();
        expect(emulator.requests).toEqual([
            {
                method: "PATCH",
                path: PATH,
                mchid: MCHID,
                body: `{"notify_url":"${URL_A}"}`,
                status: 0,
                fault: "reset",
                at: expect.any(Number),
            },
        ]);
        expect((await patch(URL_A)).status).toBe(200);
    });

    it("delay: answers normally after the delay", async () => {
        emulator.failNext({ kind: "delay", ms: 200 });
        const started = Date.now();
        const reply = await patch(URL_A);
        expect(Date.now() - started).toBeGreaterThanOrEqual(195);
        expect(reply.status).toBe(200);
        expect(verifies(reply, creds.platformPublicKey)).toBe(true);
        expect(emulator.requests[0]).toMatchObject({ status: 200, fault: "delay" });
    });

    it("rejects nonsense faults", () => {
        expect(() => emulator.failNext({ kind: "error", status: 200, code: "OK" })).toThrow(
            "Fault status must be an HTTP error status (300-599), got 200.",
        );
        expect(() => emulator.failNext({ kind: "delay", ms: -1 })).toThrow(TypeError);
        expect(() => emulator.failNext({ kind: "reset" }, 0)).toThrow("times must be a positive integer, got 0.");
    });
});

describe("reset()", () => {
    it("restores settings, clears faults, the log and nonces", async () => {
        await patch(URL_A, { auth: { nonce: "once" } });
        await patch(URL_A, { creds: other });
        emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" });
        expect(emulator.requests).toHaveLength(2);

        emulator.reset();
        expect(emulator.notifyUrl()).toBeUndefined();
        expect(emulator.notifyUrl(OTHER)).toBe(INITIAL_URL);
        expect(emulator.requests).toEqual([]);
        expect((await call(emulator, { auth: { nonce: "once" } })).status).toBe(404);
    });

    it("keeps merchants added later, back at the URL they were added with", async () => {
        const added = await emulator.addMerchant("1900000003", { notifyUrl: INITIAL_URL });
        await patch(URL_A, { creds: added });
        expect(emulator.notifyUrl("1900000003")).toBe(URL_A);
        emulator.reset();
        expect(emulator.notifyUrl("1900000003")).toBe(INITIAL_URL);
        expect(emulator.credentials("1900000003")).toEqual(added);
        await expect(emulator.addMerchant("1900000003")).rejects.toThrow(
            "Merchant 1900000003 already exists in this emulator.",
        );
    });
});

describe("start and close", () => {
    it.each([["0.0.0.0"], ["192.168.1.2"], ["example.com"], ["::"]])("refuses host %s", async (host) => {
        await expect(startEmulator({ host })).rejects.toThrow(TypeError);
    });

    it("refuses an empty merchant list and bad mchids", async () => {
        await expect(startEmulator({ merchants: [] })).rejects.toThrow("merchants must list at least one merchant.");
        await expect(startEmulator({ merchants: [{ mchid: 'a"b' }] })).rejects.toThrow(/^Invalid mchid/);
    });

    it("closes with a keep-alive connection open, and stays closed", async () => {
        const emu = await startEmulator();
        const agent = new Agent({ keepAlive: true });
        try {
            expect((await rawCall(emu, { agent })).status).toBe(404);
            expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);
            const started = Date.now();
            await emu.close();
            expect(Date.now() - started).toBeLessThan(1000);
            await emu.close();
            await expect(rawCall(emu)).rejects.toMatchObject({ code: "ECONNREFUSED" });
        } finally {
            agent.destroy();
        }
    });

    it("closes while a delayed answer is pending", async () => {
        const emu = await startEmulator();
        emu.failNext({ kind: "delay", ms: 60_000 });
        const pending = call(emu);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const started = Date.now();
        await emu.close();
        expect(Date.now() - started).toBeLessThan(1000);
        await expect(pending).rejects.toThrow("fetch failed");
    });

    it("reuses WeChat Pay's identities across emulators", async () => {
        const emu = await startEmulator({ host: "localhost" });
        try {
            expect(emu.baseUrl).toMatch(/^http:\/\/localhost:\d+\/$/);
            expect(emu.credentials().publicKeyId).toBe(creds.publicKeyId);
            expect(emu.credentials().serial).not.toBe(creds.serial);
        } finally {
            await emu.close();
        }
    });

    it("exports EmulatorError in WeChat's shape", () => {
        const error = new EmulatorError(400, "PARAM_ERROR", "bad");
        expect(error).toBeInstanceOf(Error);
        expect({ name: error.name, status: error.status, code: error.code, message: error.message }).toEqual({
            name: "EmulatorError",
            status: 400,
            code: "PARAM_ERROR",
            message: "bad",
        });
    });
});

describe("base URL", () => {
    it("is loopback with a trailing slash", () => {
        expect(emulator.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    });
});
