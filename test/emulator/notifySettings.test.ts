import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { BUSIFAVOR_CALLBACK, COMPLAINT_NOTIFICATION, VIOLATION_NOTIFICATION } from "../../provider/endpoints";
import type { NotifyEndpoint } from "../../provider/notifyEndpoint";
import { type Emulator, type SettingName, startEmulator } from "../../provider/testing";
import { calls, configuredNotifyProvider, pathCalls } from "./fixture";

/** A service provider (may call every API) and a direct merchant. */
const PARTNER = "1900000009";
const MERCHANT = "1900000001";
const OLD = "https://old.example.com/wechatpay/notify";
const NEW = "https://api.example.com/wechatpay/notify";
const NEWER = "https://api.example.com/wechatpay/notify-v2";
const OTHER = "https://someone-else.example.com/notify";

interface Case {
    endpoint: NotifyEndpoint;
    setting: SettingName;
    /** What GET answers when nothing is set. */
    unsetGet: string;
    /** The request line for the first write when none was set, and when one was. */
    create: string;
    update: string;
    /** The body sent for NEW. */
    body: Record<string, string>;
    /** The GET's path, query included. */
    getPath: string;
}

const CASES: Case[] = [
    {
        endpoint: COMPLAINT_NOTIFICATION,
        setting: "complaint",
        unsetGet: "GET 400",
        create: "POST 200",
        update: "PUT 200",
        body: { url: NEW },
        getPath: "/v3/merchant-service/complaint-notifications",
    },
    {
        endpoint: BUSIFAVOR_CALLBACK,
        setting: "busifavor",
        unsetGet: "GET 404",
        create: "POST 200",
        update: "POST 200",
        body: { mchid: PARTNER, notify_url: NEW },
        getPath: `/v3/marketing/busifavor/callbacks?mchid=${PARTNER}`,
    },
    {
        endpoint: VIOLATION_NOTIFICATION,
        setting: "violation",
        unsetGet: "GET 404",
        create: "POST 200",
        update: "PUT 200",
        body: { notify_url: NEW },
        getPath: "/v3/merchant-risk-manage/violation-notifications",
    },
];

let emulator: Emulator;

