import * as pulumi from "@pulumi/pulumi";

import provider = require("./providerInstance");

/** The inputs of a {@link MembercardCallback}. */
export interface MembercardCallbackArgs {
    /**
     * The https URL that receives the merchant's member-card events (会员卡事件通知地址). WeChat Pay requires an
     * absolute `https://` URL of at most 256 characters, reachable from the internet, with a path and without a query
     * string, fragment or port. It may come from another resource's output.
     *
     * @example "https://api.example.com/wechatpay/membercard"
     * @example api.url.apply((u) => `${u}/wechatpay/membercard`)
     */
    notifyUrl: pulumi.Input<string>;
}

/**
 * The member-card event callback URL (会员卡开放 · 回调地址) of the WeChat Pay merchant configured in the stack
 * (`wechatpay:mchid` and its credentials). Creating it adopts whatever URL the merchant had, `pulumi up` sets
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
            { notifyUrl: args.notifyUrl, mchid: undefined, appliedNotifyUrl: undefined, previousNotifyUrl: undefined },
            opts,
            "wechatpay",
            "MembercardCallback",
        );
    }
}
