import { describe, expect, it } from "vitest";
import { PRIVATE_KEY_BEGIN } from "../../harness";
import { MEMBERCARD_CALLBACK } from "../../provider/endpoints";
import {
    isWechatpayApiError,
    isWechatpayError,
    isWechatpayNetworkError,
    isWechatpayResponseError,
    isWechatpayStateError,
    isWechatpayVerificationError,
    WechatpayApiError,
    WechatpayError,
    WechatpayNetworkError,
    WechatpayResponseError,
    WechatpayStateError,
    WechatpayVerificationError,
} from "../../provider/errors";
import { describeReceived, errorFrom, readFailure } from "../../provider/reply";

const target = { method: "PATCH", path: "/v3/marketing/membercard-open/callback" };

describe("errorFrom(readFailure(…)): what the client raises for what axios and the SDK threw", () => {
    it("maps a 403 NO_AUTH to an API error with the member card's own hint: who must enable the product", () => {
        const e = errorFrom(
            readFailure({
                isAxiosError: true,
                response: {
                    status: 403,
                    data: { code: "NO_AUTH", message: "商户无权限" },
                    headers: { "request-id": "08F4A1B2" },
                },
            }),
            { ...target, hints: MEMBERCARD_CALLBACK.hints },
        );
        expect(isWechatpayApiError(e)).toBe(true);
        expect(e).toMatchObject({ status: 403, code: "NO_AUTH", apiMessage: "商户无权限", requestId: "08F4A1B2" });
        expect(e.message).toBe(
            "WeChat Pay rejected PATCH /v3/marketing/membercard-open/callback: 403 NO_AUTH: 商户无权限 (Request-ID 08F4A1B2). " +
                "The member-card open product (会员卡开放) is not enabled for this merchant: the member card's creator must " +
                "enable the product permission in the WeChat Pay merchant platform (pay.weixin.qq.com)",
        );
    });

    it("points a 401 SIGN_ERROR at serial and private key", () => {
        const e = errorFrom(
            readFailure({
                isAxiosError: true,
                response: { status: 401, data: '{"code":"SIGN_ERROR","message":"签名错误"}' },
            }),
            target,
        );
        expect(e.message).toContain(
            "401 SIGN_ERROR: 签名错误. WeChat Pay could not verify the request signature: check that `wechatpay:serial`",
        );
    });

    it("lists every attempt when there were retries", () => {
        const e = errorFrom(
            readFailure({
                isAxiosError: true,
                response: { status: 500, data: { code: "SYSTEM_ERROR", message: "系统错误" } },
            }),
            target,
            ["500 SYSTEM_ERROR", "ECONNRESET", "500 SYSTEM_ERROR"],
        );
        expect(e.message).toContain(
            ": 500 SYSTEM_ERROR: 系统错误 after 3 attempts (500 SYSTEM_ERROR, ECONNRESET, 500 SYSTEM_ERROR). ",
        );
        expect(e).toMatchObject({ attempts: ["500 SYSTEM_ERROR", "ECONNRESET", "500 SYSTEM_ERROR"] });
    });

    it("maps an SDK verification failure and names the serial", () => {
        const e = errorFrom(
            readFailure({
                isAxiosError: true,
                code: "EV3_RES_HEADER_PLATFORM_SERIAL",
                response: { status: 200, headers: { "wechatpay-serial": "PUB_KEY_ID_999" } },
            }),
            { method: "GET", path: "/v3/marketing/membercard-open/callback" },
        );
        expect(isWechatpayVerificationError(e)).toBe(true);
        expect(e.message).toContain("signed with serial `PUB_KEY_ID_999`, which is not `wechatpay:publicKeyId`");
    });

    it("recognises a WECHATPAY/SIGNTEST/ probe", () => {
        const e = errorFrom(
            readFailure({
                isAxiosError: true,
                code: "EV3_RES_HEADER_SIGNATURE_DIGEST",
                response: { status: 200, headers: { "wechatpay-signature": "WECHATPAY/SIGNTEST/abc" } },
            }),
            target,
        );
        expect(e.message).toContain("signature probe (WECHATPAY/SIGNTEST/…), which is rejected on purpose");
    });

    it("maps a connection failure to a network error", () => {
        const e = errorFrom(
            readFailure({ isAxiosError: true, code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:9" }),
            target,
        );
        expect(isWechatpayNetworkError(e)).toBe(true);
        expect(e.message).toBe(
            "No answer from WeChat Pay to PATCH /v3/marketing/membercard-open/callback: connect ECONNREFUSED 127.0.0.1:9",
        );
    });

    it("copies nothing from the axios config (which holds the key object)", () => {
        const e = errorFrom(
            readFailure({
                isAxiosError: true,
                config: { privateKey: `${PRIVATE_KEY_BEGIN}SECRET` },
                response: { status: 400, data: { code: "PARAM_ERROR", message: "bad" } },
            }),
            target,
        );
        expect(JSON.stringify(e)).not.toContain("SECRET");
        expect(Object.values(e).join(" ")).not.toContain("SECRET");
        expect(e.stack ?? "").not.toContain("SECRET");
    });
});

describe("WechatpayError and its guards", () => {
    const api = new WechatpayApiError({ ...target, status: 500, code: "SYSTEM_ERROR", apiMessage: "x" });
    const verification = new WechatpayVerificationError({ ...target, code: "EV3_RES_HEADER_SIGNATURE_DIGEST" });
    const network = new WechatpayNetworkError({ ...target, code: "ECONNRESET", detail: "socket hang up" });
    const response = new WechatpayResponseError({ ...target, code: "REDIRECT", reason: "r" });
    const state = new WechatpayStateError("s");

    it.each([
        [api, "WechatpayApiError", isWechatpayApiError],
        [verification, "WechatpayVerificationError", isWechatpayVerificationError],
        [network, "WechatpayNetworkError", isWechatpayNetworkError],
        [response, "WechatpayResponseError", isWechatpayResponseError],
        [state, "WechatpayStateError", isWechatpayStateError],
    ] as const)("%s: name is the class name, its guard and isWechatpayError accept it", (e, name, guard) => {
        expect(e).toBeInstanceOf(WechatpayError);
        expect(e.name).toBe(name);
        expect(guard(e)).toBe(true);
        expect(isWechatpayError(e)).toBe(true);
        // A copy from another process or package copy: only the name is the same.
        expect(guard({ name })).toBe(true);
        expect(isWechatpayError({ name })).toBe(true);
    });

    it("guards refuse other errors and non-objects", () => {
        for (const guard of [isWechatpayApiError, isWechatpayResponseError, isWechatpayStateError, isWechatpayError]) {
            expect(guard(new Error("x"))).toBe(false);
            expect(guard({ name: "TypeError" })).toBe(false);
            expect(guard(undefined)).toBe(false);
            expect(guard("WechatpayApiError")).toBe(false);
        }
        expect(isWechatpayApiError(network)).toBe(false);
    });
});

describe("readFailure: the one reader of what axios and the SDK threw", () => {
    it("reads an unsigned HTML 404 (the SDK's EV3 error) with its content type, excerpt and Request-ID", () => {
        const received = readFailure({
            isAxiosError: true,
            code: "EV3_RES_HEADERS_INCOMPLATE",
            response: {
                status: 404,
                headers: { "content-type": "text/html; charset=utf-8", "request-id": "REQ-1" },
                data: "<html><body>404 Not Found</body></html>",
            },
        });
        expect(received).toMatchObject({
            kind: "http",
            status: 404,
            code: "HTTP_404",
            contentType: "text/html",
            requestId: "REQ-1",
            unverified: "EV3_RES_HEADERS_INCOMPLATE",
        });
        expect(describeReceived(received)).toBe(
            '404 text/html, not signed by WeChat Pay, "<html><body>404 Not Found</body></html>" (Request-ID REQ-1)',
        );
        expect(
            errorFrom(
                readFailure({
                    ...{ isAxiosError: true, code: "EV3_RES_HEADERS_INCOMPLATE" },
                    response: { status: 404 },
                }),
                target,
            ),
        ).toMatchObject({
            name: "WechatpayResponseError",
            code: "UNSIGNED_404",
        });
    });

    it("cuts a long body to 120 characters and escapes control characters", () => {
        const received = readFailure({ response: { status: 502, data: `\u0000${"x".repeat(300)}` } });
        expect(describeReceived(received)).toBe(`502 (no content type), "\\u0000${"x".repeat(119)}"… (no Request-ID)`);
    });

    it("names only the origin of a redirect's Location", () => {
        const e = errorFrom(
            readFailure({
                response: { status: 302, headers: { location: "https://evil.example:8443/steal?token=1" } },
            }),
            target,
        );
        expect(e).toMatchObject({ name: "WechatpayResponseError", code: "REDIRECT", status: 302 });
        expect(e.message).toContain("the redirect to https://evil.example:8443 was not followed");
        expect(e.message).not.toContain("token");
    });

    it("reads axios's maxContentLength error as a reply over the cap", () => {
        const e = errorFrom(
            readFailure({
                isAxiosError: true,
                code: "ERR_BAD_RESPONSE",
                message: "maxContentLength size of 65536 exceeded",
            }),
            target,
        );
        expect(e).toMatchObject({ name: "WechatpayResponseError", code: "REPLY_TOO_LARGE", status: undefined });
    });

    it("reads the client's own timer as a timeout of the whole attempt", () => {
        expect(readFailure({ isAxiosError: true, code: "ERR_CANCELED" }, 1000)).toEqual({
            kind: "network",
            code: "ETIMEDOUT",
            detail: "no complete reply within 1000 ms (headers and body)",
        });
    });

    it("says a non-JSON error body is not WeChat Pay's JSON", () => {
        const e = errorFrom(
            readFailure({
                response: { status: 502, headers: { "content-type": "text/html" }, data: "<h1>Bad Gateway</h1>" },
            }),
            target,
        );
        expect(e.message).toBe(
            `WeChat Pay rejected PATCH ${target.path}: 502 HTTP_502: (not WeChat Pay's JSON error: text/html, ` +
                '"<h1>Bad Gateway</h1>"). WeChat Pay had a server error: run again later',
        );
    });
});
