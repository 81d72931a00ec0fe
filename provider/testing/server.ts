/**
 * The emulator's HTTP side: routing, the APIv3 request checks, response signing, the request log and fault
 * injection. The rules about the setting itself live in state.ts, the crypto in auth.ts.
 */

import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isIPv4 } from "node:net";
import { type Answer, ROUTES, type Route } from "./apis";
import { NonceLog, parseAuthorization, signResponse, verifyRequest } from "./auth";
import { generateMerchantKeys, type MerchantKeys, type WechatpayIdentities, wechatpayIdentitiesAt } from "./keys";
import {
    assertMchid,
    EmulatorError,
    type MerchantKind,
    NotifySettingsState,
    type SettingName,
    type Settings,
    UNSET_REPLIES,
    type UnsetReply,
} from "./state";
import type { Emulator, EmulatorOptions, Fault, FaultMatch, MerchantCredentials, RecordedRequest } from "./types";

/** The first merchant when none is given. */
export const DEFAULT_MCHID = "1900000001";

// Bodies here are tiny; the cap only keeps a runaway client from filling memory.
const MAX_BODY_BYTES = 64 * 1024;

/** How far the `stale-timestamp` fault moves the response clock: past the SDK's 300 s tolerance. */
const STALE_SECONDS = 600;

interface Merchant {
    readonly mchid: string;
    readonly keys: MerchantKeys;
    readonly nonces: NonceLog;
    /** WeChat Pay's keys for this merchant: its replies are signed with these. */
    readonly identities: WechatpayIdentities;
}

/** A queued fault and the requests it may hit. */
interface QueuedFault {
    readonly fault: Fault;
    readonly match: FaultMatch | undefined;
}

/** A signed reply as it went out, for the `replay` fault. */
interface SentReply {
    readonly method: string;
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: string | undefined;
}

/** Faults after which the operation IS applied, and the reply is then lost, late or an error. */
const APPLIED_FIRST = new Set<Fault["kind"]>(["applied-then-error", "applied-then-reset", "applied-then-hang"]);

/** What to answer, before signing. */
interface Reply {
    status: number;
    /** JSON text; absent for 204. */
    body?: string;
    code?: string;
    headers?: Record<string, string>;
    /** Default `application/json` when there is a body. */
    contentType?: string;
    /** Sent without `Wechatpay-*` headers: WeChat Pay signs only replies to requests whose signature it verified. */
    unsigned?: boolean;
}

/** What a proxy or gateway in front of WeChat Pay might answer. */
const HTML_404 =
    "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n" +
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

function errorReply(error: EmulatorError, allow = "GET, PATCH"): Reply {
    const reply: Reply = {
        status: error.status,
        code: error.code,
        body: JSON.stringify({ code: error.code, message: error.message }),
    };
    if (error.status === 405) {
        reply.headers = { Allow: allow };
    }
    return reply;
}

function fromAnswer(answer: Answer): Reply {
    return answer.body === undefined
        ? { status: answer.status }
        : { status: answer.status, body: JSON.stringify(answer.body) };
}

function header(req: IncomingMessage, name: string): string | undefined {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
}

/** Media types of an `Accept` or `Content-Type` value, lower-cased, parameters dropped. */
function mediaTypes(value: string): string[] {
    return value.split(",").map((part) => (part.split(";")[0] ?? "").trim().toLowerCase());
}

function isLoopback(host: string): boolean {
    return host === "localhost" || host === "::1" || (isIPv4(host) && host.startsWith("127."));
}

/** Reads the whole body; past the cap it keeps draining (so keep-alive survives) but stops storing. */
function readBody(req: IncomingMessage): Promise<{ raw: Buffer; tooLarge: boolean }> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY_BYTES) {
                chunks.push(chunk);
            }
        });
        req.on("end", () => resolve({ raw: Buffer.concat(chunks), tooLarge: size > MAX_BODY_BYTES }));
        req.on("error", reject);
    });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** `bytes` of a JSON-looking body, in 64 KiB chunks made on demand (never held whole). */
function* filler(bytes: number): Generator<Buffer> {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    chunk[0] = 0x7b; // "{": looks like the start of a JSON object
    for (let left = bytes; left > 0; left -= chunk.length) {
        yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    }
}

