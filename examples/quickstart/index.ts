/**
 * Quick start: the member-card event callback URL (会员卡事件回调地址) of the merchant configured in this stack
 * (`wechatpay:mchid` and its credentials) is the URL in the stack config value `notifyUrl`.
 *
 *     pulumi config set notifyUrl https://api.example.com/wechatpay/membercard
 *     pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { MembercardCallback } from "pulumi-wechatpay";

const url = new pulumi.Config().require("notifyUrl");

const callback = new MembercardCallback("membercard", { notifyUrl: url });

/** The merchant (商户号) whose setting this stack manages; also the resource id. */
export const mchid = callback.mchid;
/** The live URL, as last read from WeChat Pay. */
export const notifyUrl = callback.notifyUrl;
/** The URL that was set before this stack took over, if any: `pulumi destroy` puts it back. */
export const previousNotifyUrl = callback.previousNotifyUrl;
