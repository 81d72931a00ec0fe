import type * as pulumi from "@pulumi/pulumi";
import { type NotifySettingArgs, NotifySettingResource } from "./notifySetting";

import provider = require("./providerInstance");

/** The inputs of a {@link MembercardCallback}. */
export interface MembercardCallbackArgs extends NotifySettingArgs {
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
export class MembercardCallback extends NotifySettingResource {
    /**
     * @param name The unique name of the resource.
     * @param args The notify URL to set.
     * @param opts Resource options. `retainOnDelete: true` leaves the live URL in place on destroy.
     */
    constructor(name: string, args: MembercardCallbackArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
