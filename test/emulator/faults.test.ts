/**
 * Faults in-process: the whole fault table (harness/faults) run against the provider class configured as the
 * provider host configures it, judged by the same rules as `npm run faults`; then what the table does not pin down:
 * each error's class, code and wording, and combinations of faults and settings outside the table.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { URL_A as NEW, OLD_URL as OLD } from "../../harness";
import { allCells, type CellRunner, cellKey, startInProcess } from "../../harness/faults";
import {
    BUSIFAVOR_CALLBACK,
    COMPLAINT_NOTIFICATION,
    MEMBERCARD_CALLBACK,
    VIOLATION_NOTIFICATION,
} from "../../provider/endpoints";
import { NotifySettingProvider } from "../../provider/provider";
import { type Emulator, startEmulator } from "../../provider/testing";
import { calls, configuredProvider } from "./fixture";

describe("the fault table, in-process (cells of slow faults run through the provider host instead)", () => {
    let runner: CellRunner;
    beforeAll(async () => {
        const endpoints = {
            membercard: MEMBERCARD_CALLBACK,
            complaint: COMPLAINT_NOTIFICATION,
            busifavor: BUSIFAVOR_CALLBACK,
            violation: VIOLATION_NOTIFICATION,
        };
        runner = await startInProcess((key) => new NotifySettingProvider(endpoints[key]));
    });
    afterAll(() => runner?.close());

    const cells = allCells().filter((cell) => cell.fault.slow !== true);
    it.each(cells.map((cell) => [cellKey(cell), cell] as const))("%s: clean and as designed", async (_key, cell) => {
        const r = await runner.run(cell);
        expect({ clean: r.clean, notClean: r.notClean, unexpected: r.unexpected }).toEqual({
            clean: true,
            notClean: [],
            unexpected: [],
        });
    });
});

let emulator: Emulator;

beforeAll(async () => {
    emulator = await startEmulator({ merchants: [{ mchid: "1900000001", notifyUrl: OLD }] });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

/** Waits (bounded) for something the emulator does late, e.g. a delayed request landing. */
async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !condition(); i++) {
        await new Promise((r) => setTimeout(r, 20));
    }
    expect(condition()).toBe(true);
}

/** No retries: each fault must surface as one clear error. */
const noRetries = { "wechatpay:maxRetries": "0" };

