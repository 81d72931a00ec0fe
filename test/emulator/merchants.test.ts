import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configureRequest } from "../../harness";
import { MEMBERCARD_CALLBACK } from "../../provider/endpoints";
import { NotifySettingProvider } from "../../provider/provider";
import { type Emulator, startEmulator } from "../../provider/testing";
import { stackConfig } from "./fixture";

const M1 = "1900000001";
const M2 = "1900000002";
const M3 = "1900000003";
const OLD = "https://old.example.com/cb";

let emulator: Emulator;

beforeAll(async () => {
    emulator = await startEmulator({
        merchants: [{ mchid: M1, notifyUrl: OLD }, { mchid: M2 }, { mchid: M3, notifyUrl: OLD }],
    });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

/** Single-merchant keys for M1, profiles for M2 and M3 (M3 with both a public key and a platform certificate). */
function profiles(m3: Record<string, unknown> = {}) {
    const c2 = emulator.credentials(M2);
    const c3 = emulator.credentials(M3);
    return {
        [M2]: { serial: c2.serial, privateKey: c2.privateKey, publicKeyId: c2.publicKeyId, publicKey: c2.publicKey },
        [M3]: {
            serial: c3.serial,
            privateKey: c3.privateKey,
            publicKeys: { [c3.publicKeyId]: c3.publicKey, [c3.platformSerial]: c3.platformPublicKey },
            ...m3,
        },
    };
}

async function provider(overrides: Record<string, string | undefined> = {}) {
    const values = stackConfig(emulator, { "wechatpay:merchants": JSON.stringify(profiles()), ...overrides });
    const p = new NotifySettingProvider(MEMBERCARD_CALLBACK);
    await p.configure(configureRequest(values));
    return p;
}

const byMerchant = () => emulator.requests.map((r) => `${r.mchid} ${r.method} ${r.status}`);

describe("several merchants in one stack", () => {
    it("sets three merchants' URLs, each signed with that merchant's own key", async () => {
        const p = await provider();
        const results = [];
        for (const [mchid, url] of [
            [undefined, "https://a.example.com/cb"],
            [M2, "https://b.example.com/cb"],
            [M3, "https://c.example.com/cb"],
        ] as const) {
            results.push(await p.create({ notifyUrl: url, ...(mchid ? { mchid } : {}) }));
        }
        expect(results.map((r) => r.id)).toEqual([M1, M2, M3]);
        expect(results.map((r) => r.outs.previousNotifyUrl)).toEqual([OLD, undefined, OLD]);
        expect([emulator.notifyUrl(M1), emulator.notifyUrl(M2), emulator.notifyUrl(M3)]).toEqual([
            "https://a.example.com/cb",
            "https://b.example.com/cb",
            "https://c.example.com/cb",
        ]);
        // The emulator checks each signature against the key of the merchant named in the Authorization header.
        expect(byMerchant()).toEqual([
            `${M1} GET 200`,
            `${M1} PATCH 200`,
            `${M2} GET 404`,
            `${M2} PATCH 200`,
            `${M3} GET 200`,
            `${M3} PATCH 200`,
        ]);
    });

    it("refresh keeps the mchid input of another merchant's resource, and none for the default merchant", async () => {
        const p = await provider();
        const other = await p.read(M3, { notifyUrl: OLD, mchid: M3 });
        expect(other.inputs).toEqual({ notifyUrl: OLD, mchid: M3 });
        const own = await p.read(M1, { notifyUrl: OLD, mchid: M1 });
        expect(own.inputs).toEqual({ notifyUrl: OLD });
    });

    it("fails check for a merchant without a profile, naming the key path", async () => {
        const p = await provider();
        const result = await p.check({}, { notifyUrl: "https://a.example.com/cb", mchid: "1900000009" });
        expect(result.failures).toEqual([
            {
                property: "mchid",
                reason: "No credentials for merchant 1900000009 (`wechatpay:mchid` is 1900000001): add a profile `wechatpay:merchants.1900000009` with serial, privateKey, publicKeyId and publicKey. Set it with `pulumi config set --path 'wechatpay:merchants.1900000009.serial' <merchant API certificate serial>`.",
            },
        ]);
        expect(emulator.requests).toEqual([]);
    });

    it("rejects a malformed mchid input", async () => {
        const p = await provider();
        const result = await p.check({}, { notifyUrl: "https://a.example.com/cb", mchid: "19x" });
        expect(result.failures).toEqual([
            {
                property: "mchid",
                reason: 'mchid must be the numeric merchant id (商户号), e.g. "1900000001", got "19x"',
            },
        ]);
    });
});

describe("two verification keys during the switch-over", () => {
    it.each([
        ["the public key (Wechatpay-Serial sent)", "publicKeyId", true],
        ["the platform certificate (no Wechatpay-Serial)", "platformSerial", false],
    ] as const)("verifies replies signed with %s", async (_what, preferred, headerSent) => {
        const c3 = emulator.credentials(M3);
        const values = stackConfig(emulator, {
            "wechatpay:merchants": JSON.stringify(profiles({ publicKeyId: c3[preferred] })),
        });
        const p = new NotifySettingProvider(MEMBERCARD_CALLBACK);
        await p.configure(configureRequest(values));
        await expect(p.read(M3, { notifyUrl: OLD, mchid: M3 })).resolves.toMatchObject({ props: { notifyUrl: OLD } });
        const [request] = emulator.requests;
        expect(request?.wechatpaySerial).toBe(headerSent ? c3.publicKeyId : undefined);
        expect(request?.responseSerial).toBe(c3[preferred]);
    });
});

describe("changing merchant", () => {
    it("is a replacement, and destroying the old one uses the old merchant's credentials only", async () => {
        const p = await provider();
        const first = await p.create({ notifyUrl: "https://b.example.com/cb", mchid: M2 });
        emulator.setNotifyUrl(OLD, M2); // so there is something to restore
        const old = {
            ...first.outs,
            notifyUrl: "https://b.example.com/cb",
            previousNotifyUrl: "https://before.example.com/cb",
        };
        emulator.setNotifyUrl("https://b.example.com/cb", M2);

        await expect(p.diff(M2, old, { notifyUrl: "https://b.example.com/cb", mchid: M3 })).resolves.toEqual({
            changes: true,
            replaces: ["mchid"],
            deleteBeforeReplace: false,
        });
        emulator.reset();
        emulator.setNotifyUrl("https://b.example.com/cb", M2);
        // The engine creates the replacement first, then deletes the old resource.
        await p.create({ notifyUrl: "https://b.example.com/cb", mchid: M3 });
        await p.delete(M2, old);
        expect(byMerchant()).toEqual([`${M3} GET 200`, `${M3} PATCH 200`, `${M2} GET 200`, `${M2} PATCH 200`]);
        expect(emulator.notifyUrl(M2)).toBe("https://before.example.com/cb");
        expect(emulator.notifyUrl(M3)).toBe("https://b.example.com/cb");
    });

    it("leaves a merchant alone when the stack no longer has its credentials", async () => {
        const p = await provider({ "wechatpay:merchants": undefined });
        emulator.setNotifyUrl("https://b.example.com/cb", M2);
        await p.delete(M2, {
            notifyUrl: "https://b.example.com/cb",
            appliedNotifyUrl: "https://b.example.com/cb",
            previousNotifyUrl: OLD,
        });
        expect(emulator.requests).toEqual([]);
        expect(emulator.notifyUrl(M2)).toBe("https://b.example.com/cb");
    });
});
