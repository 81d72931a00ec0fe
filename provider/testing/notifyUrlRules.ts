/**
 * The notify_url rules WeChat Pay documents, as the emulator enforces them. Written apart from the provider's own
 * checks on purpose (the emulator models WeChat Pay, not this package): a rule the provider forgets is then refused
 * here, as WeChat Pay would, instead of passing both.
 *
 * Sources:
 * - 设置/查询回调地址: notify_url string(256), must support https
 *   (https://pay.weixin.qq.com/docs/merchant/apis/membership-card/member-call-back/get-notify-url.html).
 * - 会员卡事件通知: directly reachable, no parameters
 *   (https://pay.weixin.qq.com/docs/merchant/apis/membership-card/member-notice/user-management-member-card-notice.html).
 * - 回调通知注意事项: a full path (a bare domain is a listed error), no localhost, 127.0.0.1, 192.168.x.x or other
 *   local or intranet address (https://pay.weixin.qq.com/docs/partner/development/practices/notification-considerations.html).
 * - No port: WeChat Pay's answer in its developer community, "回调地址url不支持携带端口号"
 *   (https://developers.weixin.qq.com/community/pay/doc/000c8c543bc32040c6ee20f4152800).
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";

/** WeChat Pay's `string(256)` limit on notify_url. */
export const NOTIFY_URL_MAX_LENGTH = 256;

/**
 * A documented rule `notifyUrl` breaks, worded like a PARAM_ERROR message, or `undefined` when it keeps them all.
 * `field` and `maxLength` are the API's: the complaint API calls it `url`, string(255); the others `notify_url`,
 * string(256). The other rules are WeChat Pay's general ones (回调通知注意事项) and each API's "https, no parameters".
 */
export function notifyUrlRuleBroken(
    notifyUrl: string,
    field = "notify_url",
    maxLength = NOTIFY_URL_MAX_LENGTH,
): string | undefined {
    if (notifyUrl.length > maxLength) {
        return `${field} is ${notifyUrl.length} characters long; the limit is ${maxLength}`;
    }
    if (!notifyUrl.startsWith("https://") || !URL.canParse(notifyUrl)) {
        return `${field} must be an absolute https:// URL`;
    }
    if (notifyUrl.includes("?")) {
        return `${field} must not carry a query string`;
    }
    // The authority as written: everything between "https://" and the next "/".
    const rest = notifyUrl.slice("https://".length);
    const slash = rest.indexOf("/");
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    const path = slash === -1 ? "" : rest.slice(slash);
    const host = authority.startsWith("[") ? authority.slice(0, authority.indexOf("]") + 1) : authority.split(":")[0];
    if (host === undefined || host === "" || host === "[]") {
        return `${field} must name a host after https://`;
    }
    if (authority.length > host.length) {
        return `${field} must not carry a port`;
    }
    if (isLocal(host)) {
        return `${field} must be reachable from the internet: localhost and intranet addresses are not allowed`;
    }
    if (path === "" || path === "/") {
        return `${field} must be a full path, not only a domain`;
    }
    return undefined;
}

/** Loopback, private, link-local, carrier-grade NAT and unspecified ranges: what WeChat Pay calls 本地或内网. */
function localRanges(): BlockList {
    const list = new BlockList();
    for (const [network, prefix] of [
        ["0.0.0.0", 8],
        ["10.0.0.0", 8],
        ["100.64.0.0", 10],
        ["127.0.0.0", 8],
        ["169.254.0.0", 16],
        ["172.16.0.0", 12],
        ["192.168.0.0", 16],
    ] as const) {
        list.addSubnet(network, prefix, "ipv4");
    }
    for (const [network, prefix] of [
        ["::", 127],
        ["fc00::", 7],
        ["fe80::", 10],
    ] as const) {
        list.addSubnet(network, prefix, "ipv6");
    }
    return list;
}

function isLocal(host: string): boolean {
    const name = host.replace(/\.$/, "").toLowerCase();
    if (name === "localhost" || name.endsWith(".localhost")) {
        return true;
    }
    const bare = name.replace(/^\[(.*)\]$/, "$1");
    if (isIPv4(bare)) {
        return localRanges().check(bare, "ipv4");
    }
    if (isIPv6(bare)) {
        // BlockList matches IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) against the IPv4 subnets too.
        return localRanges().check(bare, "ipv6");
    }
    return false;
}
