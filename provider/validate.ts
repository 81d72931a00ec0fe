import { quoted } from "./settings";

/**
 * `ipaddr.js`, loaded on first use: only a URL whose host is an IP address needs it, so a provider host that checks
 * domain names never pays for loading it (every host start-up does load this module).
 */
const ip = (): typeof import("ipaddr.js") => require("ipaddr.js") as typeof import("ipaddr.js");

/** A failed input check, in the shape Pulumi's `check` reports it. */
export interface CheckFailure {
    property: string;
    reason: string;
}

/**
 * The string the engine sends for a value that is not known yet (a preview where `notifyUrl` comes from another
 * resource's output). Kept here as a literal so the provider does not load the whole Pulumi SDK to compare it
 * (`unknownValue` in @pulumi/pulumi `runtime/rpc`).
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** What differs between the notify-URL APIs in these checks (every NotifyEndpoint has these fields). */
export interface UrlRules {
    /** The API's length limit. */
    readonly maxLength: number;
    /** What the URL receives: "member-card events". */
    readonly events: string;
    /** A sample URL for the messages. */
    readonly example: string;
}

/** The rules when no API is named: the longest limit of the four APIs (string(256)), in neutral words. */
const ANY_API: UrlRules = {
    maxLength: 256,
    events: "WeChat Pay's notifications",
    example: "https://api.example.com/wechatpay/notify",
};

/**
 * Why WeChat Pay would refuse or could not use `url` as a notify URL (`rules`: one API's limit and wording; by
 * default the longest limit of the four), or `undefined` when it is fine.
 *
 * The rules apply to the exact string that is sent (the provider sends the trimmed input as it is), never to a
 * parser's normalised form: `new URL()` turns `https:///host:8443/x` into `https://host:8443/x` and `https:host/x`
 * into `https://host/x`, so checking its result would pass strings WeChat Pay stores unchanged.
 *
 * From WeChat Pay's docs: string(256) and https (设置/查询回调地址); directly reachable, no parameters (会员卡事件通知);
 * a full path, not a bare domain, and no localhost or intranet addresses (回调通知注意事项). From its developer
 * community: no port. The rest is ours: one plain ASCII spelling, no credentials or fragment, public addresses only.
 */
export function notifyUrlProblem(url: unknown, rules: UrlRules = ANY_API): string | undefined {
    if (typeof url !== "string" || url.length === 0) {
        return `is required: the https URL that receives ${rules.events}`;
    }
    if (url.length > rules.maxLength) {
        return `must be at most ${rules.maxLength} characters (WeChat Pay's limit), got ${url.length}`;
    }
    const character = characterProblem(url);
    if (character) {
        return character;
    }
    if (!url.startsWith("https://")) {
        return /^[a-z][a-z0-9+.-]*:/i.test(url) && !/^https:/i.test(url)
            ? `must use https (WeChat Pay only calls https endpoints), got ${url.slice(0, url.indexOf(":")).toLowerCase()}`
            : `must be an absolute https URL starting with https://, e.g. ${rules.example}`;
    }
    if (url.includes("?")) {
        return "must not have a query string (WeChat Pay does not allow parameters on the notify URL)";
    }
    if (url.includes("#")) {
        return "must not have a fragment (#…)";
    }
    const rest = url.slice("https://".length);
    const slash = rest.indexOf("/");
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    const path = slash === -1 ? "" : rest.slice(slash);
    if (authority.includes("@")) {
        return "must not carry a user name or password";
    }
    const { host, port } = splitAuthority(authority);
    if (port !== undefined) {
        return "must not name a port: WeChat Pay calls the default https port 443";
    }
    const hostProblem = unreachableHost(host);
    if (hostProblem) {
        return hostProblem;
    }
    if (/[A-Z]/.test(host)) {
        // WeChat Pay does not say whether it lower-cases hosts, and this package compares URLs byte for byte (what
        // WeChat Pay shows back must be what was sent): one spelling, the usual one, keeps drift checks exact.
        return `must write the host in lower case (${host.toLowerCase()}): hosts are compared exactly as written`;
    }
    if (path === "" || /^[/.]*$/.test(path)) {
        return `must have a path, e.g. ${rules.example}`;
    }
    if (/%(?:[01][0-9A-Fa-f]|7[Ff])/.test(url)) {
        return "must not contain a percent-encoded control character such as %00";
    }
    return undefined;
}