/** A body as one-byte chunks. */
function* bytesOf(body: string): Generator<Buffer> {
    const buf = Buffer.from(body);
    for (let i = 0; i < buf.length; i++) {
        yield buf.subarray(i, i + 1);
    }
}

function validateFault(fault: Fault): void {
    switch (fault.kind) {
        case "error":
            if (!Number.isInteger(fault.status) || fault.status < 300 || fault.status > 599) {
                throw new TypeError(`Fault status must be an HTTP error status (300-599), got ${fault.status}.`);
            }
            if (typeof fault.code !== "string" || fault.code === "") {
                throw new TypeError("Fault code must be a WeChat Pay error code such as SYSTEM_ERROR.");
            }
            if (fault.retryAfter !== undefined && !(Number.isInteger(fault.retryAfter) && fault.retryAfter >= 0)) {
                throw new TypeError(`Fault retryAfter must be whole seconds, got ${fault.retryAfter}.`);
            }
            return;
        case "delay":
            if (!Number.isFinite(fault.ms) || fault.ms < 0) {
                throw new TypeError(`Fault delay must be a non-negative number of ms, got ${fault.ms}.`);
            }
            return;
        case "trickle":
            if (!Number.isFinite(fault.ms) || fault.ms <= 0) {
                throw new TypeError(`Fault trickle must be a positive number of ms per byte, got ${fault.ms}.`);
            }
            return;
        case "oversized":
            if (!Number.isInteger(fault.bytes) || fault.bytes < 1) {
                throw new TypeError(`Fault oversized must be a positive whole number of bytes, got ${fault.bytes}.`);
            }
            return;
        case "redirect":
            if (typeof fault.location !== "string" || fault.location === "") {
                throw new TypeError("Fault redirect needs a location.");
            }
            return;
        case "reply-body":
            if (typeof fault.body !== "string") {
                throw new TypeError("Fault reply-body needs a body string.");
            }
            return;
        case "applied-then-error":
            if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
                throw new TypeError(`Fault status must be an HTTP error status (400-599), got ${fault.status}.`);
            }
            return;
        case "apply-late":
            if (!Number.isFinite(fault.ms) || fault.ms < 0) {
                throw new TypeError(`Fault apply-late must be a non-negative number of ms, got ${fault.ms}.`);
            }
            return;
        case "replay":
            if (fault.status !== undefined && (!Number.isInteger(fault.status) || fault.status < 200)) {
                throw new TypeError(`Fault replay status must be an HTTP status, got ${fault.status}.`);
            }
            return;
        case "applied-then-reset":
        case "applied-then-hang":
            return;
        case "html-404":
        case "unknown-route":
        case "bad-signature":
        case "sign-test":
        case "unknown-serial":
        case "stale-timestamp":
        case "missing-headers":
        case "reset":
            return;
        default: {
            // Reached only from untyped callers.
            const kind: unknown = (fault as { kind: unknown }).kind;
            throw new TypeError(`Unknown fault kind ${String(kind)}.`);
        }
    }
}

class HttpEmulator implements Emulator {
    readonly baseUrl: string;
    private readonly log: RecordedRequest[] = [];
    private readonly faults: QueuedFault[] = [];
    /** The latest signed replies, newest last, for the `replay` fault. */
    private readonly signedReplies: SentReply[] = [];
    private readonly merchants = new Map<string, Merchant>();
    private readonly defaultMchid: string;
    // Delayed answers waiting on a timer; close() wakes them so they can give up.
    private readonly sleepers = new Set<() => void>();
    private closing: Promise<void> | undefined;

    constructor(
        private readonly server: Server,
        private readonly state: NotifySettingsState,
        private readonly options: EmulatorOptions,
        merchants: readonly Merchant[],
        host: string,
        port: number,
    ) {
        for (const merchant of merchants) {
            this.merchants.set(merchant.mchid, merchant);
        }
        this.defaultMchid = merchants[0]?.mchid ?? DEFAULT_MCHID;
        this.baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
        server.on("request", (req: IncomingMessage, res: ServerResponse) => {
            this.handle(req, res).catch(() => {
                // handle() answers everything it can; what is left is a broken socket.
                req.socket.destroy();
            });
        });
    }

