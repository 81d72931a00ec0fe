/**
 * The client of one merchant's setting at one notify-URL API: the API's paths, methods and wire fields (the only file
 * that spells them), what its replies mean, and how an uncertain write is settled by a signed read. Requests go
 * through transport.ts.
 */

import type { AxiosInstance } from "axios";
import type { ResolvedConfig } from "./config";
import { type RequestTarget, WechatpayResponseError, WechatpayStateError } from "./errors";
import { type NotifyEndpoint, shownPath } from "./notifyEndpoint";
import { errorFrom, NONE_CODES, parseBody, readReply, unusableReply } from "./reply";
import { type ConnectionPools, createConnectionPools, sendWithRetries, signedHttp } from "./transport";
import { type CallbackSetting, isUncertain, settled, withReplaced } from "./writeOutcome";

/** Options of one call: when the whole lifecycle step must be over. */
export interface CallOptions {
    /** Epoch milliseconds after which no new request is sent. */
    deadlineAt?: number;
}

/** What the lifecycle needs from one notify-URL API of WeChat Pay (see {@link NotifyEndpoint}). */
export interface NotifySettingClient {
    /** The API's GET; `notifyUrl: undefined` only when {@link meansNoneSet} says so. */
    getCallback(options?: CallOptions): Promise<CallbackSetting>;
    /**
     * Sets `notifyUrl` with the API's update method, or its create method when `exists` is false; resolves only when
     * WeChat Pay confirmed `notifyUrl`.
     */
    setCallback(notifyUrl: string, options?: CallOptions, exists?: boolean): Promise<CallbackSetting>;
    /** The API's DELETE (only for an endpoint that has `remove`); resolves when the setting is gone. */
    deleteCallback(options?: CallOptions): Promise<void>;
}

/** The wire shape, snake_case as WeChat Pay spells it (`url` for complaint notifications). */
type WireSetting = Record<string, unknown>;

/** The parts of a reply the client reads. */
interface Reply {
    status: number;
    data?: unknown;
    headers?: unknown;
}

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

const isObject = (data: unknown): data is Record<string, unknown> =>
    typeof data === "object" && data !== null && !Array.isArray(data) && !Buffer.isBuffer(data);

/**
 * The one place that decides "no notify URL is set", from a reply that already passed the SDK's signature check (the
 * client has the SDK verify every reply, whatever its status, so an unsigned or forged reply never gets here: it is
 * an error that says what was received). WeChat Pay signs its reply to every request whose signature it verified
 * ("对于签名验证成功的请求，微信支付API v3会使用微信支付的平台私钥对应答进行签名",
 * https://pay.weixin.qq.com/wiki/doc/apiv3_partner/wechatpay/wechatpay3_3.shtml), so a verified reply is WeChat Pay's
 * own answer to this merchant's request.
 *
 * What each GET answers when none is set is documented for complaints (400 `RESOURCE_NOT_EXISTS`) and violations
 * (404 `NOT_FOUND`), and undocumented for the member card and merchant coupons
 * (https://pay.weixin.qq.com/docs/merchant/apis/membership-card/member-call-back/get-notify-url.html lists only
 * `200 {notify_url, mchid}`). Reading a signed "none" as an error makes a first `pulumi up` fail on a merchant that
 * never set a URL, and nothing else can be meant by such a reply, so every signed reply for this merchant that plainly
 * carries no URL means none: a 404 or 400 whose code is `RESOURCE_NOT_EXISTS` or `NOT_FOUND`, or a 2xx JSON object
 * with no other field, whose URL field is missing, `null` or `""` and whose `mchid` is this merchant's (violations' replies carry no
 * `mchid`: there the signature alone says whose it is). Anything else (another code, another merchant, a body that is
 * not a JSON object) is an error, never "none".
 */