/**
 * Characters that may not appear anywhere: a URL is plain ASCII (RFC 3986), so control characters (NUL, DEL…),
 * invisible format characters (bidi overrides, zero-width spaces) and other non-ASCII text are refused instead of being
 * percent-encoded by whoever parses the URL next, which could then differ from what WeChat Pay stores.
 */
function characterProblem(url: string): string | undefined {
    for (const [index, char] of [...url].entries()) {
        const code = char.codePointAt(0) ?? 0;
        const at = `U+${code.toString(16).toUpperCase().padStart(4, "0")} at position ${index + 1}`;
        if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
            return `must not contain control characters (found ${at})`;
        }
        if (/\s/u.test(char)) {
            return "must not contain whitespace";
        }
        if (/\p{Cf}/u.test(char)) {
            return `must not contain invisible formatting characters such as bidi overrides (found ${at})`;
        }
        if (code > 0x7e) {
            return `must be plain ASCII: percent-encode other characters, and write a domain name in its xn-- form (found ${at})`;
        }
        if (char === "\\") {
            return "must not contain a backslash";
        }
        if (/["<>^`{|}]/.test(char)) {
            return `must not contain the character ${char}: percent-encode it`;
        }
    }
    if (/%(?![0-9A-Fa-f]{2})/.test(url)) {
        return "must not contain a % that does not start a percent-encoded byte such as %2F";
    }
    return undefined;
}

