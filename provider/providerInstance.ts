import { MEMBERCARD_CALLBACK } from "./endpoints";
import { NotifySettingProvider } from "./provider";

/**
 * The provider object every MembercardCallback hands to Pulumi. It is this module's whole export on purpose: Pulumi's
 * closure serializer writes a value that is an installed module's `module.exports` as
 * `require("pulumi-wechatpay/dist/providerInstance.js")` instead of copying its code into state. So `__provider`
 * stays a few hundred bytes, captures nothing, and the provider host always runs the installed version's code, even
 * for `read`/`delete` of state written by an older version (pulumi/pulumi#6490).
 */
export = new NotifySettingProvider(MEMBERCARD_CALLBACK);