export function meansNoneSet(reply: Reply, endpoint: NotifyEndpoint, mchid: string | undefined): boolean {
    if (reply.status === 400 || reply.status === 404) {
        const { code } = parseBody(reply.data);
        return code !== undefined && NONE_CODES.has(code);
    }
    if (!isSuccess(reply.status) || !isObject(reply.data)) {
        return false;
    }
    const owner = reply.data.mchid;
    const value = reply.data[endpoint.wireField];
    const ours = owner === undefined ? endpoint.replyWithoutMchid === true : owner === mchid;
    // Nothing but the merchant and an empty URL: a body with other fields (a URL under another name, say) is not
    // plainly "none".
    const plain = Object.keys(reply.data).every((key) => key === "mchid" || key === endpoint.wireField);
    return ours && plain && (value === undefined || value === null || value === "");
}

/**
 * Reads a verified 2xx body. A body that is not a JSON object, a URL field that is not a non-empty string, or a
 * `mchid` other than the signing merchant is an error, never "unset". For a write, a reply without a body or
 * without the URL field gives undefined (the caller confirms with a read).
 */
function fromWire(
    reply: Reply,
    mchid: string,
    target: RequestTarget,
    field: NotifyEndpoint["wireField"],
): CallbackSetting | undefined {
    const bad = (code: "MALFORMED_REPLY" | "OTHER_MERCHANT", reason: string) =>
        unusableReply({ ...target, code, reason, received: readReply(reply) });
    const { data } = reply;
    const write = target.method !== "GET";
    if (write && (data === undefined || data === "")) {
        return undefined;
    }
    if (typeof data !== "object" || data === null || Array.isArray(data) || Buffer.isBuffer(data)) {
        throw bad("MALFORMED_REPLY", "it is signed, but its body is not the JSON object this API answers with");
    }
    const wire = data as WireSetting;
    if (wire.mchid !== undefined && wire.mchid !== mchid) {
        throw bad(
            "OTHER_MERCHANT",
            `it is about merchant ${JSON.stringify(wire.mchid)}, but the request was signed as merchant ${mchid}`,
        );
    }
    const value = wire[field];
    if (value === undefined && write) {
        return undefined;
    }
    if (typeof value !== "string" || value === "") {
        const what =
            value === undefined
                ? "missing"
                : value === "" || value === null
                  ? String(JSON.stringify(value))
                  : `a ${typeof value}`;
        throw bad("MALFORMED_REPLY", `its ${field} is ${what}, not a URL`);
    }
    return { mchid, notifyUrl: value };
}

/**
 * A signed 2xx that shows another URL than the one sent. WeChat Pay does not document normalising the URL (the API
 * pages say only string(256) or string(255), https, no query), so URLs are compared exactly: what it shows is what
 * was sent, or the write is not confirmed.
 */
function otherUrl(
    target: RequestTarget,
    field: string,
    sent: string,
    shown: string | undefined,
    reply: Reply,
): WechatpayResponseError {
    return unusableReply({
        ...target,
        code: "OTHER_URL",
        reason: `it shows ${field} ${JSON.stringify(shown ?? null)}, not the ${JSON.stringify(sent)} sent`,
        received: readReply(reply),
    });
}

/**
 * Creates the client for one merchant's setting at `endpoint`. The SDK is loaded only now (the provider host, not
 * the Pulumi program) and holds the parsed keys; `pools` are the shared connections.
 */
export function createNotifyClient(
    endpoint: NotifyEndpoint,
    config: ResolvedConfig,
    pools: ConnectionPools = createConnectionPools(),
): NotifySettingClient {
    return new NotifyClient(endpoint, config, signedHttp(config, pools));
}

/** {@link NotifySettingClient} over the signed transport: one API, one merchant. */
class NotifyClient implements NotifySettingClient {
    private readonly path: string;
    /**
     * The GET of an API that takes the merchant in the query: always send it (documented as optional, defaulting to
     * the caller; harmless and explicit, https://pay.weixin.qq.com/doc/v3/merchant/4012465507).
     */
    private readonly readUrl: string;

