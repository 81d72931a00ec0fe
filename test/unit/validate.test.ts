import { describe, expect, it } from "vitest";
import { MEMBERCARD_CALLBACK } from "../../provider/endpoints";
import { checkInputs, notifyUrlProblem, UNKNOWN } from "../../provider/validate";

const ABSOLUTE =
    "must be an absolute https URL starting with https://, e.g. https://api.example.com/wechatpay/membercard";
const PUBLIC = "must point at a public host: WeChat Pay's servers cannot reach";
const PORT = "must not name a port: WeChat Pay calls the default https port 443";

describe("notifyUrlProblem", () => {
    it("names no API without rules: the longest limit of the four, in neutral words", () => {
        expect(notifyUrlProblem(undefined)).toBe("is required: the https URL that receives WeChat Pay's notifications");
        expect(notifyUrlProblem("https://example.com")).toBe(
            "must have a path, e.g. https://api.example.com/wechatpay/notify",
        );
        expect(notifyUrlProblem(`https://example.com/${"a".repeat(256 - 20)}`)).toBeUndefined();
        expect(notifyUrlProblem(`https://example.com/${"a".repeat(257 - 20)}`)).toBe(
            "must be at most 256 characters (WeChat Pay's limit), got 257",
        );
    });

    it.each([
        ["https://api.example.com/wechatpay/membercard"],
        ["https://api.example.com/a"],
        ["https://xn--fiqs8s.example.cn/notify"],
        ["https://8.8.8.8/notify"],
        ["https://[2400:da00::1]/notify"],
        ["https://api.example.com/Notify/%E4%BE%8B"],
        ["https://a-b.example.com/path/with@sign:colon;semi"],
        [`https://example.com/${"a".repeat(256 - "https://example.com/".length)}`],
    ])("accepts %s", (url) => {
        expect(notifyUrlProblem(url, MEMBERCARD_CALLBACK)).toBeUndefined();
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
        ["https://example.com//", "must have a path, e.g. https://api.example.com/wechatpay/membercard"],
        ["https://example.com/.", "must have a path, e.g. https://api.example.com/wechatpay/membercard"],
        ["https://example.com/x%00", "must not contain a percent-encoded control character such as %00"],
        [
            "https://Example.com/x",
            "must write the host in lower case (example.com): hosts are compared exactly as written",
        ],
        ["example.com/notify", ABSOLUTE],
        ["/notify", ABSOLUTE],
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
            "must point at a public host: WeChat Pay's servers cannot reach the loopback address 127.0.0.1",
        ],
        [
            "https://10.1.2.3/notify",
            "must point at a public host: WeChat Pay's servers cannot reach the private address 10.1.2.3",
        ],
        [
            "https://172.20.0.1/notify",
            "must point at a public host: WeChat Pay's servers cannot reach the private address 172.20.0.1",
        ],
        [
            "https://192.168.1.1/notify",
            "must point at a public host: WeChat Pay's servers cannot reach the private address 192.168.1.1",
        ],
        [
            "https://169.254.169.254/notify",
            "must point at a public host: WeChat Pay's servers cannot reach the link-local address 169.254.169.254",
        ],
        [
            "https://100.64.0.1/notify",
            "must point at a public host: WeChat Pay's servers cannot reach the carrier-grade NAT address 100.64.0.1",
        ],
        [
            "https://[::1]/notify",
            "must point at a public host: WeChat Pay's servers cannot reach the loopback address ::1",
        ],
        [
            "https://[fd00::1]/notify",
            "must point at a public host: WeChat Pay's servers cannot reach the private (unique local) address fd00::1",
        ],
        [
            "https://[::ffff:192.168.0.1]/notify",
            "must not wrap an IPv4 address in IPv6 (::ffff:…): write the IPv4 address itself",
        ],
        [
            "https://intranet/notify",
            "must point at a public host: WeChat Pay's servers cannot reach the single-label name intranet; use a fully qualified domain name",
        ],
    ])("rejects %s", (url, reason) => {
        expect(notifyUrlProblem(url, MEMBERCARD_CALLBACK)).toBe(reason);
    });

    // Each of these passed when the rules were applied to `new URL(url)` while the raw string was sent.
    it.each([
        ["https:///example.com:8443/notify", "must name a host right after https://"],
        ["https:example.com/notify", ABSOLUTE],
        ["https:/example.com/notify", ABSOLUTE],
        ["HTTPS://example.com/notify", ABSOLUTE],
        ["https://example.com\\notify", "must not contain a backslash"],
        ["https:\\\\example.com/notify", "must not contain a backslash"],
        ["https://example.com/no\u0000tify", "must not contain control characters (found U+0000 at position 23)"],
        ["https://example.com/no\u007ftify", "must not contain control characters (found U+007F at position 23)"],
        ["https://example.com/\u0085", "must not contain control characters (found U+0085 at position 21)"],
        [
            "https://example.com/\u202egnp.exe",
            "must not contain invisible formatting characters such as bidi overrides (found U+202E at position 21)",
        ],
        [
            "https://exa\u200bmple.com/notify",
            "must not contain invisible formatting characters such as bidi overrides (found U+200B at position 12)",
        ],
        [
            "https://例子.cn/notify",
            "must be plain ASCII: percent-encode other characters, and write a domain name in its xn-- form (found U+4F8B at position 9)",
        ],
        ["https://example.com/\u00a0x", "must not contain whitespace"],
        ["https://example.com/a<b", "must not contain the character <: percent-encode it"],
        ["https://example.com/100%", "must not contain a % that does not start a percent-encoded byte such as %2F"],
        ["https://example.com:/notify", PORT],
        ["https://[2400:da00::1]:443/notify", PORT],
        ["https://localhost./notify", "must not end the host name with a dot: write localhost instead"],
        ["https://example.com./notify", "must not end the host name with a dot: write example.com instead"],
        ["https://127.0.0.1./notify", "must not end the host name with a dot: write 127.0.0.1 instead"],
        ["https://LOCALHOST/notify", `${PUBLIC} localhost`],
        ["https://printer.local/notify", `${PUBLIC} names under .local, got printer.local`],
        ["https://svc.internal/notify", `${PUBLIC} names under .internal, got svc.internal`],
        ["https://router.home.arpa/notify", `${PUBLIC} names under .home.arpa, got router.home.arpa`],
        [
            "https://2130706433/notify",
            "must write an IPv4 address as four decimal numbers without leading zeros, got 2130706433",
        ],
        [
            "https://0x7f.0.0.1/notify",
            "must write an IPv4 address as four decimal numbers without leading zeros, got 0x7f.0.0.1",
        ],
        ["https://127.1/notify", "must write an IPv4 address as four decimal numbers without leading zeros, got 127.1"],
        [
            "https://010.0.0.1/notify",
            "must write an IPv4 address as four decimal numbers without leading zeros, got 010.0.0.1",
        ],
        ["https://0.0.0.0/notify", `${PUBLIC} the unspecified address 0.0.0.0`],
        ["https://224.0.0.1/notify", `${PUBLIC} the multicast address 224.0.0.1`],
        [
            "https://203.0.113.10/notify",
            `${PUBLIC} the reserved (documentation, benchmarking or future use) address 203.0.113.10`,
        ],
        [
            "https://198.51.100.7/notify",
            `${PUBLIC} the reserved (documentation, benchmarking or future use) address 198.51.100.7`,
        ],
        [
            "https://198.18.0.1/notify",
            `${PUBLIC} the reserved (documentation, benchmarking or future use) address 198.18.0.1`,
        ],
        [
            "https://[2001:db8::1]/notify",
            `${PUBLIC} the reserved (documentation, benchmarking or future use) address 2001:db8::1`,
        ],
        ["https://[2001:2::1]/notify", `${PUBLIC} the benchmarking address 2001:2::1`],
        ["https://[64:ff9b::a00:1]/notify", `${PUBLIC} the NAT64 address 64:ff9b::a00:1`],
        ["https://[64:ff9b::10.0.0.1]/notify", `${PUBLIC} the NAT64 address 64:ff9b::10.0.0.1`],
        ["https://[2002:c0a8:101::1]/notify", `${PUBLIC} the 6to4 address 2002:c0a8:101::1`],
        ["https://[fe80::1]/notify", `${PUBLIC} the link-local address fe80::1`],
        ["https://[::]/notify", `${PUBLIC} the unspecified address ::`],
        ["https://[::7f00:1]/notify", `${PUBLIC} the reserved address ::7f00:1`],
        ["https://localhost.localdomain/notify", `${PUBLIC} names under .localdomain, got localhost.localdomain`],
        ["https://pay.corp/notify", `${PUBLIC} names under .corp, got pay.corp`],
        ["https://nas.home/notify", `${PUBLIC} names under .home, got nas.home`],
        ["https://[::a00:1]/notify", `${PUBLIC} the reserved address ::a00:1`],
        ["https://[::1:0:0:1]/notify", `${PUBLIC} the reserved address ::1:0:0:1`],
        [
            "https://[::ffff:8.8.8.8]/notify",
            "must not wrap an IPv4 address in IPv6 (::ffff:…): write the IPv4 address itself",
        ],
        [
            "https://[fe80::1%25eth0]/notify",
            "must write an IPv6 address in brackets without a zone, e.g. https://[2400:da00::1]/notify, got [fe80::1%25eth0]",
        ],
        [
            "https://exa_mple.com/notify",
            "must name a valid host: letters, digits and inner hyphens in dot-separated labels of 1 to 63, got exa_mple.com",
        ],
        [
            "https://example..com/notify",
            "must name a valid host: letters, digits and inner hyphens in dot-separated labels of 1 to 63, got example..com",
        ],
        ["https://user@example.com/notify", "must not carry a user name or password"],
    ])("checks the string as sent: rejects %j", (url, reason) => {
        expect(notifyUrlProblem(url, MEMBERCARD_CALLBACK)).toBe(reason);
    });
});

