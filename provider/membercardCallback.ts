import * as pulumi from "@pulumi/pulumi";

import provider = require("./providerInstance");

/** The inputs of a {@link MembercardCallback}. */
export interface MembercardCallbackArgs {
    /**
     * The https URL that receives the merchant's member-card events (会员卡事件通知地址). WeChat Pay requires an
     * absolute `https://` URL of at most 256 characters, reachable from the internet, with a path and without a query
     * string or port; this package also asks for plain ASCII (percent-encoded), a public host name or address, and no
     * fragment or credentials. It is sent exactly as given, trimmed. It may come from another resource's output.
     *
     * @example "https://api.example.com/wechatpay/membercard"
     * @example api.url.apply((u) => `${u}/wechatpay/membercard`)
     */
    notifyUrl: pulumi.Input<string>;
    /**
     * The merchant (商户号) whose URL this is, for stacks that manage several merchants: selects the profile
     * `wechatpay:merchants.<mchid>` in stack config. Changing it replaces the resource (the old merchant's setting is
     * restored with the old merchant's own credentials).
     *
     * @default the stack's `wechatpay:mchid`
     * @example "1900000002"
     */
    mchid?: pulumi.Input<string>;
}

/**
 * The member-card event callback URL (会员卡开放 · 回调地址) of a WeChat Pay merchant: the stack's `wechatpay:mchid`,
 * or the `mchid` input with its profile in `wechatpay:merchants`. Creating it adopts whatever URL the merchant had, `pulumi up` sets
 * `notifyUrl`, `pulumi refresh` reads the live value, and destroying it puts back the URL that was live before,
 * unless someone changed it since.
 *
 * @example
 * ```ts
 * const callback = new MembercardCallback("membercard", {
 *     notifyUrl: "https://api.example.com/wechatpay/membercard",
 * });
 * export const mchid = callback.mchid;
 * ```
 */
export class MembercardCallback extends pulumi.dynamic.Resource {
    /** The live notify URL, as last read from WeChat Pay. */
    declare readonly notifyUrl: pulumi.Output<string>;
    /** The merchant id (商户号) the URL belongs to; also the resource id. */
    declare readonly mchid: pulumi.Output<string>;
    /** The URL this resource last set. Differs from `notifyUrl` after someone changed it outside Pulumi. */
    declare readonly appliedNotifyUrl: pulumi.Output<string>;
    /** The URL that was live before this resource first set one, put back on destroy; undefined when none was. */
    declare readonly previousNotifyUrl: pulumi.Output<string | undefined>;

    /**
     * @param name The unique name of the resource.
     * @param args The notify URL to set.
     * @param opts Resource options. `retainOnDelete: true` leaves the live URL in place on destroy.
     */
    constructor(name: string, args: MembercardCallbackArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                notifyUrl: args.notifyUrl,
                mchid: claimed(name, args.mchid),
                appliedNotifyUrl: undefined,
                previousNotifyUrl: undefined,
            },
            opts,
            "wechatpay",
            "MembercardCallback",
        );
    }
}

/** Which resource of the running deployment manages which merchant, keyed by the deployment (see `deployment`). */
const claims = new WeakMap<object, Map<string, string>>();

/** The merchant this program's stack config (or environment) selects; the provider host resolves the same way. */
function configuredMchid(): string | undefined {
    const value = new pulumi.Config("wechatpay").get("mchid") ?? process.env.WECHATPAY_MCHID;
    return value?.trim() || undefined;
}

/**
 * The running deployment: its root Stack resource, or under `pulumi.runtime.setMocks` (no Stack resource unless the
 * test makes one) the mock monitor, which each `setMocks` call replaces. Undefined outside any Pulumi program.
 */
function deployment(): object | undefined {
    return pulumi.runtime.getStackResource() ?? pulumi.runtime.getMonitor();
}

/**
 * WeChat Pay keeps one member-card notify URL per merchant: two resources for the same merchant would overwrite each
 * other on every `up`. Refuse the second one. The check is per deployment, so Automation API programs that run
 * several times in one process are not confused.
 *
 * A merchant known now is checked now, so the constructor throws. A merchant that is an Output (or a promise) is
 * checked when its value is known: the returned input then fails with the same error, which fails this resource's
 * registration and the program. While the value is unknown (a preview where it comes from a resource not yet
 * created) it cannot be checked; `pulumi up` checks it.
 */
function claimed(name: string, mchid: pulumi.Input<string> | undefined): pulumi.Input<string> | undefined {
    const scope = deployment();
    if (typeof mchid === "string" || mchid === undefined) {
        claimMerchant(scope, name, mchid || configuredMchid());
        return mchid;
    }
    const fallback = configuredMchid();
    return pulumi.output(mchid).apply((known) => {
        claimMerchant(scope, name, known || fallback);
        return known;
    });
}

function claimMerchant(scope: object | undefined, name: string, mchid: string | undefined): void {
    if (scope === undefined || mchid === undefined) {
        return;
    }
    const owners = claims.get(scope) ?? new Map<string, string>();
    claims.set(scope, owners);
    const owner = owners.get(mchid);
    if (owner !== undefined) {
        throw new Error(
            `MembercardCallback "${name}" would manage merchant ${mchid}, which MembercardCallback "${owner}" in this ` +
                "stack already manages. WeChat Pay keeps one member-card notify URL per merchant, so the two would " +
                "overwrite each other on every update: keep one MembercardCallback per merchant.",
        );
    }
    owners.set(mchid, name);
}
