/**
 * TypeScript programs that use the wechatpay plugin's resources through the real CLI. Until the generated Node.js SDK
 * exists, the program declares the plugin's resource and provider with `pulumi.CustomResource` and
 * `pulumi.ProviderResource` (the same type tokens and properties a generated SDK uses).
 */

/** The stand-in SDK classes, then `body`. */
export function pluginProgram(body: string): string {
    return `import * as pulumi from "@pulumi/pulumi";

class Provider extends pulumi.ProviderResource {
    constructor(name: string, args: Record<string, pulumi.Input<string> | undefined>, opts?: pulumi.ResourceOptions) {
        super("wechatpay", name, args, opts);
    }
}

class MembercardCallback extends pulumi.CustomResource {
    declare readonly notifyUrl: pulumi.Output<string>;
    declare readonly mchid: pulumi.Output<string>;
    declare readonly previousNotifyUrl: pulumi.Output<string | undefined>;
    constructor(
        name: string,
        args: { notifyUrl: pulumi.Input<string>; mchid?: pulumi.Input<string> },
        opts?: pulumi.CustomResourceOptions,
    ) {
        const props = { ...args, appliedNotifyUrl: undefined, previousNotifyUrl: undefined, unconfirmedNotifyUrl: undefined };
        super("wechatpay:index:MembercardCallback", name, props, opts);
    }
}

const wechatpay = new pulumi.Config("wechatpay");
const app = new pulumi.Config();
${body}
`;
}

/** The quick start on an explicit provider instance for one merchant. */
export const QUICKSTART = pluginProgram(`
const brandA = new Provider("brand-a", {
    mchid: wechatpay.require("mchid"),
    serial: wechatpay.require("serial"),
    privateKey: wechatpay.requireSecret("privateKey"),
    publicKeyId: wechatpay.require("publicKeyId"),
    publicKey: wechatpay.require("publicKey"),
    baseUrl: wechatpay.require("baseUrl"),
});
const callback = new MembercardCallback("membercard", { notifyUrl: app.require("notifyUrl") }, { provider: brandA });
export const live = callback.notifyUrl;
`);

/** The dynamic resource, before the move. */
export const DYNAMIC = `import * as pulumi from "@pulumi/pulumi";
import { MembercardCallback } from "pulumi-wechatpay";

const callback = new MembercardCallback("membercard", { notifyUrl: new pulumi.Config().require("notifyUrl") });
export const live = callback.notifyUrl;
`;

/**
 * After the move: the plugin's resource under the same name, on the default \`wechatpay\` provider (stack config
 * \`wechatpay:*\`), with an alias naming the dynamic resource's type token.
 */
export const MOVED = pluginProgram(`
const callback = new MembercardCallback(
    "membercard",
    { notifyUrl: app.require("notifyUrl") },
    { aliases: [{ type: "pulumi-nodejs:dynamic/wechatpay:MembercardCallback" }] },
);
export const live = callback.notifyUrl;
`);
