/**
 * Trust boundaries of the client, in-process against the emulator, beyond the fault table (harness/faults, run in
 * faults.test.ts): the exact wording and codes of each refusal, "nothing is set" only when WeChat Pay says so, the
 * step deadline over many attempts, the client's own memory, and the malformed replies the table does not list.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../provider/testing";
import { calls, configuredProvider } from "./fixture";

const MCHID = "1900000001";
const OLD = "https://old.example.com/wechatpay/membercard";
const NEW = "https://api.example.com/wechatpay/membercard";
const ELSEWHERE = "https://elsewhere.example.com/wechatpay/membercard";
const PATH = "/v3/marketing/membercard-open/callback";
const noRetries = { "wechatpay:maxRetries": "0" };

let emulator: Emulator;

beforeAll(async () => {
    emulator = await startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD }] });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

/** Waits (bounded) for something the emulator records late. */
async function until(condition: () => boolean, ms = 5_000): Promise<void> {
    const end = Date.now() + ms;
    while (!condition() && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
    }
    expect(condition()).toBe(true);
}

const stored = { notifyUrl: NEW, mchid: MCHID, appliedNotifyUrl: NEW, previousNotifyUrl: OLD };

describe("only a signed reply that plainly says 'none' for this merchant means 'nothing is set'", () => {
    it("reads the signed 404 RESOURCE_NOT_EXISTS as unset: refresh drops the resource", async () => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.setNotifyUrl(undefined);
        await expect(provider.read(MCHID, stored)).resolves.toEqual({});
        expect(calls(emulator)).toEqual(["GET 404"]);
    });

    it("refuses an unsigned HTML 404 from a proxy: refresh fails and says what it received", async () => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.failNext({ kind: "html-404" });
        const p = provider.read(MCHID, stored);
        await expect(p).rejects.toMatchObject({ name: "WechatpayResponseError", code: "UNSIGNED_404", status: 404 });
        await expect(p).rejects.toThrow(
            new RegExp(
                `^WeChat Pay's reply to GET ${PATH} was not used: a 404 that WeChat Pay did not sign is not its answer ` +
                    "that no callback URL is set .*Received: 404 text/html, not signed by WeChat Pay, " +
                    '"<html>\\\\r\\\\n<head><title>404 Not Found</title>.*…' +
                    " \\(Request-ID [0-9A-F]{32}\\)$",
            ),
        );
    });

    it("refuses WeChat Pay's unsigned 404 for a route it does not serve", async () => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.failNext({ kind: "unknown-route" });
        const p = provider.read(MCHID, stored);
        await expect(p).rejects.toMatchObject({ name: "WechatpayResponseError", code: "UNSIGNED_404" });
        await expect(p).rejects.toThrow(
            'Received: 404 application/json, not signed by WeChat Pay, "{\\"code\\":\\"NOT_FOUND\\",\\"message\\":\\"No such API.\\"}"',
        );
    });

    it("refuses a signed 404 with another code than RESOURCE_NOT_EXISTS or NOT_FOUND", async () => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.failNext({ kind: "error", status: 404, code: "INVALID_REQUEST", message: "Something else." });
        await expect(provider.read(MCHID, stored)).rejects.toMatchObject({
            name: "WechatpayApiError",
            status: 404,
            code: "INVALID_REQUEST",
        });
    });

    it.each([
        ["malformed JSON", '{"notify_url":', "MALFORMED_REPLY", "its body is not the JSON object"],
        ["a JSON array", "[]", "MALFORMED_REPLY", "its body is not the JSON object"],
        ["a numeric notify_url", `{"notify_url":42,"mchid":"${MCHID}"}`, "MALFORMED_REPLY", "notify_url is a number"],
        ["no mchid and no notify_url", "{}", "MALFORMED_REPLY", "notify_url is missing"],
        [
            "another mchid",
            `{"notify_url":"${OLD}","mchid":"1900009999"}`,
            "OTHER_MERCHANT",
            'it is about merchant "1900009999", but the request was signed as merchant 1900000001',
        ],
    ])("a signed 2xx with %s is an error, never 'unset'", async (_what, body, code, reason) => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.failNext({ kind: "reply-body", body });
        const p = provider.read(MCHID, stored);
        await expect(p).rejects.toMatchObject({ name: "WechatpayResponseError", code, status: 200 });
        await expect(p).rejects.toThrow(reason);
        await expect(p).rejects.toThrow(`Received: 200 application/json, ${JSON.stringify(body)}`);
    });
});

