/** The emulator's faults for trust boundaries, seen on the wire (fetch, no provider code). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MCHID } from "../../harness";
import { type Emulator, startEmulator } from "../../provider/testing";
import { call, PATH, rawCall } from "./signer";

const OLD = "https://old.example.com/cb";
const NEW = "https://new.example.com/cb";
let emulator: Emulator;

beforeAll(async () => {
    emulator = await startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD }] });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const signed = (headers: Record<string, string>) => headers["wechatpay-signature"] !== undefined;
const patchNew = () => call(emulator, { method: "PATCH", body: JSON.stringify({ notify_url: NEW }) });

async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 250 && !condition(); i++) {
        await new Promise((r) => setTimeout(r, 20));
    }
    expect(condition()).toBe(true);
}

describe("trust-boundary faults", () => {
    it("the unset reply is a signed 404 RESOURCE_NOT_EXISTS", async () => {
        emulator.setNotifyUrl(undefined);
        const reply = await call(emulator);
        expect(reply.status).toBe(404);
        expect(JSON.parse(reply.text)).toEqual({
            code: "RESOURCE_NOT_EXISTS",
            message: `No member-card callback URL has been set for merchant ${MCHID}.`,
        });
        expect(signed(reply.headers)).toBe(true);
    });

    it("a route it does not serve: an unsigned 404 NOT_FOUND", async () => {
        const reply = await call(emulator, { path: "/v3/" });
        expect(reply.status).toBe(404);
        expect(JSON.parse(reply.text)).toMatchObject({ code: "NOT_FOUND" });
        expect(signed(reply.headers)).toBe(false);
    });

    it("html-404: an unsigned HTML page, the operation not applied", async () => {
        emulator.failNext({ kind: "html-404" });
        const reply = await patchNew();
        expect(reply.status).toBe(404);
        expect(reply.headers["content-type"]).toBe("text/html; charset=utf-8");
        expect(reply.text).toContain("<title>404 Not Found</title>");
        expect(signed(reply.headers)).toBe(false);
        expect(emulator.notifyUrl()).toBe(OLD);
    });

    it("unknown-route: WeChat Pay's unsigned 404 NOT_FOUND on the real path, the operation not applied", async () => {
        emulator.failNext({ kind: "unknown-route" });
        const reply = await patchNew();
        expect(reply.status).toBe(404);
        expect(JSON.parse(reply.text)).toEqual({ code: "NOT_FOUND", message: "No such API." });
        expect(signed(reply.headers)).toBe(false);
        expect(emulator.notifyUrl()).toBe(OLD);
    });

    it("redirect: an unsigned 307 with Location, the operation not applied", async () => {
        emulator.failNext({ kind: "redirect", location: `http://127.0.0.1:9${PATH}` });
        // node:http does not follow redirects (fetch would).
        const reply = await rawCall(emulator, { method: "PATCH", body: JSON.stringify({ notify_url: NEW }) });
        expect(reply.status).toBe(307);
        expect(reply.headers.location).toBe(`http://127.0.0.1:9${PATH}`);
        expect(signed(reply.headers)).toBe(false);
        expect(emulator.requests[0]).toMatchObject({ method: "PATCH", status: 307, fault: "redirect" });
        expect(emulator.notifyUrl()).toBe(OLD);
    });

    it("reply-body: the operation applied, the given body signed", async () => {
        emulator.failNext({ kind: "reply-body", body: '{"notify_url":' });
        const reply = await patchNew();
        expect(reply).toMatchObject({ status: 200, text: '{"notify_url":' });
        expect(signed(reply.headers)).toBe(true);
        expect(emulator.notifyUrl()).toBe(NEW);
    });

    it("trickle: the whole signed body, one byte at a time, the operation applied", async () => {
        emulator.failNext({ kind: "trickle", ms: 1 });
        const reply = await patchNew();
        expect(JSON.parse(reply.text)).toEqual({ notify_url: NEW, mchid: MCHID });
        expect(signed(reply.headers)).toBe(true);
        await until(() => emulator.requests[0]?.streamed !== undefined);
        expect(emulator.requests[0]?.streamed).toEqual({ bytes: reply.text.length, closedEarly: false });
    });

    it("oversized: a chunked body of exactly the given size when read whole", async () => {
        emulator.failNext({ kind: "oversized", bytes: 200_000 });
        const reply = await call(emulator);
        expect(reply.headers["content-length"]).toBeUndefined();
        expect(reply.text).toHaveLength(200_000);
        await until(() => emulator.requests[0]?.streamed !== undefined);
        expect(emulator.requests[0]?.streamed).toEqual({ bytes: 200_000, closedEarly: false });
    });

    it.each([
        [{ kind: "trickle", ms: 0 }, /positive number of ms/],
        [{ kind: "oversized", bytes: 1.5 }, /positive whole number of bytes/],
        [{ kind: "redirect", location: "" }, /needs a location/],
    ] as const)("refuses %o", (fault, message) => {
        expect(() => emulator.failNext(fault)).toThrow(message);
    });
});
