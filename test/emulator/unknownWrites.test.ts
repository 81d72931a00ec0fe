/**
 * The findings of ../shared/research/findings-writes.md (H1–H3, M1–M5, L1–L8), one named test each (or a few), run
 * in-process against the emulator. Each test failed on 442c8b0. The engine-level stories (renames through Pulumi's
 * runtime, a killed or interrupted provider host) are in test/engine/unknownWrites.engine.test.ts.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MCHID, merchantProfiles, NOTIFY_URLS, OTHER_MCHIDS } from "../../harness";
import {
    BUSIFAVOR_CALLBACK,
    COMPLAINT_NOTIFICATION,
    MEMBERCARD_CALLBACK,
    VIOLATION_NOTIFICATION,
} from "../../provider/endpoints";
import type { NotifyEndpoint } from "../../provider/notifyEndpoint";
import type { NotifySettingState } from "../../provider/provider";
import { type Emulator, NONE_SHAPES, type SettingName, startEmulator } from "../../provider/testing";
import { checkInputs, UNKNOWN } from "../../provider/validate";
import { calls, configuredNotifyProvider } from "./fixture";

const OTHER_MCHID = OTHER_MCHIDS[0];
const OLD = NOTIFY_URLS.old;
const A = NOTIFY_URLS.a;
const B = NOTIFY_URLS.b;
const C = NOTIFY_URLS.c;

const ALL: ReadonlyArray<[string, NotifyEndpoint, SettingName]> = [
    ["MembercardCallback", MEMBERCARD_CALLBACK, "membercard"],
    ["ComplaintNotification", COMPLAINT_NOTIFICATION, "complaint"],
    ["BusifavorCallback", BUSIFAVOR_CALLBACK, "busifavor"],
    ["ViolationNotification", VIOLATION_NOTIFICATION, "violation"],
];

/** Small settings: the tests wait out timeouts. */
const FAST = { "wechatpay:maxRetries": "2", "wechatpay:timeoutMs": "400", "wechatpay:deadlineMs": "8000" };

let emulator: Emulator;
let log: ReturnType<typeof vi.spyOn>;

beforeEach(async () => {
    emulator = await startEmulator({
        merchants: [
            { mchid: MCHID, kind: "partner" },
            { mchid: OTHER_MCHID, kind: "partner" },
        ],
    });
    log = vi.spyOn(console, "error").mockImplementation(() => undefined);
});

afterEach(async () => {
    log.mockRestore();
    await emulator.close();
});

const provider = (endpoint: NotifyEndpoint, overrides: Record<string, string | undefined> = {}) =>
    configuredNotifyProvider(endpoint, emulator, MCHID, { ...FAST, ...overrides });

/** What the engine keeps from an error thrown by create or update ("created/updated, but failed to initialize"). */
const keptProperties = (e: unknown): NotifySettingState & Record<string, unknown> =>
    (e as { properties: NotifySettingState & Record<string, unknown> }).properties;

const printed = (): string => log.mock.calls.map((c: unknown[]) => String(c[0])).join("\n");

describe("H1: a rename without aliases leaves the new resource's URL live", () => {
    it.each(ALL)(
        "%s: the old resource's destroy in the same deployment leaves the URL and says why",
        async (_name, endpoint, setting) => {
            emulator.setSetting(setting, OLD);
            const old = await provider(endpoint);
            const stored = (await old.create({ notifyUrl: A })).outs as NotifySettingState;
            expect(stored.previousNotifyUrl).toBe(OLD);
            // The renamed resource is a new URN: created first, then the old URN is deleted, in one provider host (with
            // the same serialized provider, the same instance).
            await old.create({ notifyUrl: A });
            await old.delete(MCHID, stored);
            expect(emulator.setting(setting)).toBe(A);
            expect(printed()).toContain("`aliases`");
            expect(printed()).toContain(`The URL from before the stack was ${OLD}`);
        },
    );
});

