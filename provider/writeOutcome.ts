/**
 * What a write that did not plainly succeed leaves behind, carried on its error: whether it may have landed
 * (`uncertain`), the setting a signed read showed right after it (`observed`), and the URL it may have replaced
 * (`replaced`). The client marks them; the lifecycle (provider.ts) reads them to decide what to record.
 */

/** The live notify-URL setting of one merchant at one API. */
export interface CallbackSetting {
    mchid: string;
    /** undefined when none was ever set (or it was cleared). */
    notifyUrl: string | undefined;
    /** After a refused create: the URL someone set in the meantime, which the update then replaced. */
    replaced?: string;
}

/** Two sentences as one message, with one full stop between them. */
export const sentences = (first: string, second: string): string => `${first.replace(/\.+$/, "")}. ${second}`;

/**
 * True when a write (PATCH, POST, PUT, DELETE) may have been applied although it did not succeed: marked so by the
 * client (an attempt got no answer after it may have left, a 5xx, a reply that could not be verified or used), or an
 * unverifiable or unusable reply.
 */
export function isUncertain(e: unknown): boolean {
    const err = e as { name?: unknown; status?: unknown; uncertain?: unknown };
    if (err.uncertain === true) {
        return true;
    }
    if (err.name === "WechatpayVerificationError" || err.name === "WechatpayNetworkError") {
        return true;
    }
    return (
        err.name === "WechatpayResponseError" &&
        (err.status === undefined || (typeof err.status === "number" && err.status >= 200 && err.status < 300))
    );
}

/**
 * The error of a write whose outcome was unknown, after the signed read that tried to settle it: still uncertain (the
 * write may land later), and saying what the read showed. `setting` names it for the message.
 */
export function settled(e: unknown, live: CallbackSetting | undefined, setting: string): unknown {
    if (typeof e !== "object" || e === null) {
        return e;
    }
    const err = e as { message?: unknown; uncertain?: boolean; observed?: CallbackSetting };
    if (live !== undefined) {
        // What the signed read showed, for the caller's record (an earlier unconfirmed URL may be the live one).
        err.observed = live;
    }
    if (err.uncertain === true && typeof err.message === "string") {
        err.message = sentences(
            err.message,
            live === undefined
                ? "The signed read to confirm the outcome failed too: WeChat Pay may or may not have applied it"
                : `A signed read right after shows the ${setting} is ${live.notifyUrl ?? "not set"} (not applied so far; it may still land)`,
        );
    }
    return e;
}

/** The setting a signed read showed after a write whose outcome stayed unknown, if that read succeeded. */
export function observedAfter(e: unknown): CallbackSetting | undefined {
    const observed = (e as { observed?: unknown } | undefined)?.observed;
    return typeof observed === "object" && observed !== null ? (observed as CallbackSetting) : undefined;
}

/** `e`, marked with the URL a failed write may have replaced (someone else's, set between our read and our create). */
export const withReplaced = (e: unknown, replaced: string): unknown =>
    typeof e === "object" && e !== null ? Object.assign(e, { replaced }) : e;

/** The URL a failed write may have replaced, if known (see {@link withReplaced}). */
export function replacedBy(e: unknown): string | undefined {
    const replaced = (e as { replaced?: unknown } | undefined)?.replaced;
    return typeof replaced === "string" ? replaced : undefined;
}
