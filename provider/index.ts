/**
 * pulumi-wechatpay: manage a WeChat Pay merchant's member-card event callback URL with Pulumi.
 *
 * @packageDocumentation
 */

export { BACKUP_BASE_URL, DEFAULT_BASE_URL } from "./config";
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
export { type CheckFailure, notifyUrlProblem } from "./validate";