describe("checkInputs", () => {
    it("names notifyUrl in the failure", () => {
        expect(checkInputs({ notifyUrl: "http://example.com/n" }, MEMBERCARD_CALLBACK)).toEqual([
            {
                property: "notifyUrl",
                reason: "notifyUrl must use https (WeChat Pay only calls https endpoints), got http",
            },
        ]);
    });

    it("does not print key material given as mchid", () => {
        const pem = `-----BEGIN ${"PRIVATE"} KEY-----\n${"A".repeat(64)}\n-----END ${"PRIVATE"} KEY-----\n`;
        expect(checkInputs({ notifyUrl: "https://api.example.com/n", mchid: pem }, MEMBERCARD_CALLBACK)).toEqual([
            {
                property: "mchid",
                reason: 'mchid must be the numeric merchant id (商户号), e.g. "1900000001", got a value that looks like key material (not shown)',
            },
        ]);
    });

    it("lets an unknown value (preview) pass", () => {
        expect(checkInputs({ notifyUrl: UNKNOWN }, MEMBERCARD_CALLBACK)).toEqual([]);
    });

    it("passes a good URL", () => {
        expect(checkInputs({ notifyUrl: "https://api.example.com/n" }, MEMBERCARD_CALLBACK)).toEqual([]);
    });
});
