/**
 * The notify-URL APIs this package manages, one {@link NotifyEndpoint} each. Every fact is cited next to it; what
 * WeChat Pay does not document is marked INFERRED, with the choice that cannot lose data.
 */

import type { NotifyEndpoint } from "./notifyEndpoint";

/**
 * 会员卡开放 · 回调地址: `PATCH` sets and `GET` reads `{notify_url}` (string(256), https); no DELETE
 * (https://pay.weixin.qq.com/doc/v3/merchant/4012552251, https://pay.weixin.qq.com/doc/v3/merchant/4012552275).
 * Callers: 普通商户, 普通服务商.
 */
export const MEMBERCARD_CALLBACK: NotifyEndpoint = {
    name: "MembercardCallback",
    setting: "member-card notify URL",
    events: "member-card events",
    example: "https://api.example.com/wechatpay/membercard",
    path: "v3/marketing/membercard-open/callback",
    create: "PATCH",
    update: "PATCH",
    wireField: "notify_url",
    maxLength: 256,
    // INFERRED: the unset reply is undocumented; see meansNoneSet in client.ts.
    unset: { status: 404, code: "RESOURCE_NOT_EXISTS" },
    hints: {
        // 403 NO_AUTH "商户无权限" (error table of 设置/查询回调地址): the product is enabled by the member card's creator.
        NO_AUTH:
            "The member-card open product (会员卡开放) is not enabled for this merchant: the member card's creator " +
            "must enable the product permission in the WeChat Pay merchant platform (pay.weixin.qq.com)",
    },
};

/**
 * 消费者投诉2.0 · 投诉通知回调: `POST` creates, `GET` reads, `PUT` updates, `DELETE` removes (204), all on one path
 * without parameters (https://pay.weixin.qq.com/doc/v3/merchant/4012458679 POST,
 * https://pay.weixin.qq.com/doc/v3/merchant/4012459014 GET, https://pay.weixin.qq.com/doc/v3/merchant/4012459282 PUT,
 * https://pay.weixin.qq.com/doc/v3/merchant/4012460452 DELETE; OpenAPI copy
 * https://github.com/TheNorthMemory/wechatpay-openapi docs/v3/merchant-service/complaint-notifications.yaml).
 * Field `url`, string(255), https only ("url string(255) … 通知地址，仅支持https", old wiki pages of 创建/查询投诉通知
 * 回调地址). Callers: 直连商户, 服务商, 渠道商; a service
 * provider receives all its sub-merchants' complaints.
 */
export const COMPLAINT_NOTIFICATION: NotifyEndpoint = {
    name: "ComplaintNotification",
    setting: "complaint notification URL",
    events: "consumer-complaint notifications",
    example: "https://api.example.com/wechatpay/complaints",
    path: "v3/merchant-service/complaint-notifications",
    create: "POST",
    update: "PUT",
    remove: "DELETE",
    wireField: "url",
    maxLength: 255,
    // GET when none is set: 400 RESOURCE_NOT_EXISTS "查询的通知回调不存在" (old wiki 查询投诉通知回调地址, error table,
    // https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter10_2_3.shtml). Only a signed reply for this merchant
    // counts (WeChat Pay also uses the code for other things, unsigned, e.g. before it verified the request).
    unset: { status: 400, code: "RESOURCE_NOT_EXISTS" },
    // DELETE when none is set is undocumented (the old DELETE page's error table lists only SYSTEM_ERROR,
    // PARAM_ERROR, NO_AUTH and FREQUENCY_LIMITED): the lifecycle reads before it deletes, never deletes blind.
    hints: {
        NO_AUTH:
            "WeChat Pay says this merchant may not manage complaint notifications (商户信息不合法): only direct " +
            "merchants (直连商户), service providers (服务商) and channel partners (渠道商) can; check the merchant id",
        PARAM_ERROR:
            "WeChat Pay refused the request as sent: check `notifyUrl` (https, at most 255 characters, no query)",
    },
};

