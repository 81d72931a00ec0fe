/**
 * What differs between WeChat Pay's notify-URL settings: one description per API, read by the one client
 * (client.ts), the one lifecycle (provider.ts) and the one resource base (notifySetting.ts). Adding a resource is a
 * description like these plus a small class.
 */

/** A WeChat Pay reply, by HTTP status and JSON `code` (both must match). */
export interface ReplyCode {
    readonly status: number;
    readonly code: string;
}

/** One notify-URL setting of a merchant, as its API treats it. */
export interface NotifyEndpoint {
    /** Class name and type-token suffix: `pulumi-nodejs:dynamic/wechatpay:<name>`. */
    readonly name: string;
    /** The setting, for messages: "member-card notify URL". */
    readonly setting: string;
    /** What the URL receives, for messages: "member-card events". */
    readonly events: string;
    /** A sample URL, for messages. */
    readonly example: string;
    /** API path relative to the base URL, no leading slash (the base URL is an origin: config refuses one with a path). */
    readonly path: string;
    /** The method that sets a URL when none is set. */
    readonly create: "POST" | "PATCH";
    /** The method that replaces a URL that is set. */
    readonly update: "PUT" | "POST" | "PATCH";
    /** `DELETE` when the API can clear the setting; absent when destroy can only put a URL back. */
    readonly remove?: "DELETE";
    /** The GET takes `?mchid=<merchant>`. */
    readonly readQuery?: boolean;
    /** The body also carries `mchid` (the caller's). */
    readonly bodyMchid?: boolean;
    /**
     * The API's replies name no merchant (only the URL): a signed 2xx "none" then needs no `mchid` to be this
     * merchant's (see meansNoneSet in client.ts). Absent: the replies carry `mchid`.
     */
    readonly replyWithoutMchid?: boolean;
    /** The JSON field holding the URL, in requests and replies. */
    readonly wireField: "notify_url" | "url";
    /** WeChat Pay's length limit on the URL. */
    readonly maxLength: number;
    /**
     * The API's own GET reply when nothing is set (documented, or where undocumented the one expected). meansNoneSet in
     * client.ts takes it and every other signed reply that plainly says "none" alike; this one is for messages, the
     * emulator's default and tests.
     */
    readonly unset: ReplyCode;
    /** What to tell a person about an error code of this API (overrides the general hint). */
    readonly hints?: Readonly<Record<string, string>>;
}

/** The path as messages show it: `/v3/…`. */
export const shownPath = (endpoint: NotifyEndpoint): string => `/${endpoint.path}`;
