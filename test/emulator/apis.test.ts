import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MCHID as MERCHANT } from "../../harness";
import { type Emulator, startEmulator } from "../../provider/testing";
import { call, errorOf, verifies } from "./signer";

const PARTNER = "1900000009";
const COMPLAINT = "/v3/merchant-service/complaint-notifications";
const BUSIFAVOR = "/v3/marketing/busifavor/callbacks";
const VIOLATION = "/v3/merchant-risk-manage/violation-notifications";
const URL_A = "https://shop.example.com/wechatpay/a";
const URL_B = "https://shop.example.com/wechatpay/b";

let emulator: Emulator;

beforeAll(async () => {
    emulator = await startEmulator({
        merchants: [{ mchid: MERCHANT }, { mchid: PARTNER, kind: "partner", settings: { violation: URL_A } }],
    });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const as = (mchid: string) => emulator.credentials(mchid);
const send = (mchid: string, method: string, path: string, body?: unknown) =>
    call(emulator, {
        creds: as(mchid),
        method,
        path,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

describe("complaint notifications", () => {
    it("POST creates, GET reads, PUT updates, DELETE removes with a signed 204", async () => {
        const unset = await send(MERCHANT, "GET", COMPLAINT);
        expect(errorOf(unset)).toEqual({ status: 400, code: "RESOURCE_NOT_EXISTS", message: "查询的通知回调不存在" });
        expect(verifies(unset, as(MERCHANT).platformPublicKey)).toBe(true);

        const created = await send(MERCHANT, "POST", COMPLAINT, { url: URL_A });
        expect([created.status, created.text]).toEqual([200, `{"mchid":"${MERCHANT}","url":"${URL_A}"}`]);
        const read = await send(MERCHANT, "GET", COMPLAINT);
        expect([read.status, read.text]).toEqual([200, `{"mchid":"${MERCHANT}","url":"${URL_A}"}`]);
        const updated = await send(MERCHANT, "PUT", COMPLAINT, { url: URL_B });
        expect([updated.status, updated.text]).toEqual([200, `{"mchid":"${MERCHANT}","url":"${URL_B}"}`]);
        expect(emulator.setting("complaint", MERCHANT)).toBe(URL_B);

        const deleted = await send(MERCHANT, "DELETE", COMPLAINT);
        expect([deleted.status, deleted.text]).toEqual([204, ""]);
        expect(verifies(deleted, as(MERCHANT).platformPublicKey)).toBe(true);
        expect(emulator.setting("complaint", MERCHANT)).toBeUndefined();
    });

    it("refuses a POST over a set URL and a PUT or DELETE with none", async () => {
        expect(errorOf(await send(MERCHANT, "PUT", COMPLAINT, { url: URL_A }))).toMatchObject({
            status: 400,
            code: "RESOURCE_NOT_EXISTS",
        });
        expect(errorOf(await send(MERCHANT, "DELETE", COMPLAINT))).toMatchObject({
            status: 400,
            code: "RESOURCE_NOT_EXISTS",
        });
        emulator.setSetting("complaint", URL_A, MERCHANT);
        expect(errorOf(await send(MERCHANT, "POST", COMPLAINT, { url: URL_B }))).toMatchObject({
            status: 400,
            code: "RESOURCE_ALREADY_EXISTS",
        });
        expect(emulator.setting("complaint", MERCHANT)).toBe(URL_A);
    });

    it.each([
        [{ url: `https://a.example.com/${"x".repeat(256 - 22)}` }, "url is 256 characters long; the limit is 255"],
        [{ url: "http://a.example.com/cb" }, "url must be an absolute https:// URL"],
        [{ url: "https://a.example.com/cb?x=1" }, "url must not carry a query string"],
        [{ notify_url: URL_A }, "request body has unexpected field(s) notify_url; it takes url"],
        [{}, "url is required"],
    ])("refuses %o with 400 PARAM_ERROR", async (body, message) => {
        expect(errorOf(await send(MERCHANT, "POST", COMPLAINT, body))).toEqual({
            status: 400,
            code: "PARAM_ERROR",
            message,
        });
    });

    it("answers 405 with the methods it serves", async () => {
        const reply = await send(MERCHANT, "PATCH", COMPLAINT, { url: URL_A });
        expect(reply.status).toBe(405);
        expect(reply.headers.allow).toBe("GET, POST, PUT, DELETE");
    });
});

describe("merchant-coupon callback", () => {
    it("POST sets with mchid, GET ?mchid= reads; 404 RESOURCE_NOT_EXISTS when none", async () => {
        expect(errorOf(await send(MERCHANT, "GET", `${BUSIFAVOR}?mchid=${MERCHANT}`))).toEqual({
            status: 404,
            code: "RESOURCE_NOT_EXISTS",
            message: "查询的资源不存在",
        });
        const set = await send(MERCHANT, "POST", BUSIFAVOR, { mchid: MERCHANT, notify_url: URL_A });
        expect(set.status).toBe(200);
        expect(JSON.parse(set.text)).toEqual({ update_time: expect.any(String), notify_url: URL_A, mchid: MERCHANT });
        const read = await send(MERCHANT, "GET", `${BUSIFAVOR}?mchid=${MERCHANT}`);
        expect([read.status, read.text]).toEqual([200, `{"notify_url":"${URL_A}","mchid":"${MERCHANT}"}`]);
        expect(emulator.setting("busifavor", MERCHANT)).toBe(URL_A);
    });

    it("shows only the caller's own setting and has no PUT or DELETE", async () => {
        expect(errorOf(await send(MERCHANT, "GET", `${BUSIFAVOR}?mchid=${PARTNER}`))).toMatchObject({
            status: 403,
            code: "NO_AUTH",
        });
        expect(errorOf(await send(MERCHANT, "POST", BUSIFAVOR, { mchid: PARTNER, notify_url: URL_A }))).toEqual({
            status: 400,
            code: "PARAM_ERROR",
            message: "mchid must be the calling merchant's id",
        });
        expect((await send(MERCHANT, "DELETE", BUSIFAVOR)).headers.allow).toBe("GET, POST");
    });
});

describe("violation notifications", () => {
    it("refuses a direct merchant with 400 INVALID_REQUEST", async () => {
        expect(errorOf(await send(MERCHANT, "GET", VIOLATION))).toEqual({
            status: 400,
            code: "INVALID_REQUEST",
            message: "商户类型错误，请检查后重试",
        });
    });

    it("serves a service provider: GET, PUT, DELETE, then 404 NOT_FOUND for GET and DELETE", async () => {
        const read = await send(PARTNER, "GET", VIOLATION);
        expect([read.status, read.text]).toEqual([200, `{"notify_url":"${URL_A}"}`]);
        const put = await send(PARTNER, "PUT", VIOLATION, { notify_url: URL_B });
        expect([put.status, put.text]).toEqual([200, `{"notify_url":"${URL_B}"}`]);
        expect((await send(PARTNER, "DELETE", VIOLATION)).status).toBe(204);
        expect(errorOf(await send(PARTNER, "GET", VIOLATION))).toEqual({
            status: 404,
            code: "NOT_FOUND",
            message: "查询的通知回调不存在",
        });
        expect(errorOf(await send(PARTNER, "DELETE", VIOLATION))).toEqual({
            status: 404,
            code: "NOT_FOUND",
            message: "删除的通知回调不存在",
        });
        const created = await send(PARTNER, "POST", VIOLATION, { notify_url: URL_A });
        expect([created.status, created.text]).toEqual([200, `{"notify_url":"${URL_A}"}`]);
    });

    it("keeps each merchant's and each API's setting apart, and reset() restores them", async () => {
        await send(PARTNER, "PUT", VIOLATION, { notify_url: URL_B });
        await send(PARTNER, "POST", COMPLAINT, { url: URL_B });
        expect(emulator.setting("violation", PARTNER)).toBe(URL_B);
        expect(emulator.setting("complaint", PARTNER)).toBe(URL_B);
        expect(emulator.setting("complaint", MERCHANT)).toBeUndefined();
        expect(emulator.notifyUrl(PARTNER)).toBeUndefined();
        emulator.reset();
        expect(emulator.setting("violation", PARTNER)).toBe(URL_A);
        expect(emulator.setting("complaint", PARTNER)).toBeUndefined();
    });

    it("applies injected faults to these routes too", async () => {
        emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" });
        expect(errorOf(await send(PARTNER, "PUT", VIOLATION, { notify_url: URL_B }))).toMatchObject({
            status: 500,
            code: "SYSTEM_ERROR",
        });
        expect(emulator.setting("violation", PARTNER)).toBe(URL_A);
        emulator.corruptNextSignature();
        const reply = await send(PARTNER, "DELETE", VIOLATION);
        expect(reply.status).toBe(204);
        expect(verifies(reply, as(PARTNER).platformPublicKey)).toBe(false);
    });
});
