/**
 * The package as a user installs it (the `npm pack` tarball), run by Pulumi's own dynamic-provider host and driven
 * over gRPC in the order the engine uses for preview, up, refresh, drift check and destroy, against the emulator.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
    type Consumer,
    calls,
    captureRegistration,
    emulatorStackConfig,
    keyFragments,
    OLD_URL,
    type PropertyMap,
    type ProviderHost,
    prepareConsumer,
    startProviderHost,
    TYPE,
    URL_A,
    URL_B,
    urnFor,
    withoutWechatpayEnv,
} from "../../harness";
import { type Emulator, startEmulator } from "../../provider/testing";

const REPO = resolve(__dirname, "..", "..");
const PROJECT = "membercard-engine";
const STACK = "dev";
const URN = urnFor(TYPE, "membercard", PROJECT, STACK);

const PROGRAM = `
const { MembercardCallback } = require("pulumi-wechatpay");
const callback = new MembercardCallback("membercard", { notifyUrl: ${JSON.stringify(URL_A)} });
new MembercardCallback("second", { notifyUrl: ${JSON.stringify(URL_B)} });
exports.mchid = callback.mchid;
`;

const cleanEnv = withoutWechatpayEnv();

let consumer: Consumer;
let emulator: Emulator;
let provider: string;
let inputs: PropertyMap;
const hosts: ProviderHost[] = [];
const seen: string[] = [];

function stackConfig(): Record<string, string> {
    return emulatorStackConfig(emulator, { "wechatpay:maxRetries": "0", [`${PROJECT}:unrelated`]: "value" });
}

async function host(): Promise<ProviderHost> {
    const h = await startProviderHost(consumer, { project: PROJECT, stack: STACK, env: cleanEnv });
    hosts.push(h);
    await h.configure(stackConfig(), ["wechatpay:privateKey"]);
    return h;
}

/** Records a response for the secret scan and returns it. */
function keep<T>(value: T): T {
    seen.push(JSON.stringify(value));
    return value;
}

beforeAll(async () => {
    [consumer, emulator] = await Promise.all([
        prepareConsumer({ packageDir: REPO }),
        startEmulator({ merchants: [{ mchid: "1900000001", notifyUrl: OLD_URL }] }),
    ]);
    // The program sees the whole stack config, private key included, as in a real `pulumi up`: a provider that
    // captured it would carry it into `__provider`, and the secret scan below would catch it.
    // The merchant guard applies under mocks too: here the second resource names another merchant.
    const twoMerchants = PROGRAM.replace(
        `${JSON.stringify(URL_B)} }`,
        `${JSON.stringify(URL_B)}, mchid: "1900000002" }`,
    );
    const registration = await captureRegistration(consumer, twoMerchants, {
        project: PROJECT,
        stack: STACK,
        config: stackConfig(),
    });
    const first = registration.resources.find((r) => r.name === "membercard");
    if (!first?.serializedProvider) {
        throw new Error(`no serialized provider was registered:\n${registration.output}`);
    }
    provider = first.serializedProvider;
    inputs = first.inputs;
    expect(registration.resources.map((r) => r.type)).toEqual([TYPE, TYPE]);
    // One provider object for every resource: the host deserializes and configures it once.
    expect(registration.resources[1]?.serializedProvider).toBe(provider);
});

afterAll(async () => {
    await Promise.all(hosts.map((h) => h.close()));
    await emulator?.close();
});

beforeEach(() => emulator.reset());

