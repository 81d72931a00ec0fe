/**
 * The examples through the real Pulumi CLI, one runtime at a time (node20.realcli.test.ts, node24.realcli.test.ts):
 *
 *   stack init → config set (--secret for keys) → preview → up → someone changes a URL in the Pay platform →
 *   preview --refresh --expect-no-changes fails (exit 7) and shows the diff → refresh --preview-only
 *   --expect-no-changes fails too → up --refresh puts it back → destroy restores what was there before.
 *
 * The WeChat Pay calls (the emulator's log) are asserted per step, grouped per resource (API and merchant): the CLI
 * runs independent resources' steps in parallel, so only each resource's own order is fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    DRIFTED_URL,
    emulatorStackConfig,
    keyFragments,
    MCHID,
    merchantProfiles,
    OLD_URL,
    OTHER_MCHIDS,
    SECRET_KEYS,
    SERVICE_PROVIDER,
    URL_A,
} from "../../harness";
import {
    findRealCli,
    type NodeRuntime,
    prepareRuntimeConsumer,
    type RealCli,
    RealCliProject,
    type StackExport,
} from "../../harness/realCli";
import { type Emulator, startEmulator } from "../../provider/testing";

export const STEP_MS = 240_000;
const [M2, M3] = OTHER_MCHIDS;

/** The API of each path, to group the emulator's log per resource. */
const API: Record<string, string> = {
    "/v3/marketing/membercard-open/callback": "membercard",
    "/v3/merchant-service/complaint-notifications": "complaints",
    "/v3/marketing/busifavor/callbacks": "coupons",
    "/v3/merchant-risk-manage/violation-notifications": "violations",
};

/** Reads the emulator's log since the last call, as `{ "<api> <mchid>": ["METHOD status", …] }`. */
export function callLog(emulator: Emulator): () => Record<string, string[]> {
    let seen = 0;
    return () => {
        const out: Record<string, string[]> = {};
        for (const r of emulator.requests.slice(seen)) {
            const key = `${API[r.path.split("?")[0] ?? ""] ?? r.path} ${r.mchid ?? "?"}`;
            out[key] = [...(out[key] ?? []), `${r.method} ${r.status}`];
        }
        seen = emulator.requests.length;
        return out;
    };
}

/** Every resource of the given custom types in an export, by name (the URN's last part). */
export function resourcesByName(state: StackExport): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const r of state.deployment.resources ?? []) {
        if (r.type.startsWith("pulumi-nodejs:dynamic/wechatpay:")) out[r.urn.split("::").pop() ?? ""] = r.outputs ?? {};
    }
    return out;
}

/** What one example needs: its emulator merchants, stack config, and the calls and URLs expected at each step. */
interface Story {
    example: string;
    project: string;
    merchants: Parameters<typeof startEmulator>[0];
    config(emulator: Emulator): Record<string, string>;
    secretKeys: readonly string[];
    /** `+ <type> <name> create` lines the first preview must show. */
    creates: string[];
    up: Record<string, string[]>;
    live(emulator: Emulator): Record<string, string | undefined>;
    afterUp: Record<string, string | undefined>;
    drift(emulator: Emulator): void;
    /** Resource names the drift touched (shown as updates of notifyUrl). */
    drifted: string[];
    /** One GET per resource: every refresh reads each once. */
    reads: Record<string, string[]>;
    upRefresh: Record<string, string[]>;
    destroy: Record<string, string[]>;
    afterDestroy: Record<string, string | undefined>;
}

const NA_MCHID = SERVICE_PROVIDER.mchid;
const BASE = SERVICE_PROVIDER.base;
const OLD_COMPLAINTS = SERVICE_PROVIDER.oldComplaints;
const BRAND = (b: string) => `https://api.example.com/brand-${b}/membercard`;
const get = (key: string) => ({ [key]: ["GET 200"] });

