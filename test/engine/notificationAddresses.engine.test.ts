/**
 * examples/notification-addresses end to end, the way `pulumi up` runs it: the program under `@pulumi/pulumi/cmd/run`,
 * each of its four resources through Pulumi's dynamic-provider host, the package as a user installs it, against the
 * emulator. One service-provider merchant that had a member-card and a complaint address before, and no coupon or
 * violation address. The story: preview → up → someone changes two addresses in the Pay platform → preview --refresh
 * shows the drift → refresh records it → up puts them back → destroy restores, removes or leaves each as its API
 * allows. Every step's WeChat Pay calls are asserted per resource.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    type Consumer,
    emulatorStackConfig,
    OLD_URL as OLD_MEMBERCARD,
    prepareConsumer,
    prepareExampleWorkDir,
    programEnv,
    REPO,
    SECRET_KEYS,
    SERVICE_PROVIDER,
    Stack,
} from "../../harness";
import { type Emulator, startEmulator } from "../../provider/testing";

const PROJECT = "wechatpay-notification-addresses";
const MCHID = SERVICE_PROVIDER.mchid;
const BASE = SERVICE_PROVIDER.base;
const OLD_COMPLAINTS = SERVICE_PROVIDER.oldComplaints;
const DRIFTED = "https://someone-else.example.com/notify";

const TYPES = {
    membercard: "pulumi-nodejs:dynamic/wechatpay:MembercardCallback",
    complaints: "pulumi-nodejs:dynamic/wechatpay:ComplaintNotification",
    coupons: "pulumi-nodejs:dynamic/wechatpay:BusifavorCallback",
    violations: "pulumi-nodejs:dynamic/wechatpay:ViolationNotification",
} as const;
const NAMES = Object.keys(TYPES) as (keyof typeof TYPES)[];
const urnOf = (name: keyof typeof TYPES) => `urn:pulumi:dev::${PROJECT}::${TYPES[name]}::${name}`;

/** The API path of each resource, to group the emulator's log by resource. */
const PATHS: Record<string, keyof typeof TYPES> = {
    "/v3/marketing/membercard-open/callback": "membercard",
    "/v3/merchant-service/complaint-notifications": "complaints",
    "/v3/marketing/busifavor/callbacks": "coupons",
    "/v3/merchant-risk-manage/violation-notifications": "violations",
};

let consumer: Consumer;
let emulator: Emulator;
let tmp: string;
let stack: Stack;
let programDir: string;

/** Requests since the last call, per resource, as `METHOD status`. */
let seen = 0;
function newCalls(): Record<string, string[]> {
    const out: Record<string, string[]> = { membercard: [], complaints: [], coupons: [], violations: [] };
    for (const r of emulator.requests.slice(seen)) {
        const name = PATHS[r.path.split("?")[0] ?? ""] ?? r.path;
        expect(r.mchid).toBe(MCHID);
        out[name] = [...(out[name] ?? []), `${r.method} ${r.status}`];
    }
    seen = emulator.requests.length;
    return out;
}

const live = () => ({
    membercard: emulator.notifyUrl(MCHID),
    complaints: emulator.setting("complaint", MCHID),
    coupons: emulator.setting("busifavor", MCHID),
    violations: emulator.setting("violation", MCHID),
});

beforeAll(async () => {
    [consumer, emulator] = await Promise.all([
        prepareConsumer({ packageDir: REPO }),
        startEmulator({
            merchants: [
                { mchid: MCHID, kind: "partner", notifyUrl: OLD_MEMBERCARD, settings: { complaint: OLD_COMPLAINTS } },
            ],
        }),
    ]);
    tmp = await mkdtemp(join(tmpdir(), "notification-addresses-"));
    programDir = await prepareExampleWorkDir(consumer, tmp, "notification-addresses");
    stack = new Stack({
        consumer,
        programDir,
        project: PROJECT,
        stack: "dev",
        stateFile: join(tmp, "state.json"),
        config: emulatorStackConfig(emulator, { [`${PROJECT}:notifyBaseUrl`]: `${BASE}/` }, MCHID),
        secretKeys: SECRET_KEYS,
        env: programEnv(),
    });
}, 300_000);

