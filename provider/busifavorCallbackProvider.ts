import { BUSIFAVOR_CALLBACK } from "./endpoints";
import { NotifySettingProvider } from "./provider";

/**
 * The provider object every BusifavorCallback hands to Pulumi, as this module's whole export: Pulumi's closure serializer then
 * writes `require("pulumi-wechatpay/dist/busifavorCallbackProvider.js")` into state (see providerInstance.ts).
 */
export = new NotifySettingProvider(BUSIFAVOR_CALLBACK);
