import { COMPLAINT_NOTIFICATION } from "./endpoints";
import { NotifySettingProvider } from "./provider";

/**
 * The provider object every ComplaintNotification hands to Pulumi, as this module's whole export: Pulumi's closure serializer then
 * writes `require("pulumi-wechatpay/dist/complaintNotificationProvider.js")` into state (see providerInstance.ts).
 */
export = new NotifySettingProvider(COMPLAINT_NOTIFICATION);
