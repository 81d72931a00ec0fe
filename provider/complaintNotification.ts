import type * as pulumi from "@pulumi/pulumi";
import { type NotifySettingArgs, NotifySettingResource } from "./notifySetting";

import provider = require("./complaintNotificationProvider");

/** The inputs of a {@link ComplaintNotification}. */
export interface ComplaintNotificationArgs extends NotifySettingArgs {
    /**
     * The https URL that receives consumer-complaint notifications (投诉通知回调地址): at most 255 characters
     * (WeChat Pay's limit for this API), with a path, no query string or port.
     *
     * @example "https://api.example.com/wechatpay/complaints"
     */
    notifyUrl: pulumi.Input<string>;
}

/**
 * The consumer-complaint notification URL (消费者投诉2.0 · 投诉通知回调) of a WeChat Pay direct merchant, service
 * provider or channel partner; a service provider receives its sub-merchants' complaints too. Creating it adopts the
 * URL the merchant had (`PUT`) or creates one (`POST`); `pulumi refresh` reads it; destroying it puts back the URL
 * that was live before, or deletes the setting when there was none, unless someone changed it since.
 *
 * @example
 * ```ts
 * new ComplaintNotification("complaints", { notifyUrl: "https://api.example.com/wechatpay/complaints" });
 * ```
 */
export class ComplaintNotification extends NotifySettingResource {
    /**
     * @param name The unique name of the resource.
     * @param args The notify URL to set.
     * @param opts Resource options. `retainOnDelete: true` leaves the live URL in place on destroy.
     */
    constructor(name: string, args: ComplaintNotificationArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
