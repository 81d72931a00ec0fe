import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
    BUSIFAVOR_CALLBACK,
    COMPLAINT_NOTIFICATION,
    MEMBERCARD_CALLBACK,
    VIOLATION_NOTIFICATION,
} from "../../provider/endpoints";
import type { NotifyEndpoint } from "../../provider/notifyEndpoint";
import { type Emulator, type SettingName, startEmulator } from "../../provider/testing";
import { calls, configuredNotifyProvider } from "./fixture";

/** A service provider: may call every API. */
const PARTNER = "1900000009";
const LIVE = "https://merchant.example.com/wechatpay/notify";
const NEW = "https://api.example.com/wechatpay/notify";

const CASES: { endpoint: NotifyEndpoint; setting: SettingName; write: string }[] = [
    { endpoint: MEMBERCARD_CALLBACK, setting: "membercard", write: "PATCH 200" },
    { endpoint: COMPLAINT_NOTIFICATION, setting: "complaint", write: "PUT 200" },
    { endpoint: BUSIFAVOR_CALLBACK, setting: "busifavor", write: "POST 200" },
    { endpoint: VIOLATION_NOTIFICATION, setting: "violation", write: "PUT 200" },
];

let emulator: Emulator;
beforeAll(async () => {
    emulator = await startEmulator({ merchants: [{ mchid: PARTNER, kind: "partner" }] });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

// A read with the id alone is what the engine sends for `pulumi import` and the `import` option (the provider plugin
// serves it; a dynamic provider cannot, pulumi/pulumi#3550). The core adopts the live URL as the one to put back.
describe.each(CASES)("$endpoint.name: a read with only the id (import)", ({ endpoint, setting, write }) => {
    it("adopts the live URL, and destroy leaves it as it was at import (never deletes it)", async () => {
        emulator.setSetting(setting, LIVE, PARTNER);
        const p = await configuredNotifyProvider(endpoint, emulator, PARTNER);
        const read = await p.read(PARTNER, {});
        expect(read).toEqual({
            id: PARTNER,
            props: { notifyUrl: LIVE, mchid: PARTNER, appliedNotifyUrl: LIVE, previousNotifyUrl: LIVE },
            inputs: { notifyUrl: LIVE },
        });
        expect(calls(emulator)).toEqual(["GET 200"]);
        emulator.reset();
        emulator.setSetting(setting, LIVE, PARTNER);
        await p.delete(PARTNER, read.props ?? {});
        // Putting the import-time URL back is the one write; no DELETE even where the API has one.
        expect(calls(emulator)).toEqual(["GET 200", write]);
        expect(emulator.setting(setting, PARTNER)).toBe(LIVE);
    });

    it("after an update, destroy restores the URL from the import", async () => {
        emulator.setSetting(setting, LIVE, PARTNER);
        const p = await configuredNotifyProvider(endpoint, emulator, PARTNER);
        const read = await p.read(PARTNER, {});
        const updated = await p.update(PARTNER, read.props ?? {}, { notifyUrl: NEW });
        expect(emulator.setting(setting, PARTNER)).toBe(NEW);
        await p.delete(PARTNER, updated.outs ?? {});
        expect(emulator.setting(setting, PARTNER)).toBe(LIVE);
    });

    it("a refresh of existing state is unchanged: it records nothing new as the URL to put back", async () => {
        emulator.setSetting(setting, LIVE, PARTNER);
        const p = await configuredNotifyProvider(endpoint, emulator, PARTNER);
        const read = await p.read(PARTNER, { notifyUrl: NEW, mchid: PARTNER, appliedNotifyUrl: NEW });
        expect(read.props).toEqual({ notifyUrl: LIVE, mchid: PARTNER, appliedNotifyUrl: NEW });
    });
});