describe("H1, found by the red-team pass: renames that change more than the name", () => {
    it.each([
        ["MembercardCallback", MEMBERCARD_CALLBACK, "membercard"],
        ["ComplaintNotification", COMPLAINT_NOTIFICATION, "complaint"],
    ] as const)(
        "%s: renamed and given a new URL, the old one's destroy leaves the new URL and prints the old",
        async (_name, endpoint, setting) => {
            emulator.setSetting(setting, OLD);
            const p = await provider(endpoint);
            const old = (await p.create({ notifyUrl: A })).outs as NotifySettingState;
            await p.create({ notifyUrl: B });
            await p.delete(MCHID, old);
            expect(emulator.setting(setting)).toBe(B);
            expect(printed()).toContain(`The URL from before the stack was ${OLD}`);
            expect(printed()).toContain("`aliases`");
        },
    );

    it("a rename whose new create was refused: the old resource's destroy still restores the URL from before", async () => {
        emulator.setSetting("membercard", OLD);
        const p = await provider(MEMBERCARD_CALLBACK);
        const old = (await p.create({ notifyUrl: A })).outs as NotifySettingState;
        emulator.failNext({ kind: "error", status: 400, code: "PARAM_ERROR" }, 1, { method: "PATCH" });
        await expect(p.create({ notifyUrl: A })).rejects.toThrow(/PARAM_ERROR/);
        await p.delete(MCHID, old);
        expect(emulator.setting("membercard")).toBe(OLD);
    });

    it("complaints with nothing set before: the old one's destroy says the URL will stay, and how to clear it", async () => {
        const p = await provider(COMPLAINT_NOTIFICATION);
        const old = (await p.create({ notifyUrl: A })).outs as NotifySettingState;
        await p.create({ notifyUrl: A });
        await p.delete(MCHID, old);
        expect(emulator.setting("complaint")).toBe(A);
        expect(printed()).toContain("clear it in the merchant platform");
    });
});

describe("H2: a write applied, then a gateway 5xx on every attempt", () => {
    it("create succeeds after a signed read shows the URL, records the URL from before, and destroy restores it", async () => {
        emulator.setSetting("membercard", OLD);
        const p = await provider(MEMBERCARD_CALLBACK);
        emulator.failNext({ kind: "applied-then-error", status: 502 }, 3, { method: "PATCH" });
        const created = await p.create({ notifyUrl: A });
        expect(created.outs).toMatchObject({ notifyUrl: A, appliedNotifyUrl: A, previousNotifyUrl: OLD });
        expect(calls(emulator)).toEqual(["GET 200", "PATCH 502", "PATCH 502", "PATCH 502", "GET 200"]);
        await p.delete(MCHID, created.outs as NotifySettingState);
        expect(emulator.setting("membercard")).toBe(OLD);
    });

    it.each(ALL)(
        "%s: create succeeds after applied-then-SYSTEM_ERROR on every write",
        async (_name, endpoint, setting) => {
            emulator.setSetting(setting, OLD);
            const p = await provider(endpoint);
            emulator.failNext({ kind: "applied-then-error", status: 500, code: "SYSTEM_ERROR" }, 3, {
                method: endpoint.update,
            });
            const created = await p.create({ notifyUrl: A });
            expect(created.outs).toMatchObject({ appliedNotifyUrl: A, previousNotifyUrl: OLD });
            expect(emulator.setting(setting)).toBe(A);
        },
    );
});

describe("H3: an update whose outcome stays unknown", () => {
    it("keeps the unconfirmed URL in state, so destroy still restores the URL from before the stack", async () => {
        emulator.setSetting("membercard", OLD);
        const p = await provider(MEMBERCARD_CALLBACK);
        const stored = (await p.create({ notifyUrl: A })).outs as NotifySettingState;
        emulator.reset();
        emulator.setSetting("membercard", A);
        // The PATCH lands but no answer comes, and the signed read that should settle it fails too.
        emulator.failNext({ kind: "applied-then-hang" }, 3, { method: "PATCH" });
        emulator.failNext({ kind: "reset" }, 20, { method: "GET" });
        const failed = await p.update(MCHID, stored, { notifyUrl: B }).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(failed).toMatchObject({ id: MCHID });
        const kept = keptProperties(failed);
        expect(kept).toMatchObject({ unconfirmedNotifyUrl: B, appliedNotifyUrl: A, previousNotifyUrl: OLD });
        expect(String((failed as Error).message)).toContain("`pulumi destroy` still restores");
        expect(emulator.setting("membercard")).toBe(B);
        emulator.reset();
        emulator.setSetting("membercard", B);
        await p.delete(MCHID, kept);
        expect(emulator.setting("membercard")).toBe(OLD);
    });

    it("a refresh that sees the unconfirmed URL live records it as applied", async () => {
        emulator.setSetting("membercard", B);
        const p = await provider(MEMBERCARD_CALLBACK);
        const read = await p.read(MCHID, {
            mchid: MCHID,
            appliedNotifyUrl: A,
            unconfirmedNotifyUrl: B,
            previousNotifyUrl: OLD,
        });
        expect(read.props).toEqual({ mchid: MCHID, notifyUrl: B, appliedNotifyUrl: B, previousNotifyUrl: OLD });
    });
});

