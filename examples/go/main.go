// A WeChat Pay merchant's member-card callback URL (会员卡事件回调地址), set by the wechatpay provider plugin.
package main

import (
	"github.com/pulumi-wechatpay/pulumi-wechatpay/sdk/go/wechatpay"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		// The stack's default wechatpay provider reads the wechatpay:* settings (docs/credentials.md).
		membercard, err := wechatpay.NewMembercardCallback(ctx, "membercard", &wechatpay.MembercardCallbackArgs{
			NotifyUrl: pulumi.String(config.Require(ctx, "notifyUrl")),
		})
		if err != nil {
			return err
		}
		ctx.Export("notifyUrl", membercard.NotifyUrl)
		ctx.Export("previousNotifyUrl", membercard.PreviousNotifyUrl)
		return nil
	})
}
