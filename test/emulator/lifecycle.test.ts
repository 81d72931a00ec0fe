import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { URL_A as NEW, OLD_URL as OLD } from "../../harness";
import { type Emulator, startEmulator } from "../../provider/testing";
import { UNKNOWN } from "../../provider/validate";
import { calls, configuredProvider } from "./fixture";

const OTHER = "https://someone-else.example.com/cb";

let emulator: Emulator;
let mchid: string;

beforeAll(async () => {
    emulator = await startEmulator({ merchants: [{ mchid: "1900000001", notifyUrl: OLD }] });
    mchid = emulator.credentials().mchid;
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

describe("check", () => {
    it("trims and accepts a good URL without calling WeChat Pay", async () => {
        const provider = await configuredProvider(emulator);
        await expect(provider.check({}, { notifyUrl: `  ${NEW} ` })).resolves.toEqual({
            inputs: { notifyUrl: NEW },
            failures: [],
        });
        expect(emulator.requests).toEqual([]);
    });

    it("fails on missing settings, naming the key, so a first preview shows it before up sends anything", async () => {
        const provider = await configuredProvider(emulator, { "wechatpay:serial": undefined });
        await expect(provider.check({}, { notifyUrl: NEW })).rejects.toThrow(
            /^Missing `wechatpay:serial`\. Set it with `pulumi config set wechatpay:serial/,
        );
        expect(emulator.requests).toEqual([]);
    });

    it("reports a bad URL as a failure on notifyUrl", async () => {
        const provider = await configuredProvider(emulator);
        const result = await provider.check({}, { notifyUrl: "https://api.example.com/cb?x=1" });
        expect(result.failures).toEqual([
            {
                property: "notifyUrl",
                reason: "notifyUrl must not have a query string (WeChat Pay does not allow parameters on the notify URL)",
            },
        ]);
    });

    it("passes an unknown value through during preview", async () => {
        const provider = await configuredProvider(emulator);
        await expect(provider.check({}, { notifyUrl: UNKNOWN })).resolves.toEqual({
            inputs: { notifyUrl: UNKNOWN },
            failures: [],
        });
    });
});

describe("diff", () => {
    it.each([
        ["an equal URL", NEW, { changes: false }],
        ["a different URL", OTHER, { changes: true }],
        ["an unknown URL", UNKNOWN, { changes: true }],
    ])("plans %s without calling WeChat Pay", async (_what, news, expected) => {
        const provider = await configuredProvider(emulator);
        await expect(provider.diff(mchid, { notifyUrl: NEW, mchid }, { notifyUrl: news })).resolves.toEqual(expected);
        expect(emulator.requests).toEqual([]);
    });

    it("replaces when the configured merchant is not the resource's", async () => {
        const provider = await configuredProvider(emulator);
        await expect(provider.diff("1900000999", { notifyUrl: NEW }, { notifyUrl: NEW })).resolves.toEqual({
            changes: true,
            replaces: ["mchid"],
            deleteBeforeReplace: false,
        });
    });
});

describe("create", () => {
    it("adopts the live URL as previousNotifyUrl, then sets ours: GET then PATCH", async () => {
        const provider = await configuredProvider(emulator);
        await expect(provider.create({ notifyUrl: NEW })).resolves.toEqual({
            id: mchid,
            outs: { notifyUrl: NEW, mchid, appliedNotifyUrl: NEW, previousNotifyUrl: OLD },
        });
        expect(calls(emulator)).toEqual(["GET 200", "PATCH 200"]);
        expect(emulator.notifyUrl()).toBe(NEW);
        expect(JSON.parse(emulator.requests[1]?.body ?? "")).toEqual({ notify_url: NEW });
    });

    it("records no previous URL when GET answers WeChat Pay's signed 404 RESOURCE_NOT_EXISTS", async () => {
        const fresh = await startEmulator();
        try {
            const provider = await configuredProvider(fresh);
            const result = await provider.create({ notifyUrl: NEW });
            expect(result.outs).toEqual({ notifyUrl: NEW, mchid: fresh.credentials().mchid, appliedNotifyUrl: NEW });
            expect(calls(fresh)).toEqual(["GET 404", "PATCH 200"]);
        } finally {
            await fresh.close();
        }
    });

    // Every signed reply that plainly says "none" for this merchant means "nothing is set" (see meansNoneSet in
    // client.ts): a first `up` on a merchant that never set a URL works whatever the shape (finding: item 6).
    it.each([
        "400 RESOURCE_NOT_EXISTS",
        "404 NOT_FOUND",
        "400 NOT_FOUND",
        "200 empty",
        "200 null",
        "200 missing",
    ] as const)("reads a signed %s as 'nothing set': a first create records no previous URL", async (unsetReply) => {
        const fresh = await startEmulator({ unsetReply });
        try {
            const provider = await configuredProvider(fresh);
            const result = await provider.create({ notifyUrl: NEW });
            expect(result.outs).toEqual({ notifyUrl: NEW, mchid: fresh.credentials().mchid, appliedNotifyUrl: NEW });
            expect(calls(fresh)).toEqual([`GET ${unsetReply.slice(0, 3)}`, "PATCH 200"]);
        } finally {
            await fresh.close();
        }
    });

    it("confirms with a GET when PATCH answers 204 without a body", async () => {
        const fresh = await startEmulator({ patchReply: "no-content" });
        try {
            const provider = await configuredProvider(fresh);
            const result = await provider.create({ notifyUrl: NEW });
            expect(result.outs).toMatchObject({ notifyUrl: NEW, appliedNotifyUrl: NEW });
            expect(calls(fresh)).toEqual(["GET 404", "PATCH 204", "GET 200"]);
        } finally {
            await fresh.close();
        }
    });

    it("works in platform-certificate mode (no Wechatpay-Serial request header)", async () => {
        const c = emulator.credentials();
        const provider = await configuredProvider(emulator, {
            "wechatpay:publicKeyId": c.platformSerial,
            "wechatpay:publicKey": c.platformPublicKey,
        });
        await provider.create({ notifyUrl: NEW });
        expect(emulator.requests.map((r) => [r.wechatpaySerial, r.responseSerial])).toEqual([
            [undefined, c.platformSerial],
            [undefined, c.platformSerial],
        ]);
    });

    it("sends Wechatpay-Serial in public-key mode and gets replies signed with the public key", async () => {
        const c = emulator.credentials();
        const provider = await configuredProvider(emulator);
        await provider.create({ notifyUrl: NEW });
        expect(emulator.requests.map((r) => [r.wechatpaySerial, r.responseSerial])).toEqual([
            [c.publicKeyId, c.publicKeyId],
            [c.publicKeyId, c.publicKeyId],
        ]);
    });
});

describe("update", () => {
    it("sends one PATCH and carries previousNotifyUrl over", async () => {
        const provider = await configuredProvider(emulator);
        const olds = { notifyUrl: NEW, mchid, appliedNotifyUrl: NEW, previousNotifyUrl: OLD };
        await expect(provider.update(mchid, olds, { notifyUrl: OTHER })).resolves.toEqual({
            outs: { notifyUrl: OTHER, mchid, appliedNotifyUrl: OTHER, previousNotifyUrl: OLD },
        });
        expect(calls(emulator)).toEqual(["PATCH 200"]);
        expect(emulator.notifyUrl()).toBe(OTHER);
    });
});

describe("read", () => {
    it("returns the live URL after an out-of-band change and keeps what this resource set", async () => {
        const provider = await configuredProvider(emulator);
        emulator.setNotifyUrl(OTHER);
        const olds = { notifyUrl: NEW, mchid, appliedNotifyUrl: NEW, previousNotifyUrl: OLD };
        const result = await provider.read(mchid, olds);
        expect(result).toEqual({
            id: mchid,
            props: { notifyUrl: OTHER, mchid, appliedNotifyUrl: NEW, previousNotifyUrl: OLD },
            inputs: { notifyUrl: OTHER },
        });
        expect(calls(emulator)).toEqual(["GET 200"]);
        // The refreshed state feeds the next diff: the program still wants NEW, so that is drift to fix.
        await expect(provider.diff(mchid, result.props, { notifyUrl: NEW })).resolves.toEqual({ changes: true });
    });

    it("reports the resource gone when nothing is set", async () => {
        const provider = await configuredProvider(emulator);
        emulator.setNotifyUrl(undefined);
        await expect(provider.read(mchid, { notifyUrl: NEW, mchid })).resolves.toEqual({});
    });
});

describe("delete", () => {
    const state = { notifyUrl: NEW, mchid: "1900000001", appliedNotifyUrl: NEW, previousNotifyUrl: OLD };

    it("restores the previous URL when the live one is still ours: GET then PATCH", async () => {
        const provider = await configuredProvider(emulator);
        emulator.setNotifyUrl(NEW);
        await provider.delete(mchid, state);
        expect(calls(emulator)).toEqual(["GET 200", "PATCH 200"]);
        expect(emulator.notifyUrl()).toBe(OLD);
    });

    it("leaves a URL that someone else changed", async () => {
        const provider = await configuredProvider(emulator);
        emulator.setNotifyUrl(OTHER);
        await provider.delete(mchid, state);
        expect(calls(emulator)).toEqual(["GET 200"]);
        expect(emulator.notifyUrl()).toBe(OTHER);
    });

    it("leaves everything alone when the configured merchant is not the resource's", async () => {
        const provider = await configuredProvider(emulator);
        emulator.setNotifyUrl(NEW);
        await provider.delete("1900000999", { ...state, mchid: "1900000999" });
        expect(emulator.requests).toEqual([]);
        expect(emulator.notifyUrl()).toBe(NEW);
    });

    it("leaves our URL when there was none before (the API cannot clear it)", async () => {
        const provider = await configuredProvider(emulator);
        emulator.setNotifyUrl(NEW);
        await provider.delete(mchid, { notifyUrl: NEW, mchid, appliedNotifyUrl: NEW });
        expect(calls(emulator)).toEqual(["GET 200"]);
        expect(emulator.notifyUrl()).toBe(NEW);
    });

    it("handles state written before appliedNotifyUrl existed", async () => {
        const provider = await configuredProvider(emulator);
        emulator.setNotifyUrl(NEW);
        await provider.delete(mchid, { notifyUrl: NEW, mchid, previousNotifyUrl: OLD });
        expect(emulator.notifyUrl()).toBe(OLD);
    });

    it("says how to proceed when the restore is rejected", async () => {
        const provider = await configuredProvider(emulator, { "wechatpay:maxRetries": "0" });
        emulator.setNotifyUrl(NEW);
        emulator.failNext({ kind: "delay", ms: 0 });
        emulator.failNext({ kind: "error", status: 403, code: "NO_AUTH" });
        await expect(provider.delete(mchid, state)).rejects.toThrow(
            /403 NO_AUTH.*Destroy could not restore the previous notify URL https:\/\/old\.example\.com\/wechatpay\/membercard; .*retainOnDelete: true.*pulumi state delete/s,
        );
        expect(emulator.notifyUrl()).toBe(NEW);
    });
});

describe("settings", () => {
    it("names a missing setting before sending anything", async () => {
        const provider = await configuredProvider(emulator, { "wechatpay:serial": undefined });
        await expect(provider.create({ notifyUrl: NEW })).rejects.toThrow(
            "Missing `wechatpay:serial`. Set it with `pulumi config set wechatpay:serial <merchant API certificate serial>` or the WECHATPAY_SERIAL environment variable.",
        );
        await expect(provider.diff(mchid, {}, { notifyUrl: NEW })).rejects.toThrow(/Missing `wechatpay:serial`/);
        expect(emulator.requests).toEqual([]);
    });

    it("gets 401 SIGN_ERROR with a hint when serial and key do not belong together", async () => {
        const provider = await configuredProvider(emulator, { "wechatpay:serial": "ABCDEF0123456789" });
        await expect(provider.create({ notifyUrl: NEW })).rejects.toMatchObject({
            name: "WechatpayApiError",
            status: 401,
            code: "SIGN_ERROR",
            message: expect.stringContaining(
                "check that `wechatpay:serial` is the serial of the merchant API certificate",
            ),
        });
    });

    it("rejects replies that do not verify with the configured WeChat Pay key", async () => {
        const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
        const provider = await configuredProvider(emulator, {
            "wechatpay:publicKey": stranger.export({ type: "spki", format: "pem" }).toString(),
        });
        await expect(provider.create({ notifyUrl: NEW })).rejects.toMatchObject({
            name: "WechatpayVerificationError",
            code: "EV3_RES_HEADER_SIGNATURE_DIGEST",
        });
        // The GET before the PATCH failed verification, so nothing was written.
        expect(calls(emulator)).toEqual(["GET 200"]);
        expect(emulator.notifyUrl()).toBe(OLD);
    });
});
