import { describe, expect, it } from "vitest";
import { meansNoneSet } from "../../provider/client";
import {
    BUSIFAVOR_CALLBACK,
    COMPLAINT_NOTIFICATION,
    MEMBERCARD_CALLBACK,
    VIOLATION_NOTIFICATION,
} from "../../provider/endpoints";
import { checkInputs, notifyUrlProblem } from "../../provider/validate";

describe("meansNoneSet reads each API's documented none reply, and the other signed ones, the same way", () => {
    const body = (code: string) => ({ code, message: "none" });
    it.each([
        [COMPLAINT_NOTIFICATION, 400, body("RESOURCE_NOT_EXISTS"), true],
        [COMPLAINT_NOTIFICATION, 404, body("RESOURCE_NOT_EXISTS"), true],
        [COMPLAINT_NOTIFICATION, 400, body("PARAM_ERROR"), false],
        [BUSIFAVOR_CALLBACK, 404, body("RESOURCE_NOT_EXISTS"), true],
        [BUSIFAVOR_CALLBACK, 404, body("NOT_FOUND"), true],
        [BUSIFAVOR_CALLBACK, 400, body("INVALID_REQUEST"), false],
        [VIOLATION_NOTIFICATION, 404, body("NOT_FOUND"), true],
        [VIOLATION_NOTIFICATION, 404, '{"code":"NOT_FOUND","message":"查询的通知回调不存在"}', true],
        [VIOLATION_NOTIFICATION, 404, "<html>404 Not Found</html>", false],
        [VIOLATION_NOTIFICATION, 200, body("NOT_FOUND"), false],
        [VIOLATION_NOTIFICATION, 200, {}, true],
        [MEMBERCARD_CALLBACK, 404, body("RESOURCE_NOT_EXISTS"), true],
        [MEMBERCARD_CALLBACK, 200, body("NOT_FOUND"), false],
    ])("%s.name: %s %o → %s", (endpoint, status, data, expected) => {
        expect(meansNoneSet({ status, data }, endpoint, "1900000001")).toBe(expected);
    });
});

describe("each API's URL rules", () => {
    const ofLength = (n: number) => `https://api.example.com/${"x".repeat(n - 24)}`;

    it.each([
        [COMPLAINT_NOTIFICATION, 255],
        [BUSIFAVOR_CALLBACK, 256],
        [VIOLATION_NOTIFICATION, 256],
        [MEMBERCARD_CALLBACK, 256],
    ])("%s.name allows %s characters and not one more", (endpoint, max) => {
        expect(ofLength(max)).toHaveLength(max);
        expect(notifyUrlProblem(ofLength(max), endpoint)).toBeUndefined();
        expect(notifyUrlProblem(ofLength(max + 1), endpoint)).toBe(
            `must be at most ${max} characters (WeChat Pay's limit), got ${max + 1}`,
        );
    });

    it.each([
        [COMPLAINT_NOTIFICATION, "consumer-complaint notifications", "https://api.example.com/wechatpay/complaints"],
        [BUSIFAVOR_CALLBACK, "merchant-coupon (商家券) events", "https://api.example.com/wechatpay/busifavor"],
        [VIOLATION_NOTIFICATION, "merchant-violation notifications", "https://api.example.com/wechatpay/violations"],
    ])("%s.name names what the URL receives and shows its own example", (endpoint, events, example) => {
        expect(checkInputs({}, endpoint)).toEqual([
            { property: "notifyUrl", reason: `notifyUrl is required: the https URL that receives ${events}` },
        ]);
        expect(notifyUrlProblem("https://api.example.com/", endpoint)).toBe(`must have a path, e.g. ${example}`);
        expect(notifyUrlProblem("http://api.example.com/x", endpoint)).toBe(
            "must use https (WeChat Pay only calls https endpoints), got http",
        );
        expect(notifyUrlProblem("https://api.example.com/x?a=1", endpoint)).toBe(
            "must not have a query string (WeChat Pay does not allow parameters on the notify URL)",
        );
    });
});

describe("endpoint descriptions", () => {
    it("name the methods per lifecycle step", () => {
        const table = [MEMBERCARD_CALLBACK, COMPLAINT_NOTIFICATION, BUSIFAVOR_CALLBACK, VIOLATION_NOTIFICATION].map(
            (e) => [e.name, e.create, e.update, e.remove ?? "-", e.wireField, e.readQuery === true],
        );
        expect(table).toEqual([
            ["MembercardCallback", "PATCH", "PATCH", "-", "notify_url", false],
            ["ComplaintNotification", "POST", "PUT", "DELETE", "url", false],
            ["BusifavorCallback", "POST", "POST", "-", "notify_url", true],
            ["ViolationNotification", "POST", "PUT", "DELETE", "notify_url", false],
        ]);
    });
});