afterAll(async () => {
    await emulator?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("examples/notification-addresses through cmd/run and the provider host", () => {
    it("preview plans four creates and calls nothing", async () => {
        const result = await stack.preview();
        expect(result.steps).toEqual(NAMES.map((name) => ({ op: "create", urn: urnOf(name), name, changed: [] })));
        expect(emulator.requests).toEqual([]);
    });

    it("up creates each: GET, then the create or update method, by what was set", async () => {
        const result = await stack.up();
        expect(result.steps.map((s) => `${s.op} ${s.name}`)).toEqual(NAMES.map((n) => `create ${n}`));
        expect(newCalls()).toEqual({
            membercard: ["GET 200", "PATCH 200"],
            complaints: ["GET 200", "PUT 200"],
            coupons: ["GET 404", "POST 200"],
            violations: ["GET 404", "POST 200"],
        });
        expect(live()).toEqual({
            membercard: `${BASE}/membercard`,
            complaints: `${BASE}/complaints`,
            coupons: `${BASE}/coupons`,
            violations: `${BASE}/violations`,
        });
        expect(result.outputs).toEqual({
            mchid: MCHID,
            addresses: live(),
            previous: { membercard: OLD_MEMBERCARD, complaints: OLD_COMPLAINTS },
        });
        const state = await stack.state();
        expect(state.resources.map((r) => r.type).slice(2)).toEqual(NAMES.map((n) => TYPES[n]));
        for (const r of state.resources.slice(2)) {
            expect(r.id).toBe(MCHID);
            expect(String(r.outputs.__provider)).toMatch(/require\("pulumi-wechatpay\/dist\/\w+\.js"\)/);
        }
    });

    it("preview --refresh shows changes made outside Pulumi as drift: one GET each", async () => {
        emulator.setSetting("complaint", DRIFTED, MCHID);
        emulator.setSetting("violation", DRIFTED, MCHID);
        const result = await stack.preview({ refresh: true });
        expect(result.drift).toEqual([
            {
                urn: urnOf("complaints"),
                name: "complaints",
                changes: { notifyUrl: [`${BASE}/complaints`, DRIFTED] },
                gone: false,
            },
            {
                urn: urnOf("violations"),
                name: "violations",
                changes: { notifyUrl: [`${BASE}/violations`, DRIFTED] },
                gone: false,
            },
        ]);
        expect(result.steps.map((s) => `${s.op} ${s.name} ${s.changed.join(",")}`)).toEqual([
            "same membercard ",
            "update complaints notifyUrl",
            "same coupons ",
            "update violations notifyUrl",
        ]);
        expect(newCalls()).toEqual({
            membercard: ["GET 200"],
            complaints: ["GET 200"],
            coupons: ["GET 200"],
            violations: ["GET 200"],
        });
    });

    it("refresh records the drift; up puts the two back with one update each", async () => {
        const refreshed = await stack.refresh();
        expect(refreshed.drift.map((d) => d.name)).toEqual(["complaints", "violations"]);
        expect(newCalls()).toEqual({
            membercard: ["GET 200"],
            complaints: ["GET 200"],
            coupons: ["GET 200"],
            violations: ["GET 200"],
        });
        const result = await stack.up();
        expect(result.steps.map((s) => `${s.op} ${s.name}`)).toEqual([
            "same membercard",
            "update complaints",
            "same coupons",
            "update violations",
        ]);
        expect(newCalls()).toEqual({ membercard: [], complaints: ["PUT 200"], coupons: [], violations: ["PUT 200"] });
        expect(live().complaints).toBe(`${BASE}/complaints`);
        expect(live().violations).toBe(`${BASE}/violations`);
    });

    it("destroy restores what was there, deletes what was not, and leaves what cannot be cleared", async () => {
        const result = await stack.destroy();
        expect(result.steps.map((s) => `${s.op} ${s.name}`)).toEqual([...NAMES].reverse().map((n) => `delete ${n}`));
        expect(newCalls()).toEqual({
            membercard: ["GET 200", "PATCH 200"],
            complaints: ["GET 200", "PUT 200"],
            coupons: ["GET 200"],
            violations: ["GET 200", "DELETE 204", "GET 404"],
        });
        expect(live()).toEqual({
            membercard: OLD_MEMBERCARD,
            complaints: OLD_COMPLAINTS,
            coupons: `${BASE}/coupons`,
            violations: undefined,
        });
        expect((await stack.state()).resources).toEqual([]);
    });
});