    get requests(): readonly RecordedRequest[] {
        return this.log;
    }

    credentials(mchid: string = this.defaultMchid): MerchantCredentials {
        const merchant = this.merchants.get(mchid);
        if (merchant === undefined) {
            throw new Error(`Merchant ${mchid} does not exist in this emulator.`);
        }
        const { publicKey, platform } = merchant.identities;
        return {
            mchid,
            serial: merchant.keys.serial,
            privateKey: merchant.keys.pem.privateKey,
            publicKeyId: publicKey.serial,
            publicKey: publicKey.publicKey,
            platformSerial: platform.serial,
            platformPublicKey: platform.publicKey,
        };
    }

    async addMerchant(
        mchid: string,
        opts: { notifyUrl?: string; settings?: Settings; kind?: MerchantKind } = {},
    ): Promise<MerchantCredentials> {
        assertMchid(mchid);
        if (this.merchants.has(mchid)) {
            throw new Error(`Merchant ${mchid} already exists in this emulator.`);
        }
        const [keys, identities] = await Promise.all([
            generateMerchantKeys(mchid),
            wechatpayIdentitiesAt(this.merchants.size),
        ]);
        // Checked again: a concurrent call for the same mchid may have won while keys were generated.
        this.state.addMerchant(mchid, opts.notifyUrl, opts.settings, opts.kind);
        this.merchants.set(mchid, { mchid, keys, nonces: new NonceLog(), identities });
        return this.credentials(mchid);
    }

    notifyUrl(mchid: string = this.defaultMchid): string | undefined {
        return this.state.get(mchid);
    }

    setNotifyUrl(url: string | undefined, mchid: string = this.defaultMchid): void {
        this.state.set(mchid, url);
    }

    setting(name: SettingName, mchid: string = this.defaultMchid): string | undefined {
        return this.state.get(mchid, name);
    }

    setSetting(name: SettingName, url: string | undefined, mchid: string = this.defaultMchid): void {
        this.state.set(mchid, url, name);
    }

    failNext(fault: Fault, times = 1, match?: FaultMatch): void {
        validateFault(fault);
        if (!Number.isInteger(times) || times < 1) {
            throw new TypeError(`times must be a positive integer, got ${times}.`);
        }
        for (let i = 0; i < times; i++) {
            this.faults.push({ fault, match });
        }
    }

    setUnsetReply(reply: UnsetReply, mchid?: string): void {
        this.state.setUnsetReply(reply, mchid);
    }

    /** Takes the first queued fault that may hit this request. */
    private takeFault(method: string, path: string): Fault | undefined {
        const pathname = path.split("?")[0] ?? path;
        const index = this.faults.findIndex(
            ({ match }) =>
                match === undefined ||
                ((match.method === undefined || match.method === method) &&
                    (match.path === undefined || match.path === pathname)),
        );
        return index < 0 ? undefined : this.faults.splice(index, 1)[0]?.fault;
    }

    corruptNextSignature(): void {
        this.failNext({ kind: "bad-signature" });
    }

    reset(): void {
        this.state.reset();
        this.faults.length = 0;
        this.log.length = 0;
        for (const merchant of this.merchants.values()) {
            merchant.nonces.clear();
        }
    }

    close(): Promise<void> {
        if (this.closing === undefined) {
            this.closing = new Promise((resolve) => {
                for (const wake of this.sleepers) {
                    wake();
                }
                this.sleepers.clear();
                // The callback's error only says "not running", which is the goal anyway.
                this.server.close(() => resolve());
                // Keep-alive sockets would otherwise hold close() open until they time out.
                this.server.closeAllConnections();
            });
        }
        return this.closing;
    }

    private first(): Merchant {
        const merchant = this.merchants.get(this.defaultMchid);
        if (merchant === undefined) {
            throw new Error("unreachable: an emulator has at least one merchant");
        }
        return merchant;
    }

    private get closed(): boolean {
        return this.closing !== undefined;
    }