    constructor(
        private readonly endpoint: NotifyEndpoint,
        private readonly config: ResolvedConfig,
        private readonly http: AxiosInstance,
    ) {
        this.path = shownPath(endpoint);
        this.readUrl = endpoint.readQuery
            ? `${endpoint.path}?mchid=${encodeURIComponent(config.mchid)}`
            : endpoint.path;
    }

    private target(method: string): RequestTarget {
        return { method, path: this.path, hints: this.endpoint.hints };
    }

    private toWire(notifyUrl: string): WireSetting {
        return {
            ...(this.endpoint.bodyMchid ? { mchid: this.config.mchid } : {}),
            [this.endpoint.wireField]: notifyUrl,
        };
    }

    private send(method: string, data: WireSetting | undefined, deadlineAt: number | undefined) {
        const url = method === "GET" ? this.readUrl : this.endpoint.path;
        return sendWithRetries(this.http, this.config, this.target(method), url, data, deadlineAt);
    }

    /** A verified GET reply read: the setting, "none set", or the error it is. */
    private readSetting(res: Reply): CallbackSetting {
        if (
            isSuccess(res.status) &&
            isObject(res.data) &&
            res.data.mchid !== undefined &&
            res.data.mchid !== this.config.mchid
        ) {
            // Another merchant's reply is an error before it is anything else, "none" included.
            throw unusableReply({
                ...this.target("GET"),
                code: "OTHER_MERCHANT",
                reason: `it is about merchant ${JSON.stringify(res.data.mchid)}, but the request was signed as merchant ${this.config.mchid}`,
                received: readReply(res),
            });
        }
        if (meansNoneSet(res, this.endpoint, this.config.mchid)) {
            return { mchid: this.config.mchid, notifyUrl: undefined };
        }
        if (!isSuccess(res.status)) {
            throw errorFrom(readReply(res), this.target("GET"));
        }
        const setting = fromWire(res, this.config.mchid, this.target("GET"), this.endpoint.wireField);
        if (setting === undefined) {
            throw new WechatpayStateError("unreachable: a GET reply has a URL or is refused");
        }
        return setting;
    }

    async getCallback(options: CallOptions = {}): Promise<CallbackSetting> {
        return this.readSetting(await this.send("GET", undefined, options.deadlineAt));
    }

    /**
     * The signed read that settles a write whose outcome is unknown. It may send one attempt after the step's deadline:
     * deciding from a read is always better than guessing, and a read changes nothing.
     */
    private confirmingRead(options: CallOptions): Promise<CallbackSetting | undefined> {
        return this.getCallback({
            deadlineAt: Math.max(options.deadlineAt ?? 0, Date.now() + this.config.timeoutMs),
        }).catch(() => undefined);
    }

    /** One write with `method`: the setting its reply shows (undefined: confirm with a read), or the error. */
    private async write(method: string, notifyUrl: string, options: CallOptions): Promise<CallbackSetting | undefined> {
        const to = this.target(method);
        const res = await this.send(method, this.toWire(notifyUrl), options.deadlineAt);
        if (!isSuccess(res.status)) {
            throw errorFrom(readReply(res), to);
        }
        const confirmed = fromWire(res, this.config.mchid, to, this.endpoint.wireField);
        if (confirmed !== undefined && confirmed.notifyUrl !== notifyUrl) {
            throw Object.assign(otherUrl(to, this.endpoint.wireField, notifyUrl, confirmed.notifyUrl, res), {
                uncertain: true,
            });
        }
        return confirmed;
    }