describe("H3, found by the red-team pass: a second unknown update after a first one", () => {
    it("keeps the first unconfirmed URL when the signed read shows it live, so destroy still restores", async () => {
        emulator.setSetting("complaint", OLD);
        const p = await provider(COMPLAINT_NOTIFICATION);
        const created = (await p.create({ notifyUrl: A })).outs as NotifySettingState;
        // up #1: the PUT to B lands, no answer ever comes, and the signed reads fail too.
        emulator.failNext({ kind: "applied-then-error", status: 502 }, 3, { method: "PUT" });
        emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" }, 40, { method: "GET" });
        const first = keptProperties(await p.update(MCHID, created, { notifyUrl: B }).catch((e: unknown) => e));
        expect(first).toMatchObject({ appliedNotifyUrl: A, unconfirmedNotifyUrl: B });
        emulator.reset();
        emulator.setSetting("complaint", B);
        // up #2: the PUT to C is refused with 500 every time; the signed read shows B live.
        emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" }, 3, { method: "PUT" });
        const second = keptProperties(await p.update(MCHID, first, { notifyUrl: C }).catch((e: unknown) => e));
        expect(second).toMatchObject({ appliedNotifyUrl: B, unconfirmedNotifyUrl: C, previousNotifyUrl: OLD });
        emulator.reset();
        emulator.setSetting("complaint", B);
        await p.delete(MCHID, second);
        expect(emulator.setting("complaint")).toBe(OLD);
    });
});

describe("M1: an update after the setting disappeared creates it again", () => {
    it.each([
        ["ComplaintNotification", COMPLAINT_NOTIFICATION, "complaint", ["PUT 400", "GET 400", "POST 200"]],
        ["ViolationNotification", VIOLATION_NOTIFICATION, "violation", ["PUT 404", "GET 404", "POST 200"]],
    ] as const)(
        "%s: the create method when WeChat Pay says none is set",
        async (_name, endpoint, setting, expected) => {
            const p = await provider(endpoint);
            await p.update(MCHID, { mchid: MCHID, notifyUrl: A, appliedNotifyUrl: A }, { notifyUrl: B });
            expect(calls(emulator)).toEqual(expected);
            expect(emulator.setting(setting)).toBe(B);
        },
    );
});

describe("M2: a DELETE applied whose answer was lost, retried, hears 'none set'", () => {
    it.each([
        ["ComplaintNotification", COMPLAINT_NOTIFICATION, "complaint"],
        ["ViolationNotification", VIOLATION_NOTIFICATION, "violation"],
    ] as const)("%s: destroy succeeds once a signed read shows none", async (_name, endpoint, setting) => {
        emulator.setSetting(setting, A);
        const p = await provider(endpoint);
        emulator.failNext({ kind: "applied-then-reset" }, 1, { method: "DELETE" });
        await p.delete(MCHID, { mchid: MCHID, notifyUrl: A, appliedNotifyUrl: A });
        expect(calls(emulator).slice(1)).toEqual([
            "DELETE 0",
            `DELETE ${endpoint.unset.status}`,
            `GET ${endpoint.unset.status}`,
        ]);
        expect(emulator.setting(setting)).toBeUndefined();
    });
});