describe("each fault ends in a clear error and leaves the live URL unchanged", () => {
    it.each([
        [
            { kind: "error", status: 500, code: "SYSTEM_ERROR" },
            { name: "WechatpayApiError", status: 500, code: "SYSTEM_ERROR" },
            /run again later; the request is safe to repeat/,
        ],
        [
            { kind: "error", status: 429, code: "FREQUENCY_LIMITED" },
            { name: "WechatpayApiError", status: 429, code: "FREQUENCY_LIMITED" },
            /throttling this merchant/,
        ],
        [
            { kind: "error", status: 403, code: "NO_AUTH" },
            { name: "WechatpayApiError", status: 403, code: "NO_AUTH" },
            /must enable the product permission/,
        ],
        [
            { kind: "bad-signature" },
            { name: "WechatpayVerificationError", code: "EV3_RES_HEADER_SIGNATURE_DIGEST" },
            /does not verify with the key configured for serial `PUB_KEY_ID_/,
        ],
        [
            { kind: "sign-test" },
            { name: "WechatpayVerificationError" },
            /WECHATPAY\/SIGNTEST\/…\), which is rejected on purpose/,
        ],
        [
            { kind: "unknown-serial" },
            { name: "WechatpayVerificationError", code: "EV3_RES_HEADER_PLATFORM_SERIAL" },
            /which is not `wechatpay:publicKeyId`/,
        ],
        [
            { kind: "stale-timestamp" },
            { name: "WechatpayVerificationError", code: "EV3_RES_HEADER_TIMESTAMP_OFFSET" },
            /check the clock/,
        ],
        [
            { kind: "missing-headers" },
            { name: "WechatpayVerificationError", code: "EV3_RES_HEADERS_INCOMPLATE" },
            /Wechatpay-Timestamp\/Nonce\/Serial\/Signature/,
        ],
        [{ kind: "reset" }, { name: "WechatpayNetworkError", code: "ECONNRESET" }, /No answer from WeChat Pay to GET/],
    ] as const)("GET with %o", async (fault, shape, message) => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.failNext(fault);
        const p = provider.read("1900000001", { notifyUrl: OLD, mchid: "1900000001" });
        await expect(p).rejects.toMatchObject(shape);
        await expect(p).rejects.toThrow(message);
        expect(emulator.notifyUrl()).toBe(OLD);
    });

    it("times out a reply slower than wechatpay:timeoutMs", async () => {
        const provider = await configuredProvider(emulator, { ...noRetries, "wechatpay:timeoutMs": "200" });
        emulator.failNext({ kind: "delay", ms: 1000 });
        await expect(provider.read("1900000001", {})).rejects.toMatchObject({
            name: "WechatpayNetworkError",
            code: "ETIMEDOUT",
            message:
                "No answer from WeChat Pay to GET /v3/marketing/membercard-open/callback: no complete reply within " +
                "200 ms (headers and body). No reply within `wechatpay:timeoutMs`: check the network, or raise the timeout",
        });
        // Let the late reply finish here, not in the next test's request log.
        await until(() => emulator.requests.length === 1);
    });
});

describe("an unverifiable PATCH reply", () => {
    it("fails when the read-back does not show our URL", async () => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.failNext({ kind: "delay", ms: 0 });
        emulator.failNext({ kind: "sign-test" });
        emulator.failNext({ kind: "bad-signature" });
        // The write may still have happened: the resource is kept as partially created.
        const p = provider.create({ notifyUrl: NEW, __provider: "serialized" });
        await expect(p).rejects.toMatchObject({ id: "1900000001", properties: { appliedNotifyUrl: NEW } });
        await expect(p).rejects.toThrow(/^Could not verify WeChat Pay's reply to PATCH/);
    });
});

describe("a PATCH that got no answer", () => {
    it("keeps a create whose PATCH landed after the timeout, so destroy can still restore", async () => {
        const provider = await configuredProvider(emulator, { ...noRetries, "wechatpay:timeoutMs": "200" });
        emulator.failNext({ kind: "delay", ms: 0 });
        emulator.failNext({ kind: "delay", ms: 600 }); // the PATCH is applied, but long after the client gave up
        const failed = await provider.create({ notifyUrl: NEW, __provider: "serialized" }).then(
            () => undefined,
            (e: { id?: string; properties?: Record<string, string> }) => e,
        );
        expect(failed).toMatchObject({
            id: "1900000001",
            properties: { notifyUrl: OLD, appliedNotifyUrl: NEW, previousNotifyUrl: OLD },
        });
        await until(() => emulator.notifyUrl() === NEW);
        await provider.delete("1900000001", failed?.properties ?? {});
        expect(emulator.notifyUrl()).toBe(OLD);
    });

    it("keeps the resource in state as partially created, with the URL to restore", async () => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.failNext({ kind: "delay", ms: 0 });
        emulator.failNext({ kind: "reset" }, 2); // the PATCH and the read-back both get no answer
        const p = provider.create({ notifyUrl: NEW, __provider: "serialized" });
        await expect(p).rejects.toMatchObject({
            name: "Error",
            id: "1900000001",
            properties: {
                notifyUrl: OLD,
                mchid: "1900000001",
                appliedNotifyUrl: NEW,
                previousNotifyUrl: OLD,
                __provider: "serialized",
            },
        });
        await expect(p).rejects.toThrow(
            /ECONNRESET.*WeChat Pay may still apply this URL: the resource is kept in the stack, and the next `pulumi up` sets it again/,
        );
        // The next up updates it, since the recorded live URL is not the desired one.
        const recorded = await p.then(
            () => ({}),
            (e: { properties: Record<string, string> }) => e.properties,
        );
        await expect(provider.diff("1900000001", recorded, { notifyUrl: NEW })).resolves.toEqual({ changes: true });
    });

    it("plans an update when the live URL is right but this resource did not record setting it", async () => {
        const provider = await configuredProvider(emulator);
        const olds = { notifyUrl: NEW, mchid: "1900000001", appliedNotifyUrl: OLD };
        await expect(provider.diff("1900000001", olds, { notifyUrl: NEW })).resolves.toEqual({ changes: true });
    });
});

describe("retries", () => {
    it("retries a 500 and a reset, then succeeds", async () => {
        const provider = await configuredProvider(emulator);
        emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" });
        emulator.failNext({ kind: "reset" });
        await expect(provider.read("1900000001", {})).resolves.toMatchObject({ props: { notifyUrl: OLD } });
        expect(calls(emulator).length).toBe(3);
        expect(calls(emulator)[2]).toBe("GET 200");
    });

    it("says how many attempts were made and what each got", async () => {
        const provider = await configuredProvider(emulator, { "wechatpay:maxRetries": "2" });
        emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" }, 3);
        await expect(provider.read("1900000001", {})).rejects.toThrow(
            "after 3 attempts (500 SYSTEM_ERROR, 500 SYSTEM_ERROR, 500 SYSTEM_ERROR)",
        );
    });

    it("does not fail over on an HTTP error", async () => {
        const backup = await startEmulator({ merchants: [{ mchid: "1900000001", notifyUrl: OLD }] });
        try {
            const provider = await configuredProvider(emulator, {
                "wechatpay:backupBaseUrl": backup.baseUrl,
                "wechatpay:maxRetries": "0",
            });
            emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" });
            await expect(provider.read("1900000001", {})).rejects.toMatchObject({ code: "SYSTEM_ERROR" });
            expect(backup.requests).toEqual([]);
        } finally {
            await backup.close();
        }
    });

    it("stops at the step deadline", async () => {
        const provider = await configuredProvider(emulator, {
            "wechatpay:deadlineMs": "1000",
            "wechatpay:maxRetries": "10",
        });
        emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" }, 50);
        await expect(provider.read("1900000001", {})).rejects.toMatchObject({ code: "SYSTEM_ERROR" });
        // Backoff waits at least 100, 200, 400, 800 ms: a 1 s deadline allows at most four sends of the eleven.
        expect(emulator.requests.length).toBeGreaterThanOrEqual(2);
        expect(emulator.requests.length).toBeLessThanOrEqual(4);
    });
});
