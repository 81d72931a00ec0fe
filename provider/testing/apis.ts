/**
 * The emulator's model of WeChat Pay's notify-URL APIs: per route, the
 * methods, the body it takes, the rules and the errors WeChat Pay documents. Where WeChat Pay documents nothing (what
 * a POST answers when a URL is already set, or a PUT when none is), the emulator refuses, so a client that does not
 * read first fails here too; those choices are marked INFERRED. Pure: no HTTP, no crypto.
 */

import { notifyUrlRuleBroken } from "./notifyUrlRules";
import { EmulatorError, type NotifySettingsState, noneSetAnswer, paramError, type SettingName } from "./state";

/** What a route answers, before signing: a status and a JSON body (none for 204). */
export interface Answer {
    status: number;
    body?: Record<string, unknown>;
}

/** What one request brings to a route, already authenticated. */
export interface RouteRequest {
    state: NotifySettingsState;
    mchid: string;
    /** What a successful member-card PATCH answers (the emulator's `patchReply` option). */
    patchReply?: "body" | "no-content";
    method: string;
    /** The request body as UTF-8 text ("" for GET and DELETE). */
    body: string;
    query: URLSearchParams;
}

/** One API path the emulator serves. */
export interface Route {
    readonly setting: SettingName;
    readonly path: string;
    /** The methods it serves, for 405's `Allow`. */
    readonly methods: readonly string[];
    answer(request: RouteRequest): Answer;
}

/** Parses a JSON object body that may have only `allowed` keys; 400 PARAM_ERROR otherwise. */
function parseObject(text: string, allowed: readonly string[]): Record<string, unknown> {
    let body: unknown;
    try {
        body = JSON.parse(text);
    } catch {
        throw paramError("request body is not valid JSON");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw paramError("request body must be a JSON object");
    }
    const extra = Object.keys(body).filter((key) => !allowed.includes(key));
    if (extra.length > 0) {
        throw paramError(`request body has unexpected field(s) ${extra.join(", ")}; it takes ${allowed.join(", ")}`);
    }
    return body as Record<string, unknown>;
}

/** The URL in `field` of a body, checked against the documented rules; 400 PARAM_ERROR otherwise. */
function urlField(body: Record<string, unknown>, field: string, maxLength: number): string {
    const value = body[field];
    if (value === undefined) {
        throw paramError(`${field} is required`);
    }
    if (typeof value !== "string") {
        throw paramError(`${field} must be a string`);
    }
    const broken = notifyUrlRuleBroken(value, field, maxLength);
    if (broken !== undefined) {
        throw paramError(broken);
    }
    return value;
}

/** A GET's answer when `mchid` has none set: the merchant's chosen shape, or the API's `documented` reply. */
const noneSet = (req: RouteRequest, documented: EmulatorError, field: string, withMchid: boolean): Answer =>
    noneSetAnswer(req.state.unsetReply(req.mchid), documented, req.mchid, field, withMchid);

/**
 * 会员卡开放 · 回调地址 (https://pay.weixin.qq.com/doc/v3/merchant/4012552251 PATCH, 4012552275 GET): PATCH
 * `{notify_url}` string(256) https → 200 `{notify_url, mchid}`; GET → 200 `{notify_url, mchid}`. What GET answers
 * when none was ever set is undocumented (INFERRED: 404 RESOURCE_NOT_EXISTS, WeChat Pay's code for a missing
 * resource).
 */
const membercard: Route = {
    setting: "membercard",
    path: "/v3/marketing/membercard-open/callback",
    methods: ["GET", "PATCH"],
    answer(req) {
        const { state, mchid, method, body } = req;
        if (method === "GET") {
            const live = state.get(mchid, "membercard");
            if (live === undefined) {
                const message = `No member-card callback URL has been set for merchant ${mchid}.`;
                return noneSet(req, new EmulatorError(404, "RESOURCE_NOT_EXISTS", message), "notify_url", true);
            }
            return { status: 200, body: { notify_url: live, mchid } };
        }
        const url = urlField(parseObject(body, ["notify_url"]), "notify_url", 256);
        state.set(mchid, url, "membercard");
        return req.patchReply === "no-content" ? { status: 204 } : { status: 200, body: { notify_url: url, mchid } };
    },
};

/**
 * 消费者投诉2.0 · 投诉通知回调 (https://pay.weixin.qq.com/doc/v3/merchant/4012459014): POST/PUT `{url}` string(255)
 * https → 200 `{mchid, url}`; GET → 200 `{mchid, url}`, or 400 RESOURCE_NOT_EXISTS "查询的通知回调不存在" when none
 * is set; DELETE → 204. Direct merchants and service providers may call it.
 */
