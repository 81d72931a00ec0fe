import { describe, expect, it } from "vitest";
import { PRIVATE_KEY_BEGIN } from "../../harness";
import {
    isWechatpayApiError,
    isWechatpayNetworkError,
    isWechatpayVerificationError,
    toProviderError,
} from "../../provider/errors";

const target = { method: "PATCH", path: "/v3/marketing/membercard-open/callback" };

describe("toProviderError", () => {
    it("maps a 403 NO_AUTH to an API error that says who must enable the product", () => {
        const e = toProviderError(
            {
                isAxiosError: true,
                response: {
                    status: 403,
                    data: { code: "NO_AUTH", message: "商户无权限" },
                    headers: { "request-id": "08F4A1B2" },
                },
            },
            target,
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
        const e = toProviderError(
            { isAxiosError: true, response: { status: 401, data: '{"code":"SIGN_ERROR","message":"签名错误"}' } },
            target,
        );
        expect(e.message).toContain(
            "401 SIGN_ERROR: 签名错误. WeChat Pay could not verify the request signature: check that `wechatpay:serial`",
        );
    });

    it("lists every attempt when there were retries", () => {
        const e = toProviderError(
            { isAxiosError: true, response: { status: 500, data: { code: "SYSTEM_ERROR", message: "系统错误" } } },
            target,
            ["500 SYSTEM_ERROR", "ECONNRESET", "500 SYSTEM_ERROR"],
        );
        expect(e.message).toContain(
            ": 500 SYSTEM_ERROR: 系统错误 after 3 attempts (500 SYSTEM_ERROR, ECONNRESET, 500 SYSTEM_ERROR). ",
        );
        expect(e).toMatchObject({ attempts: ["500 SYSTEM_ERROR", "ECONNRESET", "500 SYSTEM_ERROR"] });
    });

    it("maps an SDK verification failure and names the serial", () => {
        const e = toProviderError(
            {
                isAxiosError: true,
                code: "EV3_RES_HEADER_PLATFORM_SERIAL",
                response: { status: 200, headers: { "wechatpay-serial": "PUB_KEY_ID_999" } },
            },
            { method: "GET", path: "/v3/marketing/membercard-open/callback" },
        );
        expect(isWechatpayVerificationError(e)).toBe(true);
        expect(e.message).toContain("signed with serial `PUB_KEY_ID_999`, which is not `wechatpay:publicKeyId`");
    });

    it("recognises a WECHATPAY/SIGNTEST/ probe", () => {
        const e = toProviderError(
            {
                isAxiosError: true,
                code: "EV3_RES_HEADER_SIGNATURE_DIGEST",
                response: { status: 200, headers: { "wechatpay-signature": "WECHATPAY/SIGNTEST/abc" } },
            },
            target,
        );
        expect(e.message).toContain("signature probe (WECHATPAY/SIGNTEST/…), which is rejected on purpose");
    });

    it("maps a connection failure to a network error", () => {
        const e = toProviderError(
            { isAxiosError: true, code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:9" },
            target,
        );
        expect(isWechatpayNetworkError(e)).toBe(true);
        expect(e.message).toBe(
            "No answer from WeChat Pay to PATCH /v3/marketing/membercard-open/callback: connect ECONNREFUSED 127.0.0.1:9",
        );
    });

    it("copies nothing from the axios config (which holds the key object)", () => {
        const e = toProviderError(
            {
                isAxiosError: true,
                config: { privateKey: `${PRIVATE_KEY_BEGIN}SECRET` },
                response: { status: 400, data: { code: "PARAM_ERROR", message: "bad" } },
            },
            target,
        );
        expect(JSON.stringify(e)).not.toContain("SECRET");
        expect(Object.values(e).join(" ")).not.toContain("SECRET");
        expect(e.stack ?? "").not.toContain("SECRET");
    });
});