describe("M3: a reply whose signature does not verify names the keys, whatever its status", () => {
    it.each(ALL)("%s: another merchant's WeChat Pay key on a merchant with nothing set", async (_name, endpoint) => {
        const wrong = emulator.credentials(OTHER_MCHID);
        const p = await provider(endpoint, { "wechatpay:publicKey": wrong.publicKey });
        await expect(p.create({ notifyUrl: A })).rejects.toMatchObject({
            name: "WechatpayVerificationError",
            message: expect.stringContaining("`wechatpay:publicKey`"),
        });
        expect(emulator.setting(ALL.find(([, e]) => e === endpoint)?.[2] ?? "membercard")).toBeUndefined();
    });

    it.each(ALL)("%s: a SIGNTEST probe on the 'none' reply", async (_name, endpoint) => {
        const p = await provider(endpoint);
        emulator.failNext({ kind: "sign-test" });
        await expect(p.create({ notifyUrl: A })).rejects.toMatchObject({
            name: "WechatpayVerificationError",
            message: expect.stringContaining("SIGNTEST"),
        });
    });

    it("a merchant profile with the other merchant's WeChat Pay key fails that merchant only", async () => {
        const profiles = JSON.parse(merchantProfiles(emulator, [OTHER_MCHID])) as Record<string, { publicKey: string }>;
        const second = profiles[OTHER_MCHID];
        if (second === undefined) throw new Error("no profile");
        second.publicKey = emulator.credentials(MCHID).publicKey;
        const p = await provider(MEMBERCARD_CALLBACK, { "wechatpay:merchants": JSON.stringify(profiles) });
        await expect(p.create({ notifyUrl: A })).resolves.toMatchObject({ id: MCHID });
        await expect(p.create({ notifyUrl: B, mchid: OTHER_MCHID })).rejects.toMatchObject({
            name: "WechatpayVerificationError",
        });
        expect(emulator.setting("membercard", OTHER_MCHID)).toBeUndefined();
    });
});

describe("M4: replayed replies", () => {
    it("a replayed signed 'none' is refused: refresh fails instead of dropping the resource", async () => {
        const p = await provider(MEMBERCARD_CALLBACK);
        await p.read(MCHID, {}); // a signed 404 RESOURCE_NOT_EXISTS goes by
        emulator.setSetting("membercard", A);
        emulator.failNext({ kind: "replay" });
        await expect(p.read(MCHID, { mchid: MCHID, notifyUrl: A, appliedNotifyUrl: A })).rejects.toMatchObject({
            name: "WechatpayResponseError",
            code: "REPLAYED",
        });
    });

    it("a swallowed DELETE answered with a replayed reply: destroy fails, and the URL is still there", async () => {
        // A signed 204 to a DELETE of this merchant goes by (its violation setting), then the complaint DELETE is
        // swallowed and answered with that reply.
        emulator.setSetting("violation", B);
        const other = await provider(VIOLATION_NOTIFICATION);
        await other.delete(MCHID, { mchid: MCHID, notifyUrl: B, appliedNotifyUrl: B });
        emulator.setSetting("complaint", A);
        const p = await provider(COMPLAINT_NOTIFICATION);
        emulator.failNext({ kind: "replay", of: { method: "DELETE", status: 204 } }, 3, { method: "DELETE" });
        const error = await p
            .delete(MCHID, { mchid: MCHID, notifyUrl: A, appliedNotifyUrl: A })
            .catch((e: unknown) => e);
        expect(error).toMatchObject({ name: "WechatpayResponseError", code: "REPLAYED" });
        expect(String((error as Error).message)).toMatch(/retainOnDelete/);
        expect(emulator.setting("complaint")).toBe(A);
    });

    it("a DELETE that answers success but did not take effect is not believed", async () => {
        // Someone sets the URL again right after the DELETE is answered: the confirming read shows it.
        let deleted = false;
        const racing: Emulator = await startEmulator({
            merchants: [{ mchid: MCHID, kind: "partner" }],
            onRequest: (r) => {
                if (r.method === "DELETE" && !deleted) {
                    deleted = true;
                    racing.setSetting("complaint", A);
                }
            },
        });
        try {
            racing.setSetting("complaint", A);
            const p = await configuredNotifyProvider(COMPLAINT_NOTIFICATION, racing, MCHID, FAST);
            const error = await p
                .delete(MCHID, { mchid: MCHID, notifyUrl: A, appliedNotifyUrl: A })
                .catch((e: unknown) => e);
            expect(error).toMatchObject({ name: "WechatpayResponseError", code: "NOT_APPLIED" });
            expect(calls(racing)).toEqual(["GET 200", "DELETE 204", "GET 200"]);
        } finally {
            await racing.close();
        }
    });
});

