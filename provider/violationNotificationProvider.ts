import { VIOLATION_NOTIFICATION } from "./endpoints";
import { NotifySettingProvider } from "./provider";

/**
 * The provider object every ViolationNotification hands to Pulumi, as this module's whole export: Pulumi's closure serializer then
 * writes `require("pulumi-wechatpay/dist/violationNotificationProvider.js")` into state (see providerInstance.ts).
 */
export = new NotifySettingProvider(VIOLATION_NOTIFICATION);