describe("every attempt and every step is bounded, body included", () => {
    it("stops a trickled body at timeoutMs per attempt and deadlineMs per step", async () => {
        const provider = await configuredProvider(emulator, {
            "wechatpay:timeoutMs": "1000",
            "wechatpay:deadlineMs": "4000",
            "wechatpay:maxRetries": "10",
        });
        // Headers at once, then one byte every 100 ms: about 8 s per reply.
        emulator.failNext({ kind: "trickle", ms: 100 }, 20);
        const started = Date.now();
        await expect(provider.read(MCHID, stored)).rejects.toMatchObject({
            name: "WechatpayNetworkError",
            code: "ETIMEDOUT",
            // The last attempt gets what is left of the step's deadline, when that is less than timeoutMs.
            message: expect.stringMatching(/no complete reply within (1000|[1-9]\d{0,2}) ms \(headers and body\)/),
        });
        const took = Date.now() - started;
        expect(took).toBeLessThan(4_000 + 1_000);
        expect(took).toBeGreaterThanOrEqual(1_000);
        await until(() => emulator.requests.every((r) => r.streamed !== undefined));
        expect(emulator.requests.every((r) => r.streamed?.closedEarly === true)).toBe(true);
    });

    it("refuses a 256 MB reply after 64 KiB, without reading the rest", async () => {
        // Its own emulator: nothing left over from the trickled replies above can take the fault.
        const own = await startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD }] });
        try {
            const provider = await configuredProvider(own, noRetries);
            const bytes = 256 * 1024 * 1024;
            own.failNext({ kind: "oversized", bytes });
            const rssBefore = process.memoryUsage().rss;
            const p = provider.read(MCHID, stored);
            await expect(p).rejects.toMatchObject({ name: "WechatpayResponseError", code: "REPLY_TOO_LARGE" });
            await expect(p).rejects.toThrow(
                `WeChat Pay's reply to GET ${PATH} was not used: it is over 65536 bytes (WeChat Pay's answers here ` +
                    "are under 1 KB); the rest was not read.",
            );
            await until(() => own.requests[0]?.streamed !== undefined);
            const streamed = own.requests[0]?.streamed;
            expect(streamed?.closedEarly).toBe(true);
            // The server could write ahead into socket buffers, but nowhere near the whole body.
            expect(streamed?.bytes).toBeLessThan(8 * 1024 * 1024);
            expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
        } finally {
            await own.close();
        }
    });
});

describe("redirects are never followed", () => {
    let other: Server;
    let otherOrigin: string;
    const seen: IncomingMessage[] = [];

    beforeAll(async () => {
        other = createServer((req, res) => {
            seen.push(req);
            res.end("{}");
        });
        await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
        otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => other.close(() => resolve())));

    it.each(["GET", "PATCH"] as const)(
        "a 3xx to %s is an error naming the Location's origin; nothing is sent there",
        async (method) => {
            const provider = await configuredProvider(emulator);
            emulator.setNotifyUrl(NEW);
            emulator.failNext({ kind: "redirect", location: `${otherOrigin}${PATH}?from=redirect` });
            const p =
                method === "GET" ? provider.read(MCHID, stored) : provider.update(MCHID, stored, { notifyUrl: OLD });
            await expect(p).rejects.toMatchObject({ name: "WechatpayResponseError", code: "REDIRECT", status: 307 });
            await expect(p).rejects.toThrow(
                `WeChat Pay never redirects, and the redirect to ${otherOrigin} was not followed (nothing was sent there)`,
            );
            await expect(p).rejects.toThrow(
                `Received: 307 (no content type), not signed by WeChat Pay, Location ${otherOrigin}, empty body`,
            );
            expect(calls(emulator)).toEqual([`${method} 307`]);
            expect(seen).toHaveLength(0);
            expect(emulator.notifyUrl()).toBe(NEW);
        },
    );
});