    private sleep(ms: number): Promise<void> {
        return new Promise((resolve) => {
            const wake = (): void => {
                clearTimeout(timer);
                this.sleepers.delete(wake);
                resolve();
            };
            const timer = setTimeout(wake, ms);
            this.sleepers.add(wake);
        });
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const at = Date.now();
        const { raw, tooLarge } = await readBody(req);
        const fault = this.takeFault(req.method ?? "", req.url ?? "");
        const wechatpaySerial = header(req, "wechatpay-serial");
        const base: RecordedRequest = {
            method: req.method ?? "",
            path: req.url ?? "",
            body: raw.toString("utf8"),
            status: 0,
            at,
        };
        const mchid = tryMchid(header(req, "authorization"));
        if (mchid !== undefined) {
            base.mchid = mchid;
        }
        if (wechatpaySerial !== undefined) {
            base.wechatpaySerial = wechatpaySerial;
        }
        if (fault !== undefined) {
            base.fault = fault.kind;
        }

        if (fault?.kind === "reset") {
            req.socket.destroy();
            this.record(base);
            return;
        }
        if (fault?.kind === "replay") {
            // A signed reply sent earlier, resent as it was (its signature still verifies: WeChat Pay signs the
            // timestamp, nonce and body, not the status or the request). The operation is NOT applied.
            const of = fault.of;
            const old = [...this.signedReplies]
                .reverse()
                .find(
                    (r) =>
                        (of?.method === undefined || r.method === of.method) &&
                        (of?.status === undefined || r.status === of.status),
                );
            const status = fault.status ?? old?.status ?? 404;
            res.writeHead(status, old?.headers ?? {});
            res.end(old?.body);
            base.status = status;
            this.record(base);
            return;
        }
        if (fault?.kind === "apply-late") {
            // The request waits unanswered; WeChat Pay applies it after `ms`, whether or not the client still waits.
            await this.sleep(fault.ms);
        }
        if (fault !== undefined && APPLIED_FIRST.has(fault.kind)) {
            const applied = this.answer(req, raw);
            base.status = applied.status;
            if (fault.kind === "applied-then-reset") {
                base.status = 0;
                req.socket.destroy();
                this.record(base);
                return;
            }
            if (fault.kind === "applied-then-hang") {
                // No answer until the client gives up (or the emulator closes).
                base.status = 0;
                this.record(base);
                // close() destroys every connection, so this ends with the emulator at the latest.
                await new Promise<void>((resolve) => req.socket.once("close", () => resolve()));
                req.socket.destroy();
                return;
            }
            if (fault.kind === "applied-then-error") {
                const error: Reply =
                    fault.code === undefined
                        ? // A gateway in front of WeChat Pay: no body, no signature.
                          { status: fault.status, unsigned: true }
                        : errorReply(new EmulatorError(fault.status, fault.code, `Emulated ${fault.code}.`));
                const responseSerial = this.send(res, wechatpaySerial, error, undefined, base, mchid);
                base.status = error.status;
                if (error.code !== undefined) {
                    base.code = error.code;
                }
                if (responseSerial !== undefined) {
                    base.responseSerial = responseSerial;
                }
                this.record(base);
                return;
            }
        }
        if (fault?.kind === "delay") {
            await this.sleep(fault.ms);
        }
        if (this.closed) {
            req.socket.destroy();
            this.record(base);
            return;
        }

        let reply: Reply;
        if (fault?.kind === "html-404") {
            reply = { status: 404, body: HTML_404, contentType: "text/html; charset=utf-8", unsigned: true };
        } else if (fault?.kind === "unknown-route") {
            reply = { ...errorReply(new EmulatorError(404, "NOT_FOUND", "No such API.")), unsigned: true };
        } else if (fault?.kind === "redirect") {
            reply = { status: 307, headers: { Location: fault.location }, unsigned: true };
        } else if (fault?.kind === "error") {
            reply = errorReply(new EmulatorError(fault.status, fault.code, fault.message ?? `Emulated ${fault.code}.`));
            if (fault.retryAfter !== undefined) {
                reply.headers = { ...reply.headers, "Retry-After": String(fault.retryAfter) };
            }
        } else if (tooLarge) {
            reply = errorReply(
                new EmulatorError(413, "INVALID_REQUEST", `Request body is over ${MAX_BODY_BYTES} bytes.`),
            );
        } else {
            reply = this.answer(req, raw);
            if (fault?.kind === "reply-body" && reply.status < 300) {
                reply = { ...reply, status: 200, body: fault.body };
            }
        }
        if (req.socket.destroyed) {
            // The client gave up (an `apply-late` fault): the operation happened, nobody hears the answer.
            base.status = 0;
            this.record(base);
            return;
        }
        const responseSerial = this.send(res, wechatpaySerial, reply, fault, base, mchid);
        base.status = reply.status;
        if (reply.code !== undefined) {
            base.code = reply.code;
        }
        if (responseSerial !== undefined) {
            base.responseSerial = responseSerial;
        }
        this.record(base);
    }