describe("L1: a timed-out attempt that lands after its retry", () => {
    it("cannot be prevented by a client: it shows as drift, and the README and docs/security.md say so", async () => {
        emulator.setSetting("membercard", OLD);
        const p = await provider(MEMBERCARD_CALLBACK);
        const stored = (await p.create({ notifyUrl: A })).outs as NotifySettingState;
        // The first PATCH of the update waits 1.2 s in WeChat Pay (the client gives up at 400 ms); the retry lands.
        emulator.failNext({ kind: "apply-late", ms: 1_200 }, 1, { method: "PATCH" });
        const updated = (await p.update(MCHID, stored, { notifyUrl: B })).outs as NotifySettingState;
        await p.delete(MCHID, updated);
        expect(emulator.setting("membercard")).toBe(OLD);
        await vi.waitFor(() => expect(emulator.requests.some((r) => r.fault === "apply-late")).toBe(true), {
            timeout: 3_000,
        });
        expect(emulator.setting("membercard")).toBe(B);
        const repo = join(__dirname, "..", "..");
        expect(readFileSync(join(repo, "README.md"), "utf8")).toContain("a timed-out attempt landing after its");
        expect(readFileSync(join(repo, "docs", "security.md"), "utf8")).toContain("**A late attempt.**");
    });
});

describe("L2: the deadline passing during a backoff after an attempt was sent", () => {
    it("settles with a signed read instead of reporting 'not sent'", async () => {
        emulator.setSetting("membercard", OLD);
        const p = await provider(MEMBERCARD_CALLBACK, { "wechatpay:deadlineMs": "3000" });
        // The first PATCH is applied and answered 500; while the client backs off, its clock jumps past the deadline.
        const realNow = Date.now.bind(Date);
        let skew = 0;
        const clock = vi.spyOn(Date, "now").mockImplementation(() => realNow() + skew);
        emulator.failNext({ kind: "applied-then-error", status: 500, code: "SYSTEM_ERROR" }, 1, { method: "PATCH" });
        const timer = setInterval(() => {
            if (emulator.requests.some((r) => r.method === "PATCH") && skew === 0) {
                setTimeout(() => {
                    skew = 10_000;
                }, 40);
            }
        }, 1);
        try {
            const created = await p.create({ notifyUrl: A });
            expect(created.outs).toMatchObject({ appliedNotifyUrl: A, previousNotifyUrl: OLD });
            expect(calls(emulator)).toEqual(["GET 200", "PATCH 500", "GET 200"]);
        } finally {
            clearInterval(timer);
            clock.mockRestore();
        }
    });
});

describe("L3: an unsigned 404 is never WeChat Pay's answer", () => {
    it.each(ALL)("%s: an unknown route's unsigned 404 on refresh", async (_name, endpoint, setting) => {
        emulator.setSetting(setting, A);
        const p = await provider(endpoint);
        emulator.failNext({ kind: "unknown-route" });
        await expect(p.read(MCHID, { mchid: MCHID, notifyUrl: A })).rejects.toMatchObject({
            name: "WechatpayResponseError",
            code: "UNSIGNED_404",
        });
    });
});

describe("L4: Retry-After is honoured up to the step's deadline", () => {
    it("a Retry-After beyond the deadline fails at once, with one request", async () => {
        const p = await provider(MEMBERCARD_CALLBACK);
        emulator.failNext({ kind: "error", status: 429, code: "FREQUENCY_LIMITED", retryAfter: 120 }, 5);
        const started = Date.now();
        await expect(p.read(MCHID, { mchid: MCHID, notifyUrl: A })).rejects.toThrow(/FREQUENCY_LIMITED/);
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(calls(emulator)).toEqual(["GET 429"]);
    });
});

describe("L5: a preview with a merchant id known only at `up`", () => {
    it("plans an update, not a replacement", async () => {
        const p = await provider(MEMBERCARD_CALLBACK);
        await expect(p.diff(MCHID, { mchid: MCHID, notifyUrl: A }, { notifyUrl: A, mchid: UNKNOWN })).resolves.toEqual({
            changes: true,
        });
    });
});

describe("L6: names of merchants and public keys that look like key material", () => {
    it.each([
        ["wechatpay:merchants", (fragment: string) => JSON.stringify({ [fragment]: {} })],
        ["wechatpay:publicKeys", (fragment: string) => JSON.stringify({ [fragment]: "x" })],
    ])("%s: the name is not printed", async (key, value) => {
        const fragment = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC";
        const p = await provider(MEMBERCARD_CALLBACK, { [key]: value(fragment) });
        const error = await p.check({}, { notifyUrl: A }).catch((e: unknown) => e);
        expect(String((error as Error)?.message ?? JSON.stringify(error))).not.toContain(fragment.slice(0, 12));
    });
});