export const STORIES: Story[] = [
    {
        example: "quickstart",
        project: "wechatpay-quickstart",
        merchants: { merchants: [{ mchid: MCHID, notifyUrl: OLD_URL }] },
        config: (e) => emulatorStackConfig(e, { "wechatpay-quickstart:notifyUrl": URL_A }),
        secretKeys: SECRET_KEYS,
        creates: ["membercard"],
        up: { [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] },
        live: (e) => ({ membercard: e.notifyUrl(MCHID) }),
        afterUp: { membercard: URL_A },
        drift: (e) => e.setNotifyUrl(DRIFTED_URL, MCHID),
        drifted: ["membercard"],
        reads: get(`membercard ${MCHID}`),
        upRefresh: { [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] },
        destroy: { [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] },
        afterDestroy: { membercard: OLD_URL },
    },
    {
        example: "multi-merchant",
        project: "wechatpay-multi-merchant",
        merchants: {
            merchants: [{ mchid: MCHID, notifyUrl: OLD_URL }, { mchid: M2 }, { mchid: M3, notifyUrl: OLD_URL }],
        },
        config: (e) =>
            emulatorStackConfig(e, {
                "wechatpay:merchants": merchantProfiles(e, [M2, M3]),
                "wechatpay-multi-merchant:brands": JSON.stringify({
                    a: { notifyUrl: BRAND("a") },
                    b: { mchid: M2, notifyUrl: BRAND("b") },
                    c: { mchid: M3, notifyUrl: BRAND("c") },
                }),
            }),
        secretKeys: [...SECRET_KEYS, "wechatpay:merchants"],
        creates: ["membercard-a", "membercard-b", "membercard-c"],
        // M2 never had a URL: the emulator answers its GET as WeChat Pay answers "nothing set".
        up: {
            [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"],
            [`membercard ${M2}`]: ["GET 404", "PATCH 200"],
            [`membercard ${M3}`]: ["GET 200", "PATCH 200"],
        },
        live: (e) => ({ a: e.notifyUrl(MCHID), b: e.notifyUrl(M2), c: e.notifyUrl(M3) }),
        afterUp: { a: BRAND("a"), b: BRAND("b"), c: BRAND("c") },
        drift: (e) => e.setNotifyUrl(DRIFTED_URL, M2),
        drifted: ["membercard-b"],
        reads: { ...get(`membercard ${MCHID}`), ...get(`membercard ${M2}`), ...get(`membercard ${M3}`) },
        upRefresh: {
            ...get(`membercard ${MCHID}`),
            [`membercard ${M2}`]: ["GET 200", "PATCH 200"],
            ...get(`membercard ${M3}`),
        },
        // M2 had no URL before: nothing to put back (the API cannot delete one), so only a GET.
        destroy: {
            [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"],
            ...get(`membercard ${M2}`),
            [`membercard ${M3}`]: ["GET 200", "PATCH 200"],
        },
        afterDestroy: { a: OLD_URL, b: BRAND("b"), c: OLD_URL },
    },
    {
        example: "computed-url",
        project: "wechatpay-computed-url",
        merchants: { merchants: [{ mchid: MCHID, notifyUrl: OLD_URL }] },
        config: (e) => emulatorStackConfig(e, { "wechatpay-computed-url:apiBaseUrl": "https://api.example.com/" }),
        secretKeys: SECRET_KEYS,
        creates: ["membercard-route", "membercard"],
        up: { [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] },
        live: (e) => ({ membercard: e.notifyUrl(MCHID) }),
        // The route's token is random: only its shape is known.
        afterUp: { membercard: "https://api.example.com/wechatpay/membercard/<token>" },
        drift: (e) => e.setNotifyUrl(DRIFTED_URL, MCHID),
        drifted: ["membercard"],
        reads: get(`membercard ${MCHID}`),
        upRefresh: { [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] },
        destroy: { [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] },
        afterDestroy: { membercard: OLD_URL },
    },
    {
        example: "notification-addresses",
        project: "wechatpay-notification-addresses",
        merchants: {
            merchants: [
                { mchid: NA_MCHID, kind: "partner", notifyUrl: OLD_URL, settings: { complaint: OLD_COMPLAINTS } },
            ],
        },
        config: (e) =>
            emulatorStackConfig(e, { "wechatpay-notification-addresses:notifyBaseUrl": `${BASE}/` }, NA_MCHID),
        secretKeys: SECRET_KEYS,
        creates: ["membercard", "complaints", "coupons", "violations"],
        up: {
            [`membercard ${NA_MCHID}`]: ["GET 200", "PATCH 200"],
            [`complaints ${NA_MCHID}`]: ["GET 200", "PUT 200"],
            [`coupons ${NA_MCHID}`]: ["GET 404", "POST 200"],
            [`violations ${NA_MCHID}`]: ["GET 404", "POST 200"],
        },
        live: (e) => ({
            membercard: e.notifyUrl(NA_MCHID),
            complaints: e.setting("complaint", NA_MCHID),
            coupons: e.setting("busifavor", NA_MCHID),
            violations: e.setting("violation", NA_MCHID),
        }),
        afterUp: {
            membercard: `${BASE}/membercard`,
            complaints: `${BASE}/complaints`,
            coupons: `${BASE}/coupons`,
            violations: `${BASE}/violations`,
        },
        drift: (e) => {
            e.setSetting("complaint", DRIFTED_URL, NA_MCHID);
            e.setSetting("violation", DRIFTED_URL, NA_MCHID);
        },
        drifted: ["complaints", "violations"],
        reads: Object.fromEntries(
            ["membercard", "complaints", "coupons", "violations"].map((a) => [`${a} ${NA_MCHID}`, ["GET 200"]]),
        ),
        upRefresh: {
            ...get(`membercard ${NA_MCHID}`),
            [`complaints ${NA_MCHID}`]: ["GET 200", "PUT 200"],
            ...get(`coupons ${NA_MCHID}`),
            [`violations ${NA_MCHID}`]: ["GET 200", "PUT 200"],
        },
        // Restores what was there, deletes what was not where the API can (and confirms with a signed read), leaves
        // the coupon address (no DELETE).
        destroy: {
            [`membercard ${NA_MCHID}`]: ["GET 200", "PATCH 200"],
            [`complaints ${NA_MCHID}`]: ["GET 200", "PUT 200"],
            ...get(`coupons ${NA_MCHID}`),
            [`violations ${NA_MCHID}`]: ["GET 200", "DELETE 204", "GET 404"],
        },
        afterDestroy: {
            membercard: OLD_URL,
            complaints: OLD_COMPLAINTS,
            coupons: `${BASE}/coupons`,
            violations: undefined,
        },
    },
];

/** The `--diff` block of a planned update of the resource `name`: its type, `(update)`, its id and URN. */
const updateBlock = (name: string) =>
    new RegExp(
        `~ pulumi-nodejs:dynamic/wechatpay:\\w+: \\(update\\)\\n\\s+\\[id=\\d+\\]\\n\\s+\\[urn=[^\\]]*::${name}\\]`,
    );

/** Replaces computed-url's random route token so that live URLs compare. */
const untoken = (v: string | undefined) => v?.replace(/\/[0-9a-f]{32}$/, "/<token>");
const liveNow = (story: Story, e: Emulator) =>
    Object.fromEntries(Object.entries(story.live(e)).map(([k, v]) => [k, untoken(v)]));

/** `describe`s every example for one runtime; skipped, with the reason in the title and on stderr, without one. */
export function describeExamples(file: string, runtime: NodeRuntime | undefined, runtimeReason: string): void {
    const { cli, reason } = findRealCli();
    const why = cli === undefined ? reason : runtime === undefined ? runtimeReason : "";
    if (why !== "") console.warn(`${file}: skipped: ${why}`);
    for (const story of STORIES) {
        const title =
            cli === undefined || runtime === undefined
                ? `examples/${story.example} through the real Pulumi CLI (skipped: ${why})`
                : `examples/${story.example} through pulumi ${cli.version} on ${runtime.label} (${runtime.version}), @pulumi/pulumi ${runtime.pulumiVersion ?? "from the lockfile"}`;
        describe.skipIf(cli === undefined || runtime === undefined)(title, () => {
            if (cli !== undefined && runtime !== undefined) exampleSteps(story, cli, runtime);
        });
    }
}

function exampleSteps(story: Story, cli: RealCli, runtime: NodeRuntime): void {
    let emulator: Emulator;
    let project: RealCliProject;
    let newCalls: () => Record<string, string[]>;

    beforeAll(async () => {
        const [consumer, started] = await Promise.all([
            prepareRuntimeConsumer(runtime),
            startEmulator(story.merchants),
        ]);
        emulator = started;
        newCalls = callLog(emulator);
        project = await RealCliProject.create({ cli, runtime, consumer, example: story.example });
    }, STEP_MS);

    afterAll(async () => {
        await emulator?.close();
        await project?.dispose();
    });

    it(
        "stack init and config set --secret: the key is stored encrypted, nothing is called",
        async () => {
            const config = story.config(emulator);
            await project.init(config, story.secretKeys);
            const stackYaml = await project.ok(["config", "--stack", "dev", "--json"]);
            const shown = JSON.parse(stackYaml.stdout) as Record<string, { secret: boolean; value?: string }>;
            expect(shown["wechatpay:privateKey"]).toMatchObject({ secret: true });
            expect(shown["wechatpay:privateKey"]?.value).toBeUndefined();
            expect(newCalls()).toEqual({});
        },
        STEP_MS,
    );

    it(
        "preview plans the creates and calls nothing",
        async () => {
            const r = await project.ok(["preview", "--stack", "dev"]);
            for (const name of story.creates) expect(r.stdout).toMatch(new RegExp(`\\+ .* ${name}\\s+create`));
            expect(newCalls()).toEqual({});
        },
        STEP_MS,
    );

    it(
        "up creates each: reads what was live, then writes ours; the export holds no key material",
        async () => {
            await project.ok(["up", "--stack", "dev", "--yes"]);
            expect(newCalls()).toEqual(story.up);
            expect(liveNow(story, emulator)).toEqual(story.afterUp);
            const exported = JSON.stringify(await project.exportState());
            const raw = await project.stateFileText();
            for (const fragment of keyFragments(emulator.credentials(emulator.credentials().mchid).privateKey)) {
                expect(exported).not.toContain(fragment);
                expect(raw).not.toContain(fragment);
            }
        },
        STEP_MS,
    );

    it(
        "after a change in the Pay platform, preview --refresh --expect-no-changes exits 7 and shows the diff",
        async () => {
            const before = resourcesByName(await project.exportState());
            story.drift(emulator);
            const r = await project.run(["preview", "--stack", "dev", "--refresh", "--expect-no-changes", "--diff"]);
            // Exit code 7 for "expected no changes" since CLI 3.226.1 (pkg/cmd/pulumi exit-code mapping).
            expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(7);
            // --diff shows each planned update with its URN, and the property going from the live value back to ours.
            for (const name of story.drifted) expect(r.stdout).toMatch(updateBlock(name));
            expect(r.stdout).toContain(`~ notifyUrl: "${DRIFTED_URL}" => "`);
            expect(r.stderr).toContain("no changes were expected for preview but changes were proposed");
            expect(newCalls()).toEqual(story.reads);
            // A preview writes nothing: neither WeChat Pay nor the state.
            expect(resourcesByName(await project.exportState())).toEqual(before);
        },
        STEP_MS,
    );

    it(
        "refresh --preview-only --expect-no-changes fails too, reading only",
        async () => {
            const before = resourcesByName(await project.exportState());
            const r = await project.run(["refresh", "--stack", "dev", "--preview-only", "--expect-no-changes"]);
            expect(r.code, `${r.stdout}\n${r.stderr}`).not.toBe(0);
            // multi-merchant's membercard-b shows `[diff: -mchid~notifyUrl]`: the provider's `read` returns
            // `inputs: { notifyUrl }` only, so a refresh drops an explicit `mchid` input (reported, provider side).
            for (const name of story.drifted) {
                expect(r.stdout).toMatch(
                    new RegExp(`~ +pulumi-nodejs:dynamic/wechatpay:\\w+ ${name} update \\[diff: [^\\]]*~notifyUrl\\]`),
                );
            }
            expect(r.stderr).toContain("no changes were expected for refresh but changes were proposed");
            expect(newCalls()).toEqual(story.reads);
            expect(resourcesByName(await project.exportState())).toEqual(before);
        },
        STEP_MS,
    );

    it(
        "up --refresh puts our URLs back with one write per drifted resource",
        async () => {
            await project.ok(["up", "--stack", "dev", "--refresh", "--yes"]);
            // `up --yes` still previews first, and that preview refreshes too: one more read per resource.
            const previewThenUpdate = Object.entries(story.upRefresh).map(([k, v]) => [k, ["GET 200", ...v]]);
            expect(newCalls()).toEqual(Object.fromEntries(previewThenUpdate));
            expect(liveNow(story, emulator)).toEqual(story.afterUp);
            const again = await project.run(["preview", "--stack", "dev", "--refresh", "--expect-no-changes"]);
            expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
            expect(newCalls()).toEqual(story.reads);
        },
        STEP_MS,
    );

    it(
        "destroy restores what was there before",
        async () => {
            await project.ok(["destroy", "--stack", "dev", "--yes"]);
            expect(newCalls()).toEqual(story.destroy);
            expect(liveNow(story, emulator)).toEqual(story.afterDestroy);
            expect(resourcesByName(await project.exportState())).toEqual({});
        },
        STEP_MS,
    );
}