    private record(request: RecordedRequest): void {
        this.log.push(request);
        this.options.onRequest?.(request);
    }

    /** Runs WeChat Pay's checks in its order: route, HTTP rules, signature, then the operation. */
    private answer(req: IncomingMessage, raw: Buffer): Reply {
        try {
            const path = req.url ?? "/";
            const query = path.indexOf("?");
            const pathname = query < 0 ? path : path.slice(0, query);
            const route = ROUTES.get(pathname);
            if (route === undefined) {
                // Routed before the signature is checked, so unsigned (see Reply.unsigned).
                return { ...errorReply(new EmulatorError(404, "NOT_FOUND", `No API at ${pathname}.`)), unsigned: true };
            }
            return this.answerRoute(route, req, raw, path, query < 0 ? "" : path.slice(query + 1));
        } catch (error) {
            if (error instanceof EmulatorError) {
                return errorReply(error);
            }
            const message = error instanceof Error ? error.message : String(error);
            return errorReply(new EmulatorError(500, "SYSTEM_ERROR", `Emulator failure: ${message}`));
        }
    }

    /** One of the other notify-URL APIs (apis.ts), with the same HTTP rules and signature check. */
    private answerRoute(route: Route, req: IncomingMessage, raw: Buffer, path: string, search: string): Reply {
        const allow = route.methods.join(", ");
        try {
            const method = req.method ?? "";
            if (!route.methods.includes(method)) {
                throw new EmulatorError(405, "INVALID_REQUEST", `${method} is not allowed here; use ${allow}.`);
            }
            checkHttpRules(req);
            const merchant = this.authenticate(req, raw, method, path);
            let body = "";
            if (method === "POST" || method === "PUT" || method === "PATCH") {
                const contentType = header(req, "content-type");
                if (contentType === undefined || mediaTypes(contentType)[0] !== "application/json") {
                    throw new EmulatorError(400, "INVALID_REQUEST", "Content-Type must be application/json.");
                }
                try {
                    body = utf8.decode(raw);
                } catch {
                    throw new EmulatorError(400, "PARAM_ERROR", "Request body is not valid UTF-8.");
                }
            }
            const answer = route.answer({
                state: this.state,
                mchid: merchant.mchid,
                method,
                body,
                query: new URLSearchParams(search),
                ...(this.options.patchReply !== undefined ? { patchReply: this.options.patchReply } : {}),
            });
            return fromAnswer(answer);
        } catch (error) {
            if (error instanceof EmulatorError) {
                return errorReply(error, allow);
            }
            const message = error instanceof Error ? error.message : String(error);
            return errorReply(new EmulatorError(500, "SYSTEM_ERROR", `Emulator failure: ${message}`));
        }
    }

    private authenticate(req: IncomingMessage, raw: Buffer, method: string, path: string): Merchant {
        const params = parseAuthorization(header(req, "authorization"));
        const merchant = this.merchants.get(params.mchid);
        if (merchant === undefined) {
            // 401 rather than 400: to the client this is a credentials problem, like a wrong serial.
            throw new EmulatorError(401, "SIGN_ERROR", `mchid ${params.mchid} is not a merchant of this WeChat Pay.`);
        }
        verifyRequest(params, merchant.keys, { method, path, body: raw }, Math.floor(Date.now() / 1000));
        merchant.nonces.use(params.nonce_str);
        return merchant;
    }