describe("L7: URL rules", () => {
    it.each([
        "https://api.example.com//",
        "https://api.example.com/.",
        "https://api.example.com/./",
        "https://api.example.com/notify%00",
        "https://API.example.com/notify",
    ])("refuses %s", (url) => {
        expect(checkInputs({ notifyUrl: url }, MEMBERCARD_CALLBACK)).not.toEqual([]);
    });
});

describe("L8: a numeric mchid", () => {
    it("says to write it as a string", () => {
        const [failure] = checkInputs({ notifyUrl: A, mchid: 1900000001 }, MEMBERCARD_CALLBACK);
        expect(failure?.reason).toMatch(/must be a string: write it in quotes, "1900000001"/);
    });
});

describe("M5: the URL from before the stack is printed before the write", () => {
    it("is in the deployment's output when the write arrives at WeChat Pay", async () => {
        emulator.setSetting("membercard", OLD);
        const p = await provider(MEMBERCARD_CALLBACK);
        const loggedAt: number[] = [];
        log.mockImplementation(() => {
            loggedAt.push(Date.now());
        });
        await p.create({ notifyUrl: A });
        const patch = emulator.requests.find((r) => r.method === "PATCH");
        // Out before the write arrived: a deployment killed while it is in flight has printed it already.
        expect(loggedAt[0]).toBeLessThanOrEqual(patch?.at ?? 0);
        expect(printed()).toContain(`the URL live before this resource is ${OLD}; destroy puts it back`);
    });

    it("the first Ctrl-C lets the write finish", async () => {
        emulator.setSetting("membercard", OLD);
        const p = await provider(MEMBERCARD_CALLBACK);
        const listeners = process.listenerCount("SIGINT");
        emulator.failNext({ kind: "delay", ms: 200 }, 1, { method: "PATCH" });
        const creating = p.create({ notifyUrl: A });
        await vi.waitFor(() => expect(process.listenerCount("SIGINT")).toBe(listeners + 1));
        process.emit("SIGINT", "SIGINT");
        await expect(creating).resolves.toMatchObject({ id: MCHID });
        expect(emulator.setting("membercard")).toBe(A);
        expect(printed()).toContain("finishing the WeChat Pay call in flight");
        expect(process.listenerCount("SIGINT")).toBe(listeners);
    });
});

describe("item 6: every signed 'none' shape is none, for all four APIs", () => {
    const shapes = NONE_SHAPES;
    for (const [, endpoint, setting] of ALL) {
        it.each(shapes)(`${endpoint.name}: a first create on a merchant answering %s`, async (shape) => {
            emulator.setUnsetReply(shape, MCHID);
            const p = await provider(endpoint);
            const created = await p.create({ notifyUrl: A });
            expect(created.outs).toEqual({ notifyUrl: A, mchid: MCHID, appliedNotifyUrl: A });
            expect(emulator.setting(setting)).toBe(A);
            expect(calls(emulator)[1]).toBe(`${endpoint.create} 200`);
        });
    }

    it("a signed 200 with the URL under another field name is not 'none': create fails before writing", async () => {
        emulator.setSetting("membercard", OLD);
        const p = await provider(MEMBERCARD_CALLBACK);
        emulator.failNext({ kind: "reply-body", body: JSON.stringify({ mchid: MCHID, url: OLD }) }, 1, {
            method: "GET",
        });
        await expect(p.create({ notifyUrl: A })).rejects.toMatchObject({ code: "MALFORMED_REPLY" });
        expect(emulator.setting("membercard")).toBe(OLD);
    });

    it.each(ALL)("%s: the same shapes unsigned, or for another merchant, stay errors", async (_name, endpoint) => {
        const p = await provider(endpoint);
        emulator.setUnsetReply("200 empty", MCHID);
        emulator.failNext({ kind: "missing-headers" });
        await expect(p.create({ notifyUrl: A })).rejects.toThrow();
        if (endpoint !== VIOLATION_NOTIFICATION) {
            emulator.failNext({
                kind: "reply-body",
                body: JSON.stringify({ mchid: OTHER_MCHID, [endpoint.wireField]: "" }),
            });
            emulator.setSetting(ALL.find(([, e]) => e === endpoint)?.[2] ?? "membercard", A);
            await expect(p.create({ notifyUrl: A })).rejects.toMatchObject({ code: "OTHER_MERCHANT" });
        }
    });
});
