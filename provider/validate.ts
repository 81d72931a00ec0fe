import { isIP } from "node:net";

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

/** WeChat Pay stores `notify_url` as string(256). */
export const MAX_NOTIFY_URL_LENGTH = 256;

/**
 * Why WeChat Pay would refuse or could not use `url` as the member-card notify URL, or `undefined` when it is fine.
 * The rules: https only, directly reachable from the internet, no query (WeChat Pay appends none and forbids it).
 */
export function notifyUrlProblem(url: unknown): string | undefined {
    if (typeof url !== "string" || url.length === 0) {
        return "is required: the https URL that receives member-card events";
    }
    if (url.length > MAX_NOTIFY_URL_LENGTH) {
        return `must be at most ${MAX_NOTIFY_URL_LENGTH} characters (WeChat Pay's limit), got ${url.length}`;
    }
    if (/\s/.test(url)) {
        return "must not contain whitespace";
    }
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return "must be an absolute https URL, e.g. https://api.example.com/wechatpay/membercard";
    }
    if (parsed.protocol !== "https:") {
        return `must use https (WeChat Pay only calls https endpoints), got ${parsed.protocol.replace(/:$/, "")}`;
    }
    if (parsed.username || parsed.password) {
        return "must not carry a user name or password";
    }
    if (parsed.search || url.includes("?")) {
        return "must not have a query string (WeChat Pay does not allow parameters on the notify URL)";
    }
    if (parsed.hash || url.includes("#")) {
        return "must not have a fragment (#…)";
    }
    // URL() drops a default :443, so look at the authority as written.
    if (/^https:\/\/[^/]*:\d*(\/|$)/i.test(url) && !/^https:\/\/\[[^\]]*\](\/|$)/i.test(url)) {
        return "must not name a port: WeChat Pay calls the default https port 443";
    }
    if (parsed.pathname === "/" || parsed.pathname === "") {
        return "must have a path, e.g. https://api.example.com/wechatpay/membercard";
    }
    const hostProblem = unreachableHost(parsed.hostname);
    if (hostProblem) {
        return hostProblem;
    }
    return undefined;
}

/** Hosts WeChat Pay's servers cannot reach: loopback, private and link-local ranges, and single-label names. */
function unreachableHost(hostname: string): string | undefined {
    const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
    const reason = "must point at a public host: WeChat Pay's servers cannot reach";
    if (host === "localhost" || host.endsWith(".localhost")) {
        return `${reason} localhost`;
    }
    const family = isIP(host);
    if (family === 4 && isPrivateIPv4(host)) {
        return `${reason} private or loopback address ${host}`;
    }
    if (family === 6 && isPrivateIPv6(host)) {
        return `${reason} private or loopback address ${host}`;
    }
    if (family === 0 && !host.includes(".")) {
        return `${reason} the single-label name ${host}; use a fully qualified domain name`;
    }
    return undefined;
}

function isPrivateIPv4(host: string): boolean {
    const [a = -1, b = -1] = host.split(".").map(Number);
    return (
        a === 0 ||
        a === 10 ||
        a === 127 ||
        (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
        (a === 169 && b === 254) ||
        (a === 172 && b >= 16 && b <= 31) ||
        (a === 192 && b === 168) ||
        a >= 224 // multicast and reserved
    );
}

function isPrivateIPv6(host: string): boolean {
    // IPv4-mapped addresses; URL() writes them in hex (::ffff:c0a8:1 for ::ffff:192.168.0.1).
    const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1];
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
    if (dotted) {
        return isPrivateIPv4(dotted);
    }
    if (hex?.[1] && hex[2]) {
        const [hi, lo] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
        return isPrivateIPv4(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return host === "::" || host === "::1" || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || /^ff/.test(host);
}

/**
 * Checks the inputs of a MembercardCallback. An unknown value (preview, value from another resource) passes: it is
 * checked again when known.
 */
export function checkInputs(inputs: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const url = inputs.notifyUrl;
    const problem = url === UNKNOWN ? undefined : notifyUrlProblem(url);
    if (problem) {
        failures.push({ property: "notifyUrl", reason: `notifyUrl ${problem}` });
    }
    const mchid = inputs.mchid;
    if (mchid !== undefined && mchid !== UNKNOWN && !(typeof mchid === "string" && /^\d{6,20}$/.test(mchid))) {
        failures.push({
            property: "mchid",
            reason: `mchid must be the numeric merchant id (商户号), e.g. "1900000001", got ${JSON.stringify(mchid)}`,
        });
    }
    return failures;
}