/**
 * 商家券 · 设置/查询商家券事件通知地址: `POST {mchid, notify_url}` sets, `GET ?mchid=` reads; no PUT or DELETE
 * (https://pay.weixin.qq.com/doc/v3/merchant/4012465431 set, https://pay.weixin.qq.com/doc/v3/merchant/4012465507
 * get; wechatpay-java MerchantExclusiveCouponService setCouponNotify/getCouponNotify). `notify_url` string(256),
 * https. The GET shows only a URL the requesting merchant set ("仅可以查询由请求商户号设置的商家券通知URL").
 * Callers: 普通商户 (merchant page); 服务商, 渠道商 (partner page). Notifications also need 营销事件推送 enabled and an
 * APIv3 key (https://pay.weixin.qq.com/doc/v3/merchant/4012062309).
 */
export const BUSIFAVOR_CALLBACK: NotifyEndpoint = {
    name: "BusifavorCallback",
    setting: "merchant-coupon notify URL",
    events: "merchant-coupon (商家券) events",
    example: "https://api.example.com/wechatpay/busifavor",
    path: "v3/marketing/busifavor/callbacks",
    create: "POST",
    update: "POST",
    readQuery: true,
    bodyMchid: true,
    wireField: "notify_url",
    maxLength: 256,
    // INFERRED: the unset reply is undocumented for this GET; the product's old error table lists
    // 404 RESOURCE_NOT_EXISTS "查询的资源不存在" (https://pay.weixin.qq.com/wiki/doc/apiv3_partner/apis/chapter9_2_8.shtml).
    unset: { status: 404, code: "RESOURCE_NOT_EXISTS" },
    hints: {
        NO_AUTH:
            "WeChat Pay says this merchant may not set merchant-coupon (商家券) notifications: the coupon's creator " +
            "must enable 营销事件推送 in the WeChat Pay merchant platform, and the merchant must have the product",
    },
};

/** The hint for a merchant type that may not call the violation API (see VIOLATION_NOTIFICATION). */
const VIOLATION_CALLERS =
    "Only service providers (普通服务商), institutions (从业机构) and channel partners (渠道商) can manage violation " +
    "notifications; a direct merchant (普通商户) gets this reply (商户类型错误 or 商户信息不合法). If this merchant is one of " +
    "those, check `notifyUrl` (https, at most 256 characters, no query)";

/**
 * 商户违规通知回调: `POST` creates, `GET` reads, `PUT` updates, `DELETE` removes (204); replies carry only
 * `{notify_url}` (https://pay.weixin.qq.com/doc/v3/partner/4012471327 create,
 * https://pay.weixin.qq.com/docs/partner/products/violation-notice/apilist.html GET,
 * https://pay.weixin.qq.com/doc/v3/partner/4012471330 PUT,
 * https://pay.weixin.qq.com/docs/partner/apis/violation-notice/violation-notifications/delete-violation-notification.html
 * DELETE). `notify_url` string(256): reachable, no parameters, https for public domains ("通知url必须为外网可访问的
 * url,不能携带参数。公网域名必须为https"); http over a private line (专线) is not supported here. Callers: 普通服务商,
 * 从业机构(银行/支付机构), 渠道商 only.
 */
export const VIOLATION_NOTIFICATION: NotifyEndpoint = {
    name: "ViolationNotification",
    setting: "violation notification URL",
    events: "merchant-violation notifications",
    example: "https://api.example.com/wechatpay/violations",
    path: "v3/merchant-risk-manage/violation-notifications",
    replyWithoutMchid: true,
    create: "POST",
    update: "PUT",
    remove: "DELETE",
    wireField: "notify_url",
    maxLength: 256,
    // GET when none is set: 404 NOT_FOUND "查询的通知回调不存在" (old partner wiki,
    // https://pay.weixin.qq.com/wiki/doc/apiv3_partner/apis/chapter10_3_2.shtml, not re-read; it
    // matches the DELETE page's documented row). A 404 NOT_FOUND is also what WeChat Pay answers for an unknown route,
    // unsigned: only the signed one counts.
    unset: { status: 404, code: "NOT_FOUND" },
    // DELETE when none is set: 404 NOT_FOUND "删除的通知回调不存在" (DELETE page, business error table); read as
    // "none" like any signed none, and confirmed by a read (see deleteCallback in client.ts).
    // A direct merchant calling this API gets 400 INVALID_REQUEST "商户类型错误" (developer community; INFERRED) or
    // 403 NO_AUTH "商户信息不合法" (DELETE page's table): the hint covers both and does not depend on the message.
    hints: { INVALID_REQUEST: VIOLATION_CALLERS, NO_AUTH: VIOLATION_CALLERS },
};
