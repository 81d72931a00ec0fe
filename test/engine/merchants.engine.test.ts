/**
 * Several merchants in one program, through the packed package and Pulumi's provider host: each resource's requests
 * are signed with its own merchant's credentials, which arrive in the secret `wechatpay:merchants` stack config.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    type Consumer,
    captureRegistration,
    emulatorStackConfig,
    keyFragments,
    type PropertyMap,
    type ProviderHost,
    prepareConsumer,
    startProviderHost,
    TYPE,
    urnFor,
} from "../../harness";
import { type Emulator, startEmulator } from "../../provider/testing";

const REPO = resolve(__dirname, "..", "..");
const PROJECT = "membercard-merchants";
const STACK = "dev";
const M1 = "1900000001";
const M2 = "1900000002";
const M3 = "1900000003";

const PROGRAM = `
const { MembercardCallback } = require("pulumi-wechatpay");
require("@pulumi/pulumi").runtime.runInPulumiStack(async () => {
    new MembercardCallback("brand-a", { notifyUrl: "https://a.example.com/wechatpay/membercard" });
    new MembercardCallback("brand-b", { mchid: "${M2}", notifyUrl: "https://b.example.com/wechatpay/membercard" });
    new MembercardCallback("brand-c", { mchid: "${M3}", notifyUrl: "https://c.example.com/wechatpay/membercard" });
});
`;

let consumer: Consumer;
let emulator: Emulator;
let host: ProviderHost;
let registered: { name: string; inputs: PropertyMap }[];

function stackConfig(): Record<string, string> {
    const [c2, c3] = [M2, M3].map((m) => emulator.credentials(m));
    if (!c2 || !c3) {
        throw new Error("emulator merchants missing");
    }
    return emulatorStackConfig(emulator, {
        // What `pulumi config set --secret --path 'wechatpay:merchants.<id>.privateKey' …` produces: one JSON value.
        "wechatpay:merchants": JSON.stringify({
            [M2]: {
                serial: c2.serial,
                privateKey: c2.privateKey,
                publicKeyId: c2.publicKeyId,
                publicKey: c2.publicKey,
            },
            [M3]: {
                serial: c3.serial,
                privateKey: c3.privateKey,
                publicKeyId: c3.platformSerial,
                publicKeys: { [c3.publicKeyId]: c3.publicKey, [c3.platformSerial]: c3.platformPublicKey },
            },
        }),
    });
}

beforeAll(async () => {
    [consumer, emulator] = await Promise.all([
        prepareConsumer({ packageDir: REPO }),
        startEmulator({
            merchants: [{ mchid: M1 }, { mchid: M2 }, { mchid: M3, notifyUrl: "https://old.example.com/cb" }],
        }),
    ]);
    const registration = await captureRegistration(consumer, PROGRAM, {
        project: PROJECT,
        stack: STACK,
        config: { "wechatpay:mchid": M1 },
    });
    registered = registration.resources.filter((r) => r.type === TYPE).map((r) => ({ name: r.name, inputs: r.inputs }));
    host = await startProviderHost(consumer, { project: PROJECT, stack: STACK });
    await host.configure(stackConfig(), ["wechatpay:privateKey", "wechatpay:merchants"]);
});

afterAll(async () => {
    await host?.close();
    await emulator?.close();
});

describe("three merchants in one program", () => {
    it("creates each with its own credentials and keeps them out of state", async () => {
        const states: { name: string; id: string; properties: PropertyMap }[] = [];
        for (const r of registered) {
            const urn = urnFor(TYPE, r.name, PROJECT, STACK);
            const checked = await host.check(urn, {}, r.inputs);
            expect(checked.failures).toEqual([]);
            const created = await host.create(urn, checked.inputs);
            states.push({ name: r.name, ...created });
        }
        expect(states.map((s) => s.id)).toEqual([M1, M2, M3]);
        expect([M1, M2, M3].map((m) => emulator.notifyUrl(m))).toEqual([
            "https://a.example.com/wechatpay/membercard",
            "https://b.example.com/wechatpay/membercard",
            "https://c.example.com/wechatpay/membercard",
        ]);
        const perMerchant = Object.fromEntries(
            [M1, M2, M3].map((m) => [
                m,
                emulator.requests.filter((r) => r.mchid === m).map((r) => `${r.method} ${r.status}`),
            ]),
        );
        console.info(`API calls per merchant: ${JSON.stringify(perMerchant)}`);
        expect(perMerchant).toEqual({
            [M1]: ["GET 404", "PATCH 200"],
            [M2]: ["GET 404", "PATCH 200"],
            [M3]: ["GET 200", "PATCH 200"],
        });
        // M3 asked for platform-certificate signatures (its publicKeyId is the certificate serial).
        const m3 = emulator.credentials(M3);
        expect(emulator.requests.filter((r) => r.mchid === M3).map((r) => r.responseSerial)).toEqual([
            m3.platformSerial,
            m3.platformSerial,
        ]);
        for (const s of states) {
            const stored = JSON.stringify({ id: s.id, outputs: s.properties });
            console.info(`state of ${s.name}: ${Buffer.byteLength(stored)} bytes`);
            expect(Buffer.byteLength(stored)).toBeLessThan(1024);
            for (const m of [M1, M2, M3]) {
                for (const fragment of keyFragments(emulator.credentials(m).privateKey)) {
                    expect(stored).not.toContain(fragment);
                }
            }
        }
    });

    it("fails check for a merchant that has no profile", async () => {
        const inputs = { ...registered[1]?.inputs, mchid: "1900000009" };
        const result = await host.check(urnFor(TYPE, "brand-x", PROJECT, STACK), {}, inputs);
        expect(result.failures).toEqual([
            {
                property: "mchid",
                reason: expect.stringContaining("add a profile `wechatpay:merchants.1900000009`"),
            },
        ]);
    });

    it("replaces on a merchant change and restores the old merchant with its own credentials", async () => {
        emulator.reset();
        emulator.setNotifyUrl("https://b.example.com/wechatpay/membercard", M2);
        const urn = urnFor(TYPE, "brand-b", PROJECT, STACK);
        const old = {
            ...registered[1]?.inputs,
            notifyUrl: "https://b.example.com/wechatpay/membercard",
            mchid: M2,
            appliedNotifyUrl: "https://b.example.com/wechatpay/membercard",
            previousNotifyUrl: "https://before.example.com/cb",
        };
        const news = { ...registered[1]?.inputs, mchid: M3 };
        const plan = await host.diff(M2, urn, old, news);
        expect(plan).toMatchObject({ changes: "some", replaces: ["mchid"] });
        await host.create(urn, news);
        await host.delete(M2, urn, old);
        expect(emulator.requests.map((r) => `${r.mchid} ${r.method} ${r.status}`)).toEqual([
            `${M3} GET 200`,
            `${M3} PATCH 200`,
            `${M2} GET 200`,
            `${M2} PATCH 200`,
        ]);
        expect(emulator.notifyUrl(M2)).toBe("https://before.example.com/cb");
        // The default merchant was not touched.
        expect(emulator.requests.some((r) => r.mchid === M1)).toBe(false);
    });

    it("never shows a private key in the host's output", () => {
        const text = host.output();
        for (const m of [M1, M2, M3]) {
            for (const fragment of keyFragments(emulator.credentials(m).privateKey)) {
                expect(text).not.toContain(fragment);
            }
        }
    });
});