describe("a 2xx that shows another URL keeps the record", () => {
    const otherUrlBody = JSON.stringify({ notify_url: ELSEWHERE, mchid: MCHID });

    it("create keeps the resource (id and previousNotifyUrl) when the read-back shows another URL too", async () => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.failNext({ kind: "delay", ms: 0 });
        emulator.failNext({ kind: "reply-body", body: otherUrlBody }, 2);
        const created = provider.create({ notifyUrl: NEW, __provider: "serialized" });
        await expect(created).rejects.toMatchObject({
            id: MCHID,
            properties: {
                mchid: MCHID,
                appliedNotifyUrl: NEW,
                previousNotifyUrl: OLD,
                notifyUrl: OLD,
                __provider: "serialized",
            },
            message: expect.stringContaining(
                `it shows notify_url "${ELSEWHERE}", not the "${NEW}" sent. Received: 200 application/json`,
            ),
        });
        await expect(created).rejects.toThrow(/the resource is kept in the stack/);
        expect(calls(emulator)).toEqual(["GET 200", "PATCH 200", "GET 200"]);
    });

    it("update fails with OTHER_URL when PATCH and read-back both show another URL", async () => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.failNext({ kind: "reply-body", body: otherUrlBody }, 2);
        await expect(provider.update(MCHID, stored, { notifyUrl: NEW })).rejects.toMatchObject({
            name: "WechatpayResponseError",
            code: "OTHER_URL",
        });
    });

    it("compares URLs exactly: a trailing slash is another URL", async () => {
        const provider = await configuredProvider(emulator, noRetries);
        emulator.failNext({ kind: "reply-body", body: JSON.stringify({ notify_url: `${NEW}/`, mchid: MCHID }) }, 2);
        await expect(provider.update(MCHID, stored, { notifyUrl: NEW })).rejects.toThrow(
            `it shows notify_url "${NEW}/", not the "${NEW}" sent`,
        );
    });
});

describe("a PATCH accepted without showing the URL (204) keeps the record when the read-back fails", () => {
    let quiet: Emulator;
    beforeAll(async () => {
        quiet = await startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD }], patchReply: "no-content" });
    });
    afterAll(() => quiet.close());

    it.each([
        ["a 500 on every read-back attempt", { kind: "error", status: 500, code: "SYSTEM_ERROR" } as const, 2],
        ["a signed 404 RESOURCE_NOT_EXISTS", { kind: "error", status: 404, code: "RESOURCE_NOT_EXISTS" } as const, 1],
    ])("create keeps id and previousNotifyUrl after %s", async (_label, fault, times) => {
        quiet.reset();
        const provider = await configuredProvider(quiet, { "wechatpay:maxRetries": "1" });
        quiet.failNext({ kind: "delay", ms: 0 }, 2); // the first GET and the PATCH go through
        quiet.failNext(fault, times);
        const created = provider.create({ notifyUrl: NEW, __provider: "serialized" });
        await expect(created).rejects.toMatchObject({
            id: MCHID,
            properties: { mchid: MCHID, appliedNotifyUrl: NEW, previousNotifyUrl: OLD, __provider: "serialized" },
        });
        await expect(created).rejects.toThrow(
            /reply to PATCH .* was not used: WeChat Pay accepted it without showing the URL, and the read-back to confirm it (failed|shows none)/,
        );
        expect(quiet.notifyUrl()).toBe(NEW);
    });
});