    async setCallback(notifyUrl: string, options: CallOptions = {}, exists = true): Promise<CallbackSetting> {
        const method = exists ? this.endpoint.update : this.endpoint.create;
        let confirmed: CallbackSetting | undefined;
        try {
            // Repeating a write of the same URL is safe: it sets the same value again, so retries may resend it. A
            // create repeated after it landed may be refused; the read below then decides.
            confirmed = await this.write(method, notifyUrl, options);
        } catch (e) {
            const refused = isApiError4xx(e) && !isUncertain(e);
            const refusedCreate = refused && method !== this.endpoint.update;
            const refusedUpdate =
                refused && method === this.endpoint.update && this.endpoint.update !== this.endpoint.create;
            if (!isUncertain(e) && !refusedCreate && !refusedUpdate) {
                throw e;
            }
            // The write may have happened (no trustworthy answer), or was refused in a way a read explains: a signed
            // read decides. What a create answers when one is set, or an update when none is, is undocumented for
            // the APIs that have both: the read shows which method applies.
            const live = await this.confirmingRead(options);
            if (live?.notifyUrl === notifyUrl) {
                return live;
            }
            if (refusedUpdate && live !== undefined && live.notifyUrl === undefined) {
                // The setting disappeared since (or never landed): WeChat Pay says none is set, so create it.
                return this.setCallback(notifyUrl, options, false);
            }
            if (refusedCreate && live !== undefined && live.notifyUrl !== undefined) {
                const replaced = live.notifyUrl;
                try {
                    const updated = await this.setCallback(notifyUrl, options, true);
                    return { ...updated, replaced };
                } catch (err) {
                    // An uncertain update may still replace that URL: the caller must know which one to put back.
                    throw withReplaced(err, replaced);
                }
            }
            throw settled(e, live, this.endpoint.setting);
        }
        if (confirmed !== undefined) {
            return confirmed;
        }
        // 204 or a body without the URL: confirm with a verified read rather than assume.
        const live = await this.confirmingRead(options);
        if (live?.notifyUrl === notifyUrl) {
            return live;
        }
        // WeChat Pay accepted the write, so it may well be live whatever this read says: the failure is uncertain
        // (create keeps the resource with the URL it replaced), never a plain error that would drop the record.
        const error = new WechatpayResponseError({
            ...this.target(method),
            code: "UNCONFIRMED",
            reason:
                live === undefined
                    ? "WeChat Pay accepted it without showing the URL, and the read-back to confirm it failed"
                    : `WeChat Pay accepted it without showing the URL, and the read-back to confirm it shows ${live.notifyUrl ?? "none"}`,
        });
        error.uncertain = true;
        throw error;
    }

    async deleteCallback(options: CallOptions = {}): Promise<void> {
        if (this.endpoint.remove === undefined) {
            throw new WechatpayStateError(`${this.endpoint.name} has no DELETE: WeChat Pay cannot clear this setting`);
        }
        const to = this.target(this.endpoint.remove);
        let failure: unknown;
        let answeredSuccess = false;
        try {
            const res = await this.send(this.endpoint.remove, undefined, options.deadlineAt);
            answeredSuccess = isSuccess(res.status);
            if (!answeredSuccess && !meansNoneSet(res, this.endpoint, this.config.mchid)) {
                failure = errorFrom(readReply(res), to);
            }
        } catch (e) {
            failure = e;
        }
        if (failure !== undefined && !isUncertain(failure)) {
            // WeChat Pay refused it (signed), and no earlier attempt may have landed: nothing changed.
            throw failure;
        }
        // Every other outcome is confirmed by a signed read: a DELETE whose answer was lost and whose retry heard
        // "none set", a success reply (which might be a replay of an earlier one), or no answer at all.
        const live = await this.confirmingRead(options);
        if (live !== undefined && live.notifyUrl === undefined) {
            return;
        }
        if (failure !== undefined) {
            throw settled(failure, live, this.endpoint.setting);
        }
        const error = new WechatpayResponseError({
            ...to,
            code: "NOT_APPLIED",
            reason:
                live === undefined
                    ? `WeChat Pay answered ${answeredSuccess ? "with success" : "that none is set"}, but the signed read to confirm it failed`
                    : `WeChat Pay answered ${answeredSuccess ? "with success" : "that none is set"}, but a signed read right after still shows ${live.notifyUrl}`,
        });
        error.uncertain = true;
        throw error;
    }
}

const isApiError4xx = (e: unknown): boolean => {
    const err = e as { name?: unknown; status?: unknown };
    return err.name === "WechatpayApiError" && typeof err.status === "number" && err.status >= 400 && err.status < 500;
};