/** Splits `host[:port]` or `[v6][:port]` as written; `port` is whatever follows a colon, even empty. */
function splitAuthority(authority: string): { host: string; port: string | undefined } {
    if (authority.startsWith("[")) {
        const close = authority.indexOf("]");
        const after = close === -1 ? "" : authority.slice(close + 1);
        if (close === -1 || (after !== "" && !after.startsWith(":"))) {
            return { host: authority, port: undefined };
        }
        return { host: authority.slice(0, close + 1), port: after === "" ? undefined : after.slice(1) };
    }
    const colon = authority.indexOf(":");
    return colon === -1
        ? { host: authority, port: undefined }
        : { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}

/** Names WeChat Pay's servers cannot reach (RFC 6761 and RFC 8375 special-use names, and the common intranet ones). */
// RFC 6761/6762/8375 special-use names, ICANN's reserved `.internal`, and names that are never delegated publicly
// but common on private networks (`.corp`, `.home`, `.lan`, `.intranet`, `localhost.localdomain`).
const NON_PUBLIC_SUFFIXES = [
    "localhost",
    "localdomain",
    "local",
    "internal",
    "intranet",
    "lan",
    "corp",
    "home",
    "home.arpa",
    "invalid",
    "test",
];

const reason = "must point at a public host: WeChat Pay's servers cannot reach";

/**
 * Why `host` (as written in the URL) is not a public host name or address. Address ranges are classified by
 * `ipaddr.js`: only its `unicast` range (global unicast) is public; loopback, private, link-local, carrier-grade NAT,
 * documentation, benchmarking, multicast, NAT64 (64:ff9b::/96), 6to4, Teredo and other reserved ranges are not.
 */
function unreachableHost(host: string): string | undefined {
    if (host === "") {
        return "must name a host right after https://";
    }
    if (host.startsWith("[")) {
        return ipv6Problem(host);
    }
    if (host.endsWith(".")) {
        // A trailing dot names the same host for DNS, but not for TLS certificate checks or virtual hosting: the
        // same URL would work or fail depending on the client. Ask for the usual spelling.
        return `must not end the host name with a dot: write ${host.replace(/\.+$/, "") || "the host"} instead`;
    }
    const labels = host.split(".");
    const last = labels[labels.length - 1] ?? "";
    // Browsers and most HTTP stacks read a host whose last label is numeric (decimal, octal, hex) as an IPv4 address:
    // 2130706433, 0x7f.1 and 127.1 are all 127.0.0.1. Only the dotted-decimal spelling is accepted.
    if (/^(0x[0-9a-f]*|[0-9]+)$/i.test(last)) {
        const { IPv4 } = ip();
        if (!IPv4.isValidFourPartDecimal(host)) {
            return `must write an IPv4 address as four decimal numbers without leading zeros, got ${host}`;
        }
        const range = IPv4.parse(host).range();
        return range === "unicast" ? undefined : `${reason} the ${rangeName(range)} address ${host}`;
    }
    if (labels.some((label) => !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(label))) {
        return `must name a valid host: letters, digits and inner hyphens in dot-separated labels of 1 to 63, got ${host}`;
    }
    const name = host.toLowerCase();
    if (labels.length === 1) {
        return name === "localhost"
            ? `${reason} localhost`
            : `${reason} the single-label name ${name}; use a fully qualified domain name`;
    }
    const suffix = NON_PUBLIC_SUFFIXES.find((s) => name === s || name.endsWith(`.${s}`));
    if (suffix) {
        return suffix === "localhost" ? `${reason} localhost` : `${reason} names under .${suffix}, got ${name}`;
    }
    return undefined;
}

function ipv6Problem(bracketed: string): string | undefined {
    const address = bracketed.slice(1, -1);
    const { IPv6 } = ip();
    if (!bracketed.endsWith("]") || !/^[0-9a-f:.]+$/i.test(address) || !IPv6.isValid(address)) {
        return `must write an IPv6 address in brackets without a zone, e.g. https://[2400:da00::1]/notify, got ${bracketed}`;
    }
    const parsed = IPv6.parse(address);
    const range = parsed.range();
    if (range === "ipv4Mapped") {
        return "must not wrap an IPv4 address in IPv6 (::ffff:…): write the IPv4 address itself";
    }
    if (range !== "unicast") {
        return `${reason} the ${rangeName(range)} address ${address}`;
    }
    // ipaddr.js calls everything it has no name for "unicast", including ::/8 (IPv4-compatible forms such as
    // ::7f00:1); only 2000::/3 is allocated as global unicast (IANA IPv6 address space registry).
    return parsed.match(IPv6.parseCIDR("2000::/3")) ? undefined : `${reason} the reserved address ${address}`;
}

/** A reader's name for an `ipaddr.js` range. */
function rangeName(range: string): string {
    const names: Record<string, string> = {
        unspecified: "unspecified",
        broadcast: "broadcast",
        multicast: "multicast",
        linkLocal: "link-local",
        loopback: "loopback",
        carrierGradeNat: "carrier-grade NAT",
        private: "private",
        uniqueLocal: "private (unique local)",
        reserved: "reserved (documentation, benchmarking or future use)",
        benchmarking: "benchmarking",
        rfc6052: "NAT64",
        rfc6145: "IPv4-translated",
        "6to4": "6to4",
        teredo: "Teredo",
        deprecatedSiteLocal: "site-local",
        discard: "discard-only",
    };
    return names[range] ?? `special-purpose (${range})`;
}

/**
 * Checks the inputs of a notify-URL resource (`rules`: its API's). An unknown value (preview, value from another resource) passes: it is
 * checked again when known.
 */
export function checkInputs(inputs: Record<string, unknown>, rules: UrlRules): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const url = inputs.notifyUrl;
    const problem = url === UNKNOWN ? undefined : notifyUrlProblem(url, rules);
    if (problem) {
        failures.push({ property: "notifyUrl", reason: `notifyUrl ${problem}` });
    }
    const mchid = inputs.mchid;
    if (mchid !== undefined && mchid !== UNKNOWN && !(typeof mchid === "string" && /^\d{6,20}$/.test(mchid))) {
        failures.push({
            property: "mchid",
            reason:
                typeof mchid === "number"
                    ? `mchid must be a string: write it in quotes, "${mchid}" (a merchant id is text, and a number may lose digits)`
                    : `mchid must be the numeric merchant id (商户号), e.g. "1900000001", got ${
                          typeof mchid === "string" ? quoted(mchid) : JSON.stringify(mchid)
                      }`,
        });
    }
    return failures;
}
