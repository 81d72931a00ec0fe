"""A WeChat Pay merchant's member-card callback URL (会员卡事件回调地址), set by the wechatpay provider plugin."""

import pulumi
import pulumi_wechatpay as wechatpay

config = pulumi.Config()

# The stack's default wechatpay provider reads the wechatpay:* settings (docs/credentials.md).
membercard = wechatpay.MembercardCallback("membercard", notify_url=config.require("notifyUrl"))

pulumi.export("notifyUrl", membercard.notify_url)
pulumi.export("previousNotifyUrl", membercard.previous_notify_url)
