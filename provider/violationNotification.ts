import type * as pulumi from "@pulumi/pulumi";
import { type NotifySettingArgs, NotifySettingResource } from "./notifySetting";

import provider = require("./violationNotificationProvider");

/** The inputs of a {@link ViolationNotification}. */
export interface ViolationNotificationArgs extends NotifySettingArgs {
    /**
     * The https URL that receives merchant-violation notifications (商户违规通知回调地址): at most 256 characters,
     * with a path, no query string or port.
     *
     * @example "https://api.example.com/wechatpay/violations"
     */
    notifyUrl: pulumi.Input<string>;
}

/**
 * The merchant-violation notification URL (商户平台处置通知 · 违规通知回调) of a WeChat Pay service provider,
 * institution or channel partner; direct merchants cannot call this API (the error says so). Creating it adopts the
 * URL that was set (`PUT`) or creates one (`POST`); `pulumi refresh` reads it; destroying it puts back the URL that
 * was live before, or deletes the setting when there was none, unless someone changed it since.
 *
 * @example
 * ```ts
 * new ViolationNotification("violations", { notifyUrl: "https://api.example.com/wechatpay/violations" });
 * ```
 */
export class ViolationNotification extends NotifySettingResource {
    /**
     * @param name The unique name of the resource.
     * @param args The notify URL to set.
     * @param opts Resource options. `retainOnDelete: true` leaves the live URL in place on destroy.
     */
    constructor(name: string, args: ViolationNotificationArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
