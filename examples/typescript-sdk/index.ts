import * as pulumi from "@pulumi/pulumi";
import * as wechatpay from "@pulumi-wechatpay/wechatpay";

const config = new pulumi.Config();

// The stack's default wechatpay provider reads the wechatpay:* settings (docs/credentials.md).
const membercard = new wechatpay.MembercardCallback("membercard", { notifyUrl: config.require("notifyUrl") });

export const notifyUrl = membercard.notifyUrl;
export const previousNotifyUrl = membercard.previousNotifyUrl;