const complaint: Route = {
    setting: "complaint",
    path: "/v3/merchant-service/complaint-notifications",
    methods: ["GET", "POST", "PUT", "DELETE"],
    answer(req) {
        const { state, mchid, method, body } = req;
        const live = state.get(mchid, "complaint");
        const notSet = () => new EmulatorError(400, "RESOURCE_NOT_EXISTS", "查询的通知回调不存在");
        switch (method) {
            case "GET":
                if (live === undefined) {
                    return noneSet(req, notSet(), "url", true);
                }
                return { status: 200, body: { mchid, url: live } };
            case "DELETE":
                // INFERRED: DELETE with none set is undocumented; the emulator answers like the GET.
                if (live === undefined) {
                    throw notSet();
                }
                state.set(mchid, undefined, "complaint");
                return { status: 204 };
            default: {
                const url = urlField(parseObject(body, ["url"]), "url", 255);
                // INFERRED: POST over an existing URL and PUT with none are undocumented; refused here.
                if (method === "POST" && live !== undefined) {
                    throw new EmulatorError(400, "RESOURCE_ALREADY_EXISTS", "通知回调已存在，请使用更新接口");
                }
                if (method === "PUT" && live === undefined) {
                    throw notSet();
                }
                state.set(mchid, url, "complaint");
                return { status: 200, body: { mchid, url } };
            }
        }
    },
};

/**
 * 商家券 · 事件通知地址 (https://pay.weixin.qq.com/doc/v3/merchant/4012465431 set, 4012465507 get): POST
 * `{mchid?, notify_url}` → 200 `{update_time, notify_url, mchid}`; GET `?mchid=` (optional, defaults to the caller)
 * → 200 `{notify_url, mchid}`. No PUT, no DELETE.
 */
const busifavor: Route = {
    setting: "busifavor",
    path: "/v3/marketing/busifavor/callbacks",
    methods: ["GET", "POST"],
    answer(req) {
        const { state, mchid, method, body, query } = req;
        if (method === "GET") {
            const asked = query.get("mchid") ?? mchid;
            // "仅可以查询由请求商户号设置的商家券通知URL": another merchant's setting is not shown.
            if (asked !== mchid) {
                throw new EmulatorError(403, "NO_AUTH", `商户号 ${asked} 与请求商户号不一致`);
            }
            const live = state.get(mchid, "busifavor");
            if (live === undefined) {
                // INFERRED: undocumented for this GET; the product's error table lists this reply.
                return noneSet(
                    req,
                    new EmulatorError(404, "RESOURCE_NOT_EXISTS", "查询的资源不存在"),
                    "notify_url",
                    true,
                );
            }
            return { status: 200, body: { notify_url: live, mchid } };
        }
        const parsed = parseObject(body, ["mchid", "notify_url"]);
        if (parsed.mchid !== undefined && parsed.mchid !== mchid) {
            throw paramError("mchid must be the calling merchant's id");
        }
        const url = urlField(parsed, "notify_url", 256);
        state.set(mchid, url, "busifavor");
        return { status: 200, body: { update_time: new Date().toISOString(), notify_url: url, mchid } };
    },
};

/**
 * 商户违规通知回调 (https://pay.weixin.qq.com/doc/v3/partner/4012471330 and its sibling pages): POST/PUT
 * `{notify_url}` → 200 `{notify_url}`; GET → 200 `{notify_url}` or 404 NOT_FOUND "查询的通知回调不存在"; DELETE → 204,
 * or 404 NOT_FOUND "删除的通知回调不存在". Service providers only: a direct merchant gets 400 INVALID_REQUEST
 * "商户类型错误，请检查后重试" (from WeChat Pay's developer community).
 */
const violation: Route = {
    setting: "violation",
    path: "/v3/merchant-risk-manage/violation-notifications",
    methods: ["GET", "POST", "PUT", "DELETE"],
    answer(req) {
        const { state, mchid, method, body } = req;
        if (state.kind(mchid) !== "partner") {
            throw new EmulatorError(400, "INVALID_REQUEST", "商户类型错误，请检查后重试");
        }
        const live = state.get(mchid, "violation");
        switch (method) {
            case "GET":
                if (live === undefined) {
                    return noneSet(
                        req,
                        new EmulatorError(404, "NOT_FOUND", "查询的通知回调不存在"),
                        "notify_url",
                        false,
                    );
                }
                return { status: 200, body: { notify_url: live } };
            case "DELETE":
                if (live === undefined) {
                    throw new EmulatorError(404, "NOT_FOUND", "删除的通知回调不存在");
                }
                state.set(mchid, undefined, "violation");
                return { status: 204 };
            default: {
                const url = urlField(parseObject(body, ["notify_url"]), "notify_url", 256);
                // INFERRED: POST over an existing URL and PUT with none are undocumented; refused here.
                if (method === "POST" && live !== undefined) {
                    throw new EmulatorError(400, "INVALID_REQUEST", "通知回调已存在，请使用更新接口");
                }
                if (method === "PUT" && live === undefined) {
                    throw new EmulatorError(404, "NOT_FOUND", "更新的通知回调不存在");
                }
                state.set(mchid, url, "violation");
                return { status: 200, body: { notify_url: url } };
            }
        }
    },
};

/** The routes by path. */
export const ROUTES: ReadonlyMap<string, Route> = new Map(
    [membercard, complaint, busifavor, violation].map((r) => [r.path, r]),
);
