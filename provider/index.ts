/**
 * pulumi-wechatpay: manage a WeChat Pay merchant's notification URLs with Pulumi: member-card callback, complaint
 * notifications, merchant-coupon callback and violation notifications.
 *
 * @packageDocumentation
 */

export { BusifavorCallback, type BusifavorCallbackArgs } from "./busifavorCallback";
export { ComplaintNotification, type ComplaintNotificationArgs } from "./complaintNotification";
export {
    isWechatpayApiError,
    isWechatpayError,
    isWechatpayNetworkError,
    isWechatpayResponseError,
    isWechatpayStateError,
    isWechatpayVerificationError,
    type ResponseProblem,
    WechatpayApiError,
    WechatpayError,
    WechatpayNetworkError,
    WechatpayResponseError,
    WechatpayStateError,
    WechatpayVerificationError,
} from "./errors";
export { MembercardCallback, type MembercardCallbackArgs } from "./membercardCallback";
export { type NotifySettingArgs, NotifySettingResource } from "./notifySetting";
export { BACKUP_BASE_URL, DEFAULT_BASE_URL } from "./settings";
export { type CheckFailure, notifyUrlProblem } from "./validate";
export { ViolationNotification, type ViolationNotificationArgs } from "./violationNotification";