describe("the packed package", () => {
    it("registers the fixed type token and only the notifyUrl input", () => {
        expect(Object.keys(inputs).sort()).toEqual(["__provider", "notifyUrl"]);
        expect(inputs.notifyUrl).toBe(URL_A);
    });

    it("refuses a second MembercardCallback for the same merchant in one deployment", async () => {
        // The language host runs a program inside the root Stack resource; under mocks, do the same.
        const inStack = `require("@pulumi/pulumi").runtime.runInPulumiStack(async () => {${PROGRAM}});`;
        const result = captureRegistration(consumer, inStack, {
            project: PROJECT,
            stack: STACK,
            config: { "wechatpay:mchid": "1900000001" },
        });
        await expect(result).rejects.toThrow(
            'MembercardCallback "second" would manage merchant 1900000001, which MembercardCallback "membercard" in this stack already manages',
        );
    });

    it("serializes a small provider that loads the installed package instead of copying it", () => {
        console.info(`serialized __provider: ${Buffer.byteLength(provider)} bytes`);
        expect(provider).toContain('require("pulumi-wechatpay/dist/');
        expect(provider).not.toMatch(/PRIVATE KEY|axios/);
    });
});

describe("the engine's steps through Pulumi's provider host", () => {
    it("preview → up (create) → refresh → drift check → up (fix) → destroy", async () => {
        const h = await host();
        const news = { ...inputs };

        // preview of a new resource: Check only; no request to WeChat Pay.
        const checked = keep(await h.check(URN, {}, news));
        expect(checked.failures).toEqual([]);
        expect(emulator.requests).toEqual([]);

        // up: Check → Create = GET (adopt) + PATCH.
        const created = keep(await h.create(URN, checked.inputs));
        expect(created.id).toBe("1900000001");
        expect(created.properties).toMatchObject({
            notifyUrl: URL_A,
            mchid: "1900000001",
            appliedNotifyUrl: URL_A,
            previousNotifyUrl: OLD_URL,
        });
        expect(calls(emulator)).toEqual(["GET 200", "PATCH 200"]);

        // preview --refresh with no drift: Read = one GET, then Diff = nothing to do.
        emulator.reset();
        emulator.setNotifyUrl(URL_A);
        const fresh = keep(await h.read(created.id, URN, created.properties, checked.inputs));
        expect(fresh.inputs).toMatchObject({ notifyUrl: URL_A });
        expect(keep(await h.diff(created.id, URN, fresh.properties, news, fresh.inputs)).changes).toBe("none");
        expect(calls(emulator)).toEqual(["GET 200"]);

        // Someone changes the URL in the Pay platform: the same drift check now shows a change.
        emulator.reset();
        emulator.setNotifyUrl("https://someone-else.example.com/cb");
        const drifted = keep(await h.read(created.id, URN, fresh.properties, fresh.inputs));
        expect(drifted.properties).toMatchObject({
            notifyUrl: "https://someone-else.example.com/cb",
            appliedNotifyUrl: URL_A,
            previousNotifyUrl: OLD_URL,
        });
        const plan = keep(await h.diff(created.id, URN, drifted.properties, news, drifted.inputs));
        expect(plan).toMatchObject({ changes: "some", replaces: [] });
        expect(calls(emulator)).toEqual(["GET 200"]);

        // up corrects it: Update = one PATCH.
        emulator.reset();
        emulator.setNotifyUrl("https://someone-else.example.com/cb");
        const updated = keep(await h.update(created.id, URN, drifted.properties, news, drifted.inputs));
        expect(updated.properties).toMatchObject({
            notifyUrl: URL_A,
            appliedNotifyUrl: URL_A,
            previousNotifyUrl: OLD_URL,
        });
        expect(calls(emulator)).toEqual(["PATCH 200"]);

        // destroy: Delete = GET, then PATCH back the URL that was there before.
        emulator.reset();
        emulator.setNotifyUrl(URL_A);
        keep(await h.delete(created.id, URN, updated.properties, news));
        expect(calls(emulator)).toEqual(["GET 200", "PATCH 200"]);
        expect(emulator.notifyUrl()).toBe(OLD_URL);
    });

    it("previews a notifyUrl that is not known yet", async () => {
        const h = await host();
        const unknownNews = { ...inputs, notifyUrl: h.unknown };
        expect(keep(await h.check(URN, {}, unknownNews)).failures).toEqual([]);
        const olds = { notifyUrl: URL_A, mchid: "1900000001", appliedNotifyUrl: URL_A };
        expect(keep(await h.diff("1900000001", URN, olds, unknownNews)).changes).toBe("some");
        expect(emulator.requests).toEqual([]);
    });

    it("reports a bad notifyUrl as a check failure naming the property", async () => {
        const h = await host();
        const result = keep(await h.check(URN, {}, { ...inputs, notifyUrl: "http://10.0.0.1/cb" }));
        expect(result.failures).toEqual([
            {
                property: "notifyUrl",
                reason: "notifyUrl must use https (WeChat Pay only calls https endpoints), got http",
            },
        ]);
    });

    it.each([
        ["https:///api.example.com:8443/cb", "notifyUrl must name a host right after https://"],
        [
            "https://api.example.com/c\u0000b",
            "notifyUrl must not contain control characters (found U+0000 at position 26)",
        ],
        [
            "https://api.example.com/\u202eb",
            "notifyUrl must not contain invisible formatting characters such as bidi overrides (found U+202E at position 25)",
        ],
        [
            "https://[64:ff9b::a00:1]/cb",
            "notifyUrl must point at a public host: WeChat Pay's servers cannot reach the NAT64 address 64:ff9b::a00:1",
        ],
    ])("checks the string it will send: %j fails Check", async (notifyUrl, reason) => {
        const h = await host();
        const result = keep(await h.check(URN, {}, { ...inputs, notifyUrl }));
        expect(result.failures).toEqual([{ property: "notifyUrl", reason }]);
        expect(emulator.requests).toEqual([]);
    });

    it("reports a resource gone when no URL is set", async () => {
        const h = await host();
        emulator.setNotifyUrl(undefined);
        const result = keep(await h.read("1900000001", URN, { ...inputs, notifyUrl: URL_A, mchid: "1900000001" }));
        expect(result.id).toBe("");
    });

    it("answers a refresh of many resources whose first calls reach a fresh host at once", async () => {
        const h = await host();
        emulator.setNotifyUrl(URL_A);
        const props = { ...inputs, notifyUrl: URL_A, mchid: "1900000001", appliedNotifyUrl: URL_A };
        const results = await Promise.all(
            Array.from({ length: 24 }, (_, i) => h.read("1900000001", urnFor(TYPE, `cb${i}`, PROJECT, STACK), props)),
        );
        expect(results.map((r) => r.properties.notifyUrl)).toEqual(Array(24).fill(URL_A));
        expect(calls(emulator)).toEqual(Array(24).fill("GET 200"));
    });

    it("fails with the setting's name when the stack config lacks one, before any request", async () => {
        const h = await startProviderHost(consumer, { project: PROJECT, stack: STACK, env: cleanEnv });
        hosts.push(h);
        const { "wechatpay:serial": _omit, ...config } = stackConfig();
        await h.configure(config, ["wechatpay:privateKey"]);
        await expect(h.create(URN, { ...inputs })).rejects.toThrow(
            "Missing `wechatpay:serial`. Set it with `pulumi config set wechatpay:serial <merchant API certificate serial>` or the WECHATPAY_SERIAL environment variable.",
        );
        expect(emulator.requests).toEqual([]);
    });

    it("surfaces WeChat Pay errors with their code and hint", async () => {
        const h = await host();
        emulator.failNext({ kind: "error", status: 403, code: "NO_AUTH" });
        const p = h.read("1900000001", URN, { ...inputs, notifyUrl: URL_A, mchid: "1900000001" });
        await expect(p).rejects.toThrow(/403 NO_AUTH.*must enable the product permission/);
        await p.catch((e: Error) => seen.push(e.message));
    });

    it("never shows the private key in responses, errors or host output", () => {
        const text = [...seen, ...hosts.map((h) => h.output()), provider].join("\n");
        expect(seen.length).toBeGreaterThan(10);
        for (const fragment of keyFragments(emulator.credentials().privateKey)) {
            expect(text).not.toContain(fragment);
        }
        expect(text).not.toContain("PRIVATE KEY");
    });
});