beforeAll(async () => {
    emulator = await startEmulator({ merchants: [{ mchid: MERCHANT }, { mchid: PARTNER, kind: "partner" }] });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

describe.each(CASES)("$endpoint.name", ({ endpoint, setting, unsetGet, create, update, body, getPath }) => {
    const provider = () => configuredNotifyProvider(endpoint, emulator, PARTNER);
    const live = () => emulator.setting(setting, PARTNER);

    it("check applies this API's rules", async () => {
        const p = await provider();
        const tooLong = `https://api.example.com/${"x".repeat(endpoint.maxLength - 23)}`;
        expect(tooLong.length).toBe(endpoint.maxLength + 1);
        await expect(p.check({}, { notifyUrl: tooLong })).resolves.toEqual({
            inputs: { notifyUrl: tooLong },
            failures: [
                {
                    property: "notifyUrl",
                    reason: `notifyUrl must be at most ${endpoint.maxLength} characters (WeChat Pay's limit), got ${endpoint.maxLength + 1}`,
                },
            ],
        });
        expect(emulator.requests).toEqual([]);
    });

    it("create with none set: GET, then the create method", async () => {
        const p = await provider();
        await expect(p.create({ notifyUrl: NEW })).resolves.toEqual({
            id: PARTNER,
            outs: { notifyUrl: NEW, mchid: PARTNER, appliedNotifyUrl: NEW },
        });
        expect(calls(emulator)).toEqual([unsetGet, create]);
        expect(emulator.requests[0]?.path).toBe(getPath);
        expect(JSON.parse(emulator.requests[1]?.body ?? "")).toEqual(body);
        expect(live()).toBe(NEW);
    });

    it("create adopts a set URL: GET, then the update method; destroy puts it back", async () => {
        emulator.setSetting(setting, OLD, PARTNER);
        const p = await provider();
        const created = await p.create({ notifyUrl: NEW });
        expect(created.outs).toEqual({ notifyUrl: NEW, mchid: PARTNER, appliedNotifyUrl: NEW, previousNotifyUrl: OLD });
        expect(calls(emulator)).toEqual(["GET 200", update]);
        emulator.reset();
        emulator.setSetting(setting, NEW, PARTNER);
        await p.delete(PARTNER, created.outs);
        expect(calls(emulator)).toEqual(["GET 200", update]);
        expect(live()).toBe(OLD);
    });

    it("read: one GET; drift shows; nothing set means gone", async () => {
        emulator.setSetting(setting, OTHER, PARTNER);
        const p = await provider();
        const state = { notifyUrl: NEW, mchid: PARTNER, appliedNotifyUrl: NEW };
        await expect(p.read(PARTNER, state)).resolves.toEqual({
            id: PARTNER,
            props: { notifyUrl: OTHER, mchid: PARTNER, appliedNotifyUrl: NEW },
            inputs: { notifyUrl: OTHER },
        });
        emulator.setSetting(setting, undefined, PARTNER);
        await expect(p.read(PARTNER, state)).resolves.toEqual({});
        expect(calls(emulator)).toEqual(["GET 200", unsetGet]);
    });

    it("update: one write with the update method", async () => {
        emulator.setSetting(setting, NEW, PARTNER);
        const p = await provider();
        const olds = { notifyUrl: NEW, mchid: PARTNER, appliedNotifyUrl: NEW };
        await expect(p.update(PARTNER, olds, { notifyUrl: NEWER })).resolves.toEqual({
            outs: { notifyUrl: NEWER, mchid: PARTNER, appliedNotifyUrl: NEWER },
        });
        expect(calls(emulator)).toEqual([update]);
        expect(live()).toBe(NEWER);
    });

    it("destroy leaves a URL someone changed since: one GET", async () => {
        emulator.setSetting(setting, OTHER, PARTNER);
        const p = await provider();
        const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
        try {
            await p.delete(PARTNER, { notifyUrl: NEW, mchid: PARTNER, appliedNotifyUrl: NEW, previousNotifyUrl: OLD });
            expect(log).toHaveBeenCalledWith(
                `${endpoint.name} ${PARTNER}: leaving the live notify URL as it is: it was changed outside Pulumi (live ${OTHER}, this resource set ${NEW}); the URL from before the stack was ${OLD}.`,
            );
        } finally {
            log.mockRestore();
        }
        expect(calls(emulator)).toEqual(["GET 200"]);
        expect(live()).toBe(OTHER);
    });

    it("retries a 500 on the write and succeeds", async () => {
        emulator.setSetting(setting, NEW, PARTNER);
        const p = await configuredNotifyProvider(endpoint, emulator, PARTNER);
        emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" });
        await p.update(PARTNER, { notifyUrl: NEW, mchid: PARTNER }, { notifyUrl: NEWER });
        expect(calls(emulator)).toEqual([`${endpoint.update} 500`, update]);
        expect(live()).toBe(NEWER);
    });

    it("a write whose reply does not verify is confirmed by a verified GET", async () => {
        emulator.setSetting(setting, NEW, PARTNER);
        const p = await provider();
        emulator.corruptNextSignature();
        await expect(p.update(PARTNER, { notifyUrl: NEW, mchid: PARTNER }, { notifyUrl: NEWER })).resolves.toEqual({
            outs: { notifyUrl: NEWER, mchid: PARTNER, appliedNotifyUrl: NEWER },
        });
        expect(calls(emulator)).toEqual([update, "GET 200"]);
    });

    it("an unsigned reply is an error, never 'unset': an unknown route, or the unset reply without signature", async () => {
        emulator.setSetting(setting, NEW, PARTNER);
        const p = await provider();
        const state = { notifyUrl: NEW, mchid: PARTNER };
        emulator.failNext({ kind: "unknown-route" });
        await expect(p.read(PARTNER, state)).rejects.toMatchObject({
            name: "WechatpayResponseError",
            code: "UNSIGNED_404",
            status: 404,
        });
        emulator.setSetting(setting, undefined, PARTNER);
        emulator.failNext({ kind: "missing-headers" });
        await expect(p.read(PARTNER, state)).rejects.toMatchObject({
            name: "WechatpayResponseError",
            code: endpoint.unset.status === 404 ? "UNSIGNED_404" : "UNSIGNED_NONE",
            status: endpoint.unset.status,
        });
        expect(calls(emulator)).toEqual(["GET 404", unsetGet]);
    });
});

describe("destroy with no previous URL", () => {
    it.each([
        [COMPLAINT_NOTIFICATION, "complaint", ["GET 200", "DELETE 204", "GET 400"]],
        [VIOLATION_NOTIFICATION, "violation", ["GET 200", "DELETE 204", "GET 404"]],
    ] as const)(
        "%s: GET, then DELETE (204, verified), confirmed by a signed GET showing none",
        async (endpoint, setting, expected) => {
            emulator.setSetting(setting, NEW, PARTNER);
            const p = await configuredNotifyProvider(endpoint, emulator, PARTNER);
            await p.delete(PARTNER, { notifyUrl: NEW, mchid: PARTNER, appliedNotifyUrl: NEW });
            expect(calls(emulator)).toEqual(expected);
            expect(emulator.setting(setting, PARTNER)).toBeUndefined();
        },
    );

    it.each([
        ["ComplaintNotification", COMPLAINT_NOTIFICATION, "complaint", "PUT 200"],
        ["ViolationNotification", VIOLATION_NOTIFICATION, "violation", "PUT 200"],
    ] as const)(
        "%s: a URL equal to ours before create is recorded, so destroy keeps it, never DELETEs it",
        async (_name, endpoint, setting, put) => {
            emulator.setSetting(setting, NEW, PARTNER);
            const p = await configuredNotifyProvider(endpoint, emulator, PARTNER);
            const created = await p.create({ notifyUrl: NEW });
            expect(created.outs).toEqual({
                notifyUrl: NEW,
                mchid: PARTNER,
                appliedNotifyUrl: NEW,
                previousNotifyUrl: NEW,
            });
            emulator.reset();
            emulator.setSetting(setting, NEW, PARTNER);
            await p.delete(PARTNER, created.outs);
            expect(calls(emulator)).toEqual(["GET 200", put]);
            expect(emulator.setting(setting, PARTNER)).toBe(NEW);
        },
    );

    it("state that records no URL of ours: destroy sends nothing and says why", async () => {
        const p = await configuredNotifyProvider(COMPLAINT_NOTIFICATION, emulator, PARTNER);
        const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
        try {
            await p.delete(PARTNER, { mchid: PARTNER });
            expect(log).toHaveBeenCalledWith(
                `ComplaintNotification ${PARTNER}: leaving the live notify URL as it is: this resource's state records no URL it set.`,
            );
        } finally {
            log.mockRestore();
        }
        expect(calls(emulator)).toEqual([]);
    });

    it("BusifavorCallback: GET only, and says why the URL stays (no DELETE)", async () => {
        emulator.setSetting("busifavor", NEW, PARTNER);
        const p = await configuredNotifyProvider(BUSIFAVOR_CALLBACK, emulator, PARTNER);
        const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
        try {
            await p.delete(PARTNER, { notifyUrl: NEW, mchid: PARTNER, appliedNotifyUrl: NEW });
            expect(log).toHaveBeenCalledWith(
                `BusifavorCallback ${PARTNER}: leaving the live notify URL as it is: no URL was set before this resource, and WeChat Pay has no way to clear it.`,
            );
        } finally {
            log.mockRestore();
        }
        expect(calls(emulator)).toEqual(["GET 200"]);
        expect(emulator.setting("busifavor", PARTNER)).toBe(NEW);
    });

    it("a DELETE whose 204 does not verify is confirmed by a verified GET showing none", async () => {
        emulator.setSetting("violation", NEW, PARTNER);
        const p = await configuredNotifyProvider(VIOLATION_NOTIFICATION, emulator, PARTNER);
        // Faults go to requests in order: nothing on the GET, a bad signature on the DELETE.
        emulator.failNext({ kind: "delay", ms: 0 });
        emulator.corruptNextSignature();
        await p.delete(PARTNER, { notifyUrl: NEW, mchid: PARTNER, appliedNotifyUrl: NEW });
        expect(calls(emulator)).toEqual(["GET 200", "DELETE 204", "GET 404"]);
        expect(emulator.requests.map((r) => r.fault)).toEqual(["delay", "bad-signature", undefined]);
        expect(emulator.setting("violation", PARTNER)).toBeUndefined();
    });
});

/** An emulator on which someone sets `setting` to OTHER just before the first request after create's GET arrives. */
async function racingEmulator(setting: SettingName): Promise<Emulator> {
    let raced = false;
    const racing = await startEmulator({
        merchants: [{ mchid: PARTNER, kind: "partner" }],
        onRequest: () => {
            if (!raced) {
                raced = true;
                racing.setSetting(setting, OTHER, PARTNER);
            }
        },
    });
    return racing;
}

describe("a create that races another writer", () => {
    it.each([
        ["ComplaintNotification", COMPLAINT_NOTIFICATION, "complaint", ["GET 400", "POST 400", "GET 200", "PUT 200"]],
        ["ViolationNotification", VIOLATION_NOTIFICATION, "violation", ["GET 404", "POST 400", "GET 200", "PUT 200"]],
    ] as const)(
        "%s: a refused POST is followed by a GET, then PUT; the URL it replaced is recorded",
        async (_name, endpoint, setting, expected) => {
            const racing = await racingEmulator(setting);
            try {
                const p = await configuredNotifyProvider(endpoint, racing, PARTNER);
                await expect(p.create({ notifyUrl: NEW })).resolves.toEqual({
                    id: PARTNER,
                    outs: { notifyUrl: NEW, mchid: PARTNER, appliedNotifyUrl: NEW, previousNotifyUrl: OTHER },
                });
                expect(calls(racing)).toEqual(expected);
                expect(racing.setting(setting, PARTNER)).toBe(NEW);
            } finally {
                await racing.close();
            }
        },
    );

    it("ComplaintNotification: when the PUT after the race is uncertain, the raced URL is recorded and destroy restores it", async () => {
        const racing = await racingEmulator("complaint");
        try {
            const p = await configuredNotifyProvider(COMPLAINT_NOTIFICATION, racing, PARTNER, {
                "wechatpay:maxRetries": "0",
            });
            racing.failNext({ kind: "delay", ms: 0 }, 3); // GET (none), POST (refused: raced), GET (OTHER)
            racing.failNext({ kind: "bad-signature" }); // the PUT lands, its reply does not verify
            racing.failNext({ kind: "error", status: 403, code: "NO_AUTH" }); // the read-back cannot decide
            const created = p.create({ notifyUrl: NEW });
            await expect(created).rejects.toMatchObject({
                id: PARTNER,
                properties: { mchid: PARTNER, appliedNotifyUrl: NEW, previousNotifyUrl: OTHER, notifyUrl: OTHER },
            });
            expect(calls(racing)).toEqual(["GET 400", "POST 400", "GET 200", "PUT 200", "GET 403"]);
            const kept = await created.then(
                () => ({}),
                (e: { properties: Record<string, string> }) => e.properties,
            );
            racing.reset();
            racing.setSetting("complaint", NEW, PARTNER);
            await p.delete(PARTNER, kept);
            expect(calls(racing)).toEqual(["GET 200", "PUT 200"]);
            expect(racing.setting("complaint", PARTNER)).toBe(OTHER);
        } finally {
            await racing.close();
        }
    });
});

describe("who may call", () => {
    it("a direct merchant's ViolationNotification fails with a hint naming who may call it", async () => {
        const p = await configuredNotifyProvider(VIOLATION_NOTIFICATION, emulator, MERCHANT);
        await expect(p.create({ notifyUrl: NEW })).rejects.toMatchObject({
            name: "WechatpayApiError",
            status: 400,
            code: "INVALID_REQUEST",
            message: expect.stringMatching(
                /^WeChat Pay rejected GET \/v3\/merchant-risk-manage\/violation-notifications: 400 INVALID_REQUEST: 商户类型错误，请检查后重试 \(Request-ID [0-9A-F]{32}\)\. /,
            ),
        });
        await expect(p.create({ notifyUrl: NEW })).rejects.toMatchObject({
            message: expect.stringContaining(
                "Only service providers (普通服务商), institutions (从业机构) and channel partners (渠道商) can manage violation " +
                    "notifications; a direct merchant (普通商户) gets this reply (商户类型错误 or 商户信息不合法). If this merchant is " +
                    "one of those, check `notifyUrl` (https, at most 256 characters, no query)",
            ),
        });
        expect(calls(emulator)).toEqual(["GET 400", "GET 400"]);
    });

    it("the same hint for 403 NO_AUTH, whatever the message", async () => {
        const p = await configuredNotifyProvider(VIOLATION_NOTIFICATION, emulator, PARTNER);
        emulator.failNext({ kind: "error", status: 403, code: "NO_AUTH", message: "商户信息不合法" });
        await expect(p.read(PARTNER, { notifyUrl: NEW, mchid: PARTNER })).rejects.toMatchObject({
            name: "WechatpayApiError",
            code: "NO_AUTH",
            message: expect.stringContaining("a direct merchant (普通商户) gets this reply"),
        });
    });

    it("a complaint GET's signed 404 RESOURCE_NOT_EXISTS says none too: refresh drops the resource", async () => {
        const p = await configuredNotifyProvider(COMPLAINT_NOTIFICATION, emulator, PARTNER);
        emulator.failNext({ kind: "error", status: 404, code: "RESOURCE_NOT_EXISTS" });
        await expect(p.read(PARTNER, { notifyUrl: NEW, mchid: PARTNER })).resolves.toEqual({});
    });

    it("one merchant keeps one setting per API: the four live side by side", async () => {
        for (const endpoint of [COMPLAINT_NOTIFICATION, BUSIFAVOR_CALLBACK, VIOLATION_NOTIFICATION]) {
            const p = await configuredNotifyProvider(endpoint, emulator, PARTNER);
            await p.create({ notifyUrl: `${NEW}/${endpoint.name}` });
        }
        expect(emulator.setting("complaint", PARTNER)).toBe(`${NEW}/ComplaintNotification`);
        expect(emulator.setting("busifavor", PARTNER)).toBe(`${NEW}/BusifavorCallback`);
        expect(emulator.setting("violation", PARTNER)).toBe(`${NEW}/ViolationNotification`);
        expect(emulator.notifyUrl(PARTNER)).toBeUndefined();
        expect(pathCalls(emulator)).toHaveLength(6);
    });
});
