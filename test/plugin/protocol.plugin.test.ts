/**
 * The `wechatpay` provider plugin spoken to over Pulumi's provider protocol, as the engine would: started as a child
 * process, configured with secrets, every resource call for all four types against the emulator, two provider
 * instances for two merchants, config errors, and an import-style read.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
    calls,
    emulatorStackConfig,
    keyFragments,
    type PluginHost,
    pluginTypeToken,
    pluginUrn,
    providerInputs,
    REPO,
    UNKNOWN,
} from "../../harness";
import { startPlugin } from "../../harness/plugin";
import { type Emulator, type SettingName, startEmulator } from "../../provider/testing";

const A = "1900000009";
const B = "1900000008";
const OLD = "https://old.example.com/wechatpay/notify";
const NEW = "https://api.example.com/wechatpay/notify";
const NEWER = "https://api.example.com/wechatpay/notify-v2";

const TYPES: { resource: string; setting: SettingName; write: string; remove: boolean }[] = [
    { resource: "MembercardCallback", setting: "membercard", write: "PATCH 200", remove: false },
    { resource: "ComplaintNotification", setting: "complaint", write: "PUT 200", remove: true },
    { resource: "BusifavorCallback", setting: "busifavor", write: "POST 200", remove: false },
    { resource: "ViolationNotification", setting: "violation", write: "PUT 200", remove: true },
];

let emulator: Emulator;
let pluginA: PluginHost;
let pluginB: PluginHost;

beforeAll(async () => {
    emulator = await startEmulator({
        merchants: [
            { mchid: A, kind: "partner" },
            { mchid: B, kind: "partner" },
        ],
    });
    // Two provider instances, as the engine runs them: one plugin process each, each with its own merchant. A is
    // configured through `args` (secret key wrapped) and `variables`, B the same way with its own credentials.
    [pluginA, pluginB] = await Promise.all([startPlugin(), startPlugin()]);
    await pluginA.configure(emulatorStackConfig(emulator, {}, A), ["wechatpay:privateKey"]);
    await pluginB.configure(emulatorStackConfig(emulator, {}, B), ["wechatpay:privateKey"]);
});
afterAll(async () => {
    await Promise.all([pluginA?.close(), pluginB?.close()]);
    await emulator?.close();
});
beforeEach(() => emulator.reset());

describe("the plugin's identity", () => {
    it("reports its version and serves the committed schema", async () => {
        const schema = JSON.parse(readFileSync(join(REPO, "provider", "plugin", "schema.json"), "utf8"));
        await expect(pluginA.getPluginInfo()).resolves.toEqual({ version: schema.version });
        expect(JSON.parse(await pluginA.getSchema())).toEqual(schema);
    });

    it("names each resource's type token from its schema, and refuses a name it does not serve", async () => {
        const tokens = await Promise.all(TYPES.map(({ resource }) => pluginTypeToken(pluginA, resource)));
        expect(tokens).toEqual(TYPES.map(({ resource }) => `wechatpay:index:${resource}`));
        await expect(pluginTypeToken(pluginA, "Callback")).rejects.toThrow(
            "The plugin's schema has no resource named Callback; it has wechatpay:index:MembercardCallback, ",
        );
    });
});

describe.each(TYPES)("$resource through the plugin", ({ resource, setting, write, remove }) => {
    const urn = pluginUrn(resource, "it");

    it("check, create (adopting the live URL), read, diff, update, delete: the core's calls and state", async () => {
        emulator.setSetting(setting, OLD, A);
        const checked = await pluginA.check(urn, {}, { notifyUrl: `  ${NEW} ` });
        expect(checked).toEqual({ inputs: { notifyUrl: NEW }, failures: [] });
        expect(emulator.requests).toEqual([]);

        const created = await pluginA.create(urn, checked.inputs);
        expect(created).toEqual({
            id: A,
            properties: { notifyUrl: NEW, mchid: A, appliedNotifyUrl: NEW, previousNotifyUrl: OLD },
        });
        expect(calls(emulator)).toEqual(["GET 200", write]);
        expect(emulator.setting(setting, A)).toBe(NEW);
        expect(emulator.setting(setting, B)).toBeUndefined();

        // Drift: someone changed it; a refresh shows it and feeds the next diff.
        emulator.reset();
        emulator.setSetting(setting, NEWER, A);
        const read = await pluginA.read(A, urn, created.properties, checked.inputs);
        expect(read).toEqual({
            id: A,
            properties: { ...created.properties, notifyUrl: NEWER },
            inputs: { notifyUrl: NEWER },
        });
        expect(calls(emulator)).toEqual(["GET 200"]);
        const drift = await pluginA.diff(A, urn, read.properties, checked.inputs, read.inputs);
        expect(drift).toMatchObject({ changes: "some", replaces: [], detailedDiff: { notifyUrl: "UPDATE" } });

        const updated = await pluginA.update(A, urn, read.properties, checked.inputs, read.inputs);
        expect(updated.properties).toEqual({ ...created.properties, notifyUrl: NEW });
        await expect(pluginA.diff(A, urn, updated.properties, checked.inputs)).resolves.toMatchObject({
            changes: "none",
        });

        emulator.reset(); // clears the live settings too
        emulator.setSetting(setting, NEW, A);
        await pluginA.delete(A, urn, updated.properties, checked.inputs);
        expect(calls(emulator)).toEqual(["GET 200", write]);
        expect(emulator.setting(setting, A)).toBe(OLD);
    });

    it("a second provider instance manages merchant B with B's credentials; A's setting is untouched", async () => {
        emulator.setSetting(setting, OLD, A);
        const created = await pluginB.create(urn, { notifyUrl: NEW });
        expect(created.id).toBe(B);
        expect(emulator.requests.map((r) => r.mchid)).toEqual([B, B]);
        expect(emulator.setting(setting, B)).toBe(NEW);
        expect(emulator.setting(setting, A)).toBe(OLD);
        await pluginB.delete(B, urn, created.properties);
        // Nothing was set before: an API with DELETE removes it, the others leave it (and say why).
        expect(emulator.setting(setting, B)).toBe(remove ? undefined : NEW);
    });

    it("a changed mchid input is a replacement in the detailed diff; an unknown URL passes check", async () => {
        const state = { notifyUrl: NEW, mchid: A, appliedNotifyUrl: NEW };
        // Merchant B's provider instance (its `wechatpay:mchid`) given a resource of merchant A: a replacement.
        const byConfig = await pluginB.diff(A, urn, state, { notifyUrl: NEW }, { notifyUrl: NEW });
        expect(byConfig).toMatchObject({
            changes: "some",
            replaces: ["mchid"],
            detailedDiff: { mchid: "UPDATE_REPLACE" },
        });
        const byInput = await pluginB.diff(A, urn, state, { notifyUrl: NEWER, mchid: B }, { notifyUrl: NEW });
        expect(byInput).toMatchObject({
            changes: "some",
            replaces: ["mchid"],
            detailedDiff: { mchid: "ADD_REPLACE", notifyUrl: "UPDATE" },
        });
        await expect(pluginA.check(urn, {}, { notifyUrl: UNKNOWN })).resolves.toEqual({
            inputs: { notifyUrl: UNKNOWN },
            failures: [],
        });
        const preview = await pluginA.preview("create", urn, { notifyUrl: NEW });
        expect(preview.properties).toMatchObject({ notifyUrl: NEW, appliedNotifyUrl: NEW });
        expect(emulator.requests).toEqual([]);
    });

    it("an import (a read with the id alone) adopts the live URL; destroy leaves it as it was", async () => {
        emulator.setSetting(setting, OLD, A);
        const read = await pluginA.read(A, urn, {});
        expect(read).toEqual({
            id: A,
            properties: { notifyUrl: OLD, mchid: A, appliedNotifyUrl: OLD, previousNotifyUrl: OLD },
            inputs: { notifyUrl: OLD },
        });
        await pluginA.delete(A, urn, read.properties);
        expect(emulator.setting(setting, A)).toBe(OLD);
        expect(emulator.requests.map((r) => r.method)).not.toContain("DELETE");
    });

    it("an import of a merchant the provider has no credentials for fails, naming the way out", async () => {
        await expect(pluginA.read(B, urn, {})).rejects.toThrow(
            /^Cannot import merchant 1900000008: this provider has no credentials for it\. Set `wechatpay:mchid`/,
        );
        expect(emulator.requests).toEqual([]);
    });
});

describe("provider config", () => {
    it("CheckConfig names the missing or malformed key, and keeps the private key secret", async () => {
        const good = providerInputs(emulatorStackConfig(emulator, {}, A));
        const ok = await pluginA.checkConfig(good);
        expect(ok.failures).toEqual([]);
        expect(ok.inputs.privateKey).toEqual({
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            value: good.privateKey,
        });

        const { serial: _, ...noSerial } = good;
        const missing = await pluginA.checkConfig(noSerial);
        expect(missing.failures).toHaveLength(1);
        expect(missing.failures[0]?.property).toBe("serial");
        expect(missing.failures[0]?.reason).toMatch(/^Missing `wechatpay:serial`\. Set it with `pulumi config set/);

        const badUrl = await pluginA.checkConfig({ ...good, baseUrl: "https://example.com/v3/" });
        expect(badUrl.failures[0]?.property).toBe("baseUrl");
        expect(badUrl.failures[0]?.reason).toMatch(/`wechatpay:baseUrl`/);
        expect(emulator.requests).toEqual([]);
    });

    it("falls back to WECHATPAY_* in the plugin's environment, like the dynamic provider", async () => {
        const c = emulatorStackConfig(emulator, {}, B);
        const plugin = await startPlugin({
            env: {
                WECHATPAY_MCHID: c["wechatpay:mchid"],
                WECHATPAY_SERIAL: c["wechatpay:serial"],
                WECHATPAY_PRIVATE_KEY: c["wechatpay:privateKey"],
                WECHATPAY_PUBLIC_KEY_ID: c["wechatpay:publicKeyId"],
                WECHATPAY_PUBLIC_KEY: c["wechatpay:publicKey"],
                WECHATPAY_BASE_URL: c["wechatpay:baseUrl"],
            },
        });
        try {
            await plugin.configure({});
            await expect(plugin.checkConfig({})).resolves.toMatchObject({ failures: [] });
            const created = await plugin.create(pluginUrn("MembercardCallback", "env"), { notifyUrl: NEW });
            expect(created.id).toBe(B);
        } finally {
            await plugin.close();
        }
    });

    it("a resource without config fails its check naming the key; nothing is sent", async () => {
        const plugin = await startPlugin();
        try {
            await plugin.configure({ "wechatpay:baseUrl": emulator.baseUrl });
            // The core's check resolves the settings, so `pulumi preview` already fails, naming the key.
            await expect(plugin.check(pluginUrn("MembercardCallback", "x"), {}, { notifyUrl: NEW })).rejects.toThrow(
                /^Missing `wechatpay:mchid`\. Set it with `pulumi config set wechatpay:mchid/,
            );
            expect(emulator.requests).toEqual([]);
        } finally {
            await plugin.close();
        }
    });

    it("after Cancel, starts no WeChat Pay call", async () => {
        const plugin = await startPlugin();
        try {
            await plugin.configure(emulatorStackConfig(emulator, {}, A), ["wechatpay:privateKey"]);
            await plugin.cancel();
            await expect(plugin.create(pluginUrn("MembercardCallback", "c"), { notifyUrl: NEW })).rejects.toThrow(
                /cancelled; no new WeChat Pay call is started/,
            );
            expect(emulator.requests).toEqual([]);
        } finally {
            await plugin.close();
        }
    });

    it("DiffConfig reports changed settings and never replaces the provider", async () => {
        const good = providerInputs(emulatorStackConfig(emulator, {}, A));
        await expect(pluginA.diffConfig(good, good)).resolves.toMatchObject({ changes: "none", replaces: [] });
        await expect(pluginA.diffConfig(good, { ...good, mchid: B })).resolves.toMatchObject({
            changes: "some",
            replaces: [],
            diffs: ["mchid"],
        });
    });

    it("prints no key material", () => {
        const output = pluginA.output() + pluginB.output();
        expect(output).toMatch(/MembercardCallback 1900000009: /); // the core's messages do reach the output
        for (const m of [A, B]) {
            const fragments = keyFragments(emulatorStackConfig(emulator, {}, m)["wechatpay:privateKey"] ?? "");
            expect(fragments.length).toBeGreaterThan(10);
            expect(fragments.filter((f) => output.includes(f))).toEqual([]);
        }
    });
});