    /** Writes the reply with its `Wechatpay-*` headers, bent by the fault; returns the serial that signed it. */
    private send(
        res: ServerResponse,
        wechatpaySerial: string | undefined,
        reply: Reply,
        fault: Fault | undefined,
        record: RecordedRequest,
        mchid: string | undefined,
    ): string | undefined {
        // The merchant the request names picks WeChat Pay's keys (each merchant has its own); the request header picks
        // the scheme: the public key's id selects it, anything else gets the platform certificate, as WeChat Pay does.
        const identities = (this.merchants.get(mchid ?? this.defaultMchid) ?? this.first()).identities;
        const publicKeyMode = wechatpaySerial === identities.publicKey.serial;
        const identity = publicKeyMode ? identities.publicKey : identities.platform;
        const body = reply.body ?? "";
        const now = Math.floor(Date.now() / 1000);
        const headers: Record<string, string> = {
            "Request-ID": randomBytes(16).toString("hex").toUpperCase(),
            ...reply.headers,
        };
        if (reply.body !== undefined) {
            headers["Content-Type"] = reply.contentType ?? "application/json";
            headers["Content-Length"] = String(Buffer.byteLength(body));
        }
        if (fault?.kind === "oversized") {
            // Chunked: no Content-Length for a client to refuse up front; it has to count while reading.
            headers["Content-Type"] = "application/json";
            delete headers["Content-Length"];
        }

        let signature: ReturnType<typeof signResponse> | undefined;
        switch (reply.unsigned ? "unsigned" : fault?.kind) {
            case "unsigned":
            case "missing-headers":
                break;
            case "unknown-serial": {
                const strangers = identities.strangers;
                signature = signResponse(publicKeyMode ? strangers.publicKey : strangers.platform, body, now);
                break;
            }
            case "stale-timestamp":
                signature = signResponse(identity, body, now - STALE_SECONDS);
                break;
            case "bad-signature":
                // A real signature, but over another body: looks right, never verifies.
                signature = signResponse(identity, body, now);
                signature.signature = signResponse(identity, `${body} `, now).signature;
                break;
            case "sign-test":
                signature = signResponse(identity, body, now);
                signature.signature = `WECHATPAY/SIGNTEST/${randomBytes(256).toString("base64")}`;
                break;
            default:
                signature = signResponse(identity, body, now);
        }
        if (signature !== undefined) {
            headers["Wechatpay-Timestamp"] = signature.timestamp;
            headers["Wechatpay-Nonce"] = signature.nonce;
            headers["Wechatpay-Serial"] = signature.serial;
            headers["Wechatpay-Signature"] = signature.signature;
        }
        if (signature !== undefined && fault === undefined) {
            this.signedReplies.push({
                method: record.method,
                status: reply.status,
                headers: { ...headers },
                body: reply.body,
            });
            if (this.signedReplies.length > 50) this.signedReplies.shift();
        }
        res.writeHead(reply.status, headers);
        if (fault?.kind === "trickle") {
            void this.stream(res, record, bytesOf(body), fault.ms);
        } else if (fault?.kind === "oversized") {
            void this.stream(res, record, filler(fault.bytes), 0);
        } else {
            res.end(reply.body);
        }
        return signature?.serial;
    }

    /**
     * Writes `chunks` (waiting `gapMs` between them, and for the client to read), stopping when the client goes away;
     * records how much was sent and whether the client left early.
     */
    private async stream(
        res: ServerResponse,
        record: RecordedRequest,
        chunks: Iterable<Buffer>,
        gapMs: number,
    ): Promise<void> {
        let bytes = 0;
        let closed = false;
        res.once("close", () => {
            closed = true;
        });
        for (const chunk of chunks) {
            if (closed || this.closed) {
                break;
            }
            if (gapMs > 0) {
                await this.sleep(gapMs);
                if (closed || this.closed) {
                    break;
                }
            }
            bytes += chunk.length;
            if (!res.write(chunk)) {
                await drainedOrClosed(res);
            }
        }
        const closedEarly = closed || this.closed;
        if (!closedEarly) {
            res.end();
        } else {
            res.destroy();
        }
        record.streamed = { bytes, closedEarly };
    }
}

/** The mchid of an Authorization header, for the log only; no verification. */
function tryMchid(authorization: string | undefined): string | undefined {
    try {
        return parseAuthorization(authorization).mchid;
    } catch {
        return undefined;
    }
}

