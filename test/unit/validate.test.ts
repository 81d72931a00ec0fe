import { describe, expect, it } from "vitest";
import { checkInputs, notifyUrlProblem, UNKNOWN } from "../../provider/validate";

describe("notifyUrlProblem", () => {
    it.each([
        ["https://api.example.com/wechatpay/membercard"],
        ["https://api.example.com/a"],
        ["https://xn--fiqs8s.example.cn/notify"],
        ["https://203.0.113.10/notify"],
        ["https://[2001:db8::1]/notify"],
        [`https://example.com/${"a".repeat(256 - "https://example.com/".length)}`],
    ])("accepts %s", (url) => {
        expect(notifyUrlProblem(url)).toBeUndefined();
    });

    it.each([
        [undefined, "is required: the https URL that receives member-card events"],
        ["", "is required: the https URL that receives member-card events"],
        [42, "is required: the https URL that receives member-card events"],
        [
            `https://example.com/${"a".repeat(257 - "https://example.com/".length)}`,
            "must be at most 256 characters (WeChat Pay's limit), got 257",
        ],
        ["https://example.com/a b", "must not contain whitespace"],
        ["example.com/notify", "must be an absolute https URL, e.g. https://api.example.com/wechatpay/membercard"],
        ["/notify", "must be an absolute https URL, e.g. https://api.example.com/wechatpay/membercard"],
        ["http://example.com/notify", "must use https (WeChat Pay only calls https endpoints), got http"],
        ["ftp://example.com/notify", "must use https (WeChat Pay only calls https endpoints), got ftp"],
        ["https://user:pw@example.com/notify", "must not carry a user name or password"],
        [
            "https://example.com/notify?a=1",
            "must not have a query string (WeChat Pay does not allow parameters on the notify URL)",
        ],
        [
            "https://example.com/notify?",
            "must not have a query string (WeChat Pay does not allow parameters on the notify URL)",
        ],
        ["https://example.com/notify#x", "must not have a fragment (#…)"],
        ["https://example.com:8443/notify", "must not name a port: WeChat Pay calls the default https port 443"],
        ["https://example.com:443/notify", "must not name a port: WeChat Pay calls the default https port 443"],
        ["https://[2001:db8::1]:8443/n", "must not name a port: WeChat Pay calls the default https port 443"],
        ["https://example.com", "must have a path, e.g. https://api.example.com/wechatpay/membercard"],
        ["https://example.com/", "must have a path, e.g. https://api.example.com/wechatpay/membercard"],
        ["https://localhost/notify", "must point at a public host: WeChat Pay's servers cannot reach localhost"],
        ["https://app.localhost/notify", "must point at a public host: WeChat Pay's servers cannot reach localhost"],
        [
            "https://127.0.0.1/notify",
            "must point at a public host: WeChat Pay's servers cannot reach private or loopback address 127.0.0.1",
        ],
        [
            "https://10.1.2.3/notify",
            "must point at a public host: WeChat Pay's servers cannot reach private or loopback address 10.1.2.3",
        ],
        [
            "https://172.20.0.1/notify",
            "must point at a public host: WeChat Pay's servers cannot reach private or loopback address 172.20.0.1",
        ],
        [
            "https://192.168.1.1/notify",
            "must point at a public host: WeChat Pay's servers cannot reach private or loopback address 192.168.1.1",
        ],
        [
            "https://169.254.169.254/notify",
            "must point at a public host: WeChat Pay's servers cannot reach private or loopback address 169.254.169.254",
        ],
        [
            "https://100.64.0.1/notify",
            "must point at a public host: WeChat Pay's servers cannot reach private or loopback address 100.64.0.1",
        ],
        [
            "https://[::1]/notify",
            "must point at a public host: WeChat Pay's servers cannot reach private or loopback address ::1",
        ],
        [
            "https://[fd00::1]/notify",
            "must point at a public host: WeChat Pay's servers cannot reach private or loopback address fd00::1",
        ],
        [
            "https://[::ffff:192.168.0.1]/notify",
            "must point at a public host: WeChat Pay's servers cannot reach private or loopback address ::ffff:c0a8:1",
        ],
        [
            "https://intranet/notify",
            "must point at a public host: WeChat Pay's servers cannot reach the single-label name intranet; use a fully qualified domain name",
        ],
    ])("rejects %s", (url, reason) => {
        expect(notifyUrlProblem(url)).toBe(reason);
    });
});

describe("checkInputs", () => {
    it("names notifyUrl in the failure", () => {
        expect(checkInputs({ notifyUrl: "http://example.com/n" })).toEqual([
            {
                property: "notifyUrl",
                reason: "notifyUrl must use https (WeChat Pay only calls https endpoints), got http",
            },
        ]);
    });

    it("lets an unknown value (preview) pass", () => {
        expect(checkInputs({ notifyUrl: UNKNOWN })).toEqual([]);
    });

    it("passes a good URL", () => {
        expect(checkInputs({ notifyUrl: "https://api.example.com/n" })).toEqual([]);
    });
});
