/**
 * Three brands, three merchant numbers (商户号), one stack. The first uses the stack's single-merchant keys
 * (`wechatpay:mchid` …); the others name their merchant with `mchid`, whose credentials are the profiles
 * `wechatpay:merchants.<mchid>` in stack config. Each merchant's requests are signed with its own key.
 *
 *     pulumi config set --path 'brands.a.notifyUrl' https://api.example.com/brand-a/membercard
 *     pulumi config set --path 'brands.b.mchid' 1900000002
 *     pulumi config set --path 'brands.b.notifyUrl' https://api.example.com/brand-b/membercard   (and c)
 *     pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { MembercardCallback } from "pulumi-wechatpay";

interface Brand {
    /** Merchant id; undefined for the stack's default merchant (`wechatpay:mchid`). */
    mchid?: string;
    notifyUrl: string;
}

const brands = new pulumi.Config().requireObject<Record<string, Brand>>("brands");

export const callbacks = Object.fromEntries(
    Object.entries(brands).map(([name, brand]) => {
        const callback = new MembercardCallback(`membercard-${name}`, {
            notifyUrl: brand.notifyUrl,
            ...(brand.mchid ? { mchid: brand.mchid } : {}),
        });
        return [name, { mchid: callback.mchid, notifyUrl: callback.notifyUrl }];
    }),
);