/** WeChat Pay's HTTP rules: a User-Agent, and an Accept the JSON answer satisfies. 400 INVALID_REQUEST otherwise. */
function checkHttpRules(req: IncomingMessage): void {
    const userAgent = header(req, "user-agent");
    if (userAgent === undefined || userAgent.trim() === "") {
        throw new EmulatorError(400, "INVALID_REQUEST", "User-Agent header is required.");
    }
    const accept = header(req, "accept");
    const acceptable = ["application/json", "application/*", "*/*"];
    if (accept === undefined || !mediaTypes(accept).some((type) => acceptable.includes(type))) {
        throw new EmulatorError(400, "INVALID_REQUEST", "Accept header must include application/json.");
    }
}

function resolveOptions(options: EmulatorOptions): { host: string; port: number } {
    const rawHost = options.host ?? "127.0.0.1";
    const host = rawHost.startsWith("[") && rawHost.endsWith("]") ? rawHost.slice(1, -1) : rawHost;
    if (!isLoopback(host)) {
        throw new TypeError(
            `Emulator host must be loopback (127.0.0.0/8, localhost or ::1), got ${rawHost}: ` +
                "it has no TLS and hands out its keys.",
        );
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new TypeError(`Emulator port must be an integer from 0 to 65535, got ${port}.`);
    }
    for (const unset of [options.unsetReply, ...(options.merchants ?? []).map((m) => m.unsetReply)]) {
        if (unset !== undefined && !UNSET_REPLIES.includes(unset)) {
            throw new TypeError(`unsetReply must be one of ${UNSET_REPLIES.join(", ")}; got ${String(unset)}.`);
        }
    }
    const patch = options.patchReply;
    if (patch !== undefined && patch !== "body" && patch !== "no-content") {
        throw new TypeError(`patchReply must be "body" or "no-content", got ${String(patch)}.`);
    }
    return { host, port };
}

/**
 * Starts a WeChat Pay APIv3 emulator on loopback: the member-card callback, complaint-notification, merchant-coupon
 * callback and violation-notification APIs.
 *
 * @example
 * const emulator = await startEmulator({ merchants: [{ mchid: "1900000001" }] });
 * const { mchid, serial, privateKey, publicKeyId, publicKey } = emulator.credentials();
 * // point the client at emulator.baseUrl …
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
    const { host, port } = resolveOptions(options);
    const wanted = options.merchants ?? [{ mchid: DEFAULT_MCHID }];
    if (wanted.length === 0) {
        throw new TypeError("merchants must list at least one merchant.");
    }
    const state = new NotifySettingsState(options.unsetReply);
    for (const { mchid, notifyUrl, settings, kind, unsetReply } of wanted) {
        state.addMerchant(mchid, notifyUrl, settings, kind);
        if (unsetReply !== undefined) {
            state.setUnsetReply(unsetReply, mchid);
        }
    }
    const [keys, identities] = await Promise.all([
        Promise.all(wanted.map(({ mchid }, i) => options.keys?.[i]?.merchant ?? generateMerchantKeys(mchid))),
        Promise.all(wanted.map((_, i) => options.keys?.[i]?.wechatpay ?? wechatpayIdentitiesAt(i))),
    ]);
    if (options.onSettingsChange !== undefined) {
        state.onChange(options.onSettingsChange);
    }
    const merchants = wanted.map(({ mchid }, i): Merchant => {
        const merchantKeys = keys[i];
        const merchantIdentities = identities[i];
        if (merchantKeys === undefined || merchantIdentities === undefined) {
            throw new Error("unreachable: one key pair and one identity per merchant");
        }
        return { mchid, keys: merchantKeys, nonces: new NonceLog(), identities: merchantIdentities };
    });

    const server = createServer();
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host, port }, () => {
            server.off("error", reject);
            resolve();
        });
    });
    const address = server.address();
    if (address === null || typeof address === "string") {
        server.close();
        throw new Error("Emulator is not listening on a TCP port.");
    }
    return new HttpEmulator(server, state, options, merchants, host, address.port);
}

/** Resolves on the first of `drain` or `close`, and removes both listeners: a race of two `once()`s leaves one behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
        const done = (): void => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
        };
        res.once("drain", done);
        res.once("close", done);
    });
}
