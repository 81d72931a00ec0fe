import type * as pulumi from "@pulumi/pulumi";
import { type NotifySettingArgs, NotifySettingResource } from "./notifySetting";

import provider = require("./busifavorCallbackProvider");

/** The inputs of a {@link BusifavorCallback}. */
export interface BusifavorCallbackArgs extends NotifySettingArgs {
    /**
     * The https URL that receives merchant-coupon events (商家券事件通知地址): at most 256 characters, with a path,
     * no query string or port.
     *
     * @example "https://api.example.com/wechatpay/busifavor"
     */
    notifyUrl: pulumi.Input<string>;
}

/**
 * The merchant-coupon (商家券) event notify URL of a WeChat Pay merchant. The API can set and read it, not clear it:
 * creating it adopts the URL the merchant had, `pulumi refresh` reads it, and destroying it puts back the URL that
 * was live before; when there was none, the URL stays (and the reason is printed). Events arrive only when the coupon
 * creator enabled 营销事件推送 and the merchant set its APIv3 key.
 *
 * @example
 * ```ts
 * new BusifavorCallback("coupons", { notifyUrl: "https://api.example.com/wechatpay/busifavor" });
 * ```
 */
export class BusifavorCallback extends NotifySettingResource {
    /**
     * @param name The unique name of the resource.
     * @param args The notify URL to set.
     * @param opts Resource options. `retainOnDelete: true` leaves the live URL in place on destroy.
     */
    constructor(name: string, args: BusifavorCallbackArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
