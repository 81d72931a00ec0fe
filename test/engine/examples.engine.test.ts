/**
 * The examples run the way `pulumi up` runs them: the program under `@pulumi/pulumi/cmd/run` (TypeScript compiled by
 * Pulumi's runtime, config as the CLI passes it), each resource through Pulumi's dynamic-provider host, the package
 * as a user installs it, against the emulator. The story: preview → up → someone changes the URL in the Pay platform →
 * preview --refresh shows the drift → up --refresh fixes it → destroy puts back what was there before.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    type Consumer,
    DRIFTED_URL,
    emulatorStackConfig,
    keyFragments,
    MCHID,
    merchantProfiles,
    OLD_URL,
    OTHER_MCHIDS,
    prepareConsumer,
    prepareExampleWorkDir,
    programEnv,
    REPO,
    SECRET_KEYS,
    Stack,
    TYPE,
    URL_A,
} from "../../harness";
import { type Emulator, startEmulator } from "../../provider/testing";

const [M2, M3] = OTHER_MCHIDS;

let consumer: Consumer;
let emulator: Emulator;
let tmp: string;

/** Requests since the last call, as `METHOD status mchid`. */
let seen = 0;
function newCalls(): string[] {
    const calls = emulator.requests.slice(seen).map((r) => `${r.method} ${r.status} ${r.mchid}`);
    seen = emulator.requests.length;
    return calls;
}

beforeAll(async () => {
    [consumer, emulator] = await Promise.all([
        prepareConsumer({ packageDir: REPO }),
        startEmulator({
            merchants: [{ mchid: MCHID, notifyUrl: OLD_URL }, { mchid: M2 }, { mchid: M3, notifyUrl: OLD_URL }],
        }),
    ]);
    tmp = await mkdtemp(join(tmpdir(), "examples-engine-"));
});

afterAll(async () => {
    await emulator?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
});

const urnOf = (project: string, name: string) => `urn:pulumi:dev::${project}::${TYPE}::${name}`;

/** Stack `dev` of the program in `programDir`, its state in `<tmp>/<project>.state.json`. */
function devStack(programDir: string, project: string, config: Record<string, string>, secretKeys = SECRET_KEYS) {
    const stateFile = join(tmp, `${project}.state.json`);
    return new Stack({ consumer, programDir, project, stack: "dev", stateFile, config, secretKeys, env: programEnv() });
}

describe("examples/quickstart through cmd/run and the provider host", () => {
    const PROJECT = "wechatpay-quickstart";
    let stack: Stack;
    let programDir: string;

    beforeAll(async () => {
        programDir = await prepareExampleWorkDir(consumer, tmp, "quickstart");
        stack = devStack(programDir, PROJECT, emulatorStackConfig(emulator, { [`${PROJECT}:notifyUrl`]: URL_A }));
        newCalls();
    });

    it("preview plans a create and calls nothing", async () => {
        const result = await stack.preview();
        expect(result.steps).toEqual([
            { op: "create", urn: urnOf(PROJECT, "membercard"), name: "membercard", changed: [] },
        ]);
        expect(result.outputs.notifyUrl).toBe(URL_A);
        expect(newCalls()).toEqual([]);
    });

    it("up creates: reads what was live, then sets the URL; the state records the provider's config", async () => {
        const result = await stack.up();
        expect(result.steps.map((s) => `${s.op} ${s.name}`)).toEqual(["create membercard"]);
        expect(result.outputs).toEqual({ mchid: MCHID, notifyUrl: URL_A, previousNotifyUrl: OLD_URL });
        expect(newCalls()).toEqual([`GET 200 ${MCHID}`, `PATCH 200 ${MCHID}`]);
        expect(emulator.notifyUrl(MCHID)).toBe(URL_A);

        const state = await stack.state();
        expect(state.resources.map((r) => r.type)).toEqual([
            "pulumi:pulumi:Stack",
            "pulumi:providers:pulumi-nodejs",
            TYPE,
        ]);
        const provider = state.resources[1];
        expect(provider?.inputs["wechatpay:mchid"]).toBe(MCHID);
        expect(provider?.inputs["wechatpay:privateKey"]).toMatchObject({
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        });
        // Outside the provider's (marked) config, no resource carries the key.
        const resources = JSON.stringify(state.resources.filter((r) => r.type === TYPE));
        for (const fragment of keyFragments(emulator.credentials(MCHID).privateKey)) {
            expect(resources).not.toContain(fragment);
        }
    });

    it("preview --refresh shows a change made outside Pulumi as drift and plans an update", async () => {
        emulator.setNotifyUrl(DRIFTED_URL, MCHID);
        const result = await stack.preview({ refresh: true });
        expect(result.drift).toEqual([
            {
                urn: urnOf(PROJECT, "membercard"),
                name: "membercard",
                changes: { notifyUrl: [URL_A, DRIFTED_URL] },
                gone: false,
            },
        ]);
        expect(result.steps.map((s) => `${s.op} ${s.name} ${s.changed.join(",")}`)).toEqual([
            "update membercard notifyUrl",
        ]);
        expect(newCalls()).toEqual([`GET 200 ${MCHID}`]);
        expect(emulator.notifyUrl(MCHID)).toBe(DRIFTED_URL);
    });

    it("up --refresh puts the URL back", async () => {
        const result = await stack.up({ refresh: true });
        expect(result.steps.map((s) => `${s.op} ${s.name}`)).toEqual(["update membercard"]);
        expect(newCalls()).toEqual([`GET 200 ${MCHID}`, `PATCH 200 ${MCHID}`]);
        expect(emulator.notifyUrl(MCHID)).toBe(URL_A);
        expect(result.outputs).toEqual({ mchid: MCHID, notifyUrl: URL_A, previousNotifyUrl: OLD_URL });
    });

    it("destroy, configured from the recorded provider inputs, restores the URL from before", async () => {
        // A stack object with no config at all: only the provider inputs in the state file can configure the host.
        const result = await devStack(programDir, PROJECT, {}).destroy();
        expect(result.steps.map((s) => `${s.op} ${s.name}`)).toEqual(["delete membercard"]);
        expect(newCalls()).toEqual([`GET 200 ${MCHID}`, `PATCH 200 ${MCHID}`]);
        expect(emulator.notifyUrl(MCHID)).toBe(OLD_URL);
        expect((await stack.state()).resources).toEqual([]);
    });
});

describe("examples/multi-merchant through cmd/run and the provider host", () => {
    const PROJECT = "wechatpay-multi-merchant";
    const BRAND = (b: string) => `https://api.example.com/brand-${b}/membercard`;
    let stack: Stack;

    beforeAll(async () => {
        const programDir = await prepareExampleWorkDir(consumer, tmp, "multi-merchant");
        const config = emulatorStackConfig(emulator, {
            "wechatpay:merchants": merchantProfiles(emulator, [M2, M3]),
            [`${PROJECT}:brands`]: JSON.stringify({
                a: { notifyUrl: BRAND("a") },
                b: { mchid: M2, notifyUrl: BRAND("b") },
                c: { mchid: M3, notifyUrl: BRAND("c") },
            }),
        });
        stack = devStack(programDir, PROJECT, config, [...SECRET_KEYS, "wechatpay:merchants"]);
        emulator.setNotifyUrl(OLD_URL, MCHID);
        newCalls();
    });

    it("preview plans three creates and calls nothing", async () => {
        const result = await stack.preview();
        expect(result.steps.map((s) => `${s.op} ${s.name}`)).toEqual([
            "create membercard-a",
            "create membercard-b",
            "create membercard-c",
        ]);
        expect(newCalls()).toEqual([]);
    });

    it("up sets each merchant's URL with that merchant's own signature", async () => {
        const result = await stack.up();
        expect(result.steps.map((s) => `${s.op} ${s.name}`)).toEqual([
            "create membercard-a",
            "create membercard-b",
            "create membercard-c",
        ]);
        // M2 never had a URL: the emulator answers its GET as WeChat Pay answers "nothing set".
        expect(newCalls()).toEqual([
            `GET 200 ${MCHID}`,
            `PATCH 200 ${MCHID}`,
            `GET 404 ${M2}`,
            `PATCH 200 ${M2}`,
            `GET 200 ${M3}`,
            `PATCH 200 ${M3}`,
        ]);
        expect([MCHID, M2, M3].map((m) => emulator.notifyUrl(m))).toEqual([BRAND("a"), BRAND("b"), BRAND("c")]);
        expect(result.outputs.callbacks).toEqual({
            a: { mchid: MCHID, notifyUrl: BRAND("a") },
            b: { mchid: M2, notifyUrl: BRAND("b") },
            c: { mchid: M3, notifyUrl: BRAND("c") },
        });
    });

    it("preview --refresh shows the one merchant changed outside Pulumi", async () => {
        emulator.setNotifyUrl(DRIFTED_URL, M2);
        const result = await stack.preview({ refresh: true });
        expect(result.drift.map((d) => [d.name, d.changes])).toEqual([
            ["membercard-b", { notifyUrl: [BRAND("b"), DRIFTED_URL] }],
        ]);
        expect(result.steps.map((s) => `${s.op} ${s.name}`)).toEqual([
            "same membercard-a",
            "update membercard-b",
            "same membercard-c",
        ]);
        expect(newCalls()).toEqual([MCHID, M2, M3].map((m) => `GET 200 ${m}`));
    });

    it("up --refresh fixes it with one write, for that merchant", async () => {
        await stack.up({ refresh: true });
        expect(newCalls()).toEqual([...[MCHID, M2, M3].map((m) => `GET 200 ${m}`), `PATCH 200 ${M2}`]);
        expect(emulator.notifyUrl(M2)).toBe(BRAND("b"));
    });

    it("destroy restores each merchant's previous setting, last created first", async () => {
        const result = await stack.destroy();
        expect(result.steps.map((s) => `${s.op} ${s.name}`)).toEqual([
            "delete membercard-c",
            "delete membercard-b",
            "delete membercard-a",
        ]);
        // M2 had no URL before: nothing to put back (the API cannot delete one), so only a GET.
        expect(newCalls()).toEqual([
            `GET 200 ${M3}`,
            `PATCH 200 ${M3}`,
            `GET 200 ${M2}`,
            `GET 200 ${MCHID}`,
            `PATCH 200 ${MCHID}`,
        ]);
        expect([MCHID, M3].map((m) => emulator.notifyUrl(m))).toEqual([OLD_URL, OLD_URL]);
    });
});

describe("a program with two resources for one merchant", () => {
    const GUARD =
        `MembercardCallback "second" would manage merchant ${MCHID}, which MembercardCallback "membercard" in this ` +
        "stack already manages. WeChat Pay keeps one member-card notify URL per merchant";
    let stack: Stack;

    beforeAll(async () => {
        const programDir = join(tmp, "duplicate");
        await mkdir(programDir);
        await writeFile(join(programDir, "Pulumi.yaml"), "name: duplicate\nruntime: nodejs\n");
        await writeFile(join(programDir, "package.json"), JSON.stringify({ name: "duplicate", main: "index.ts" }));
        await writeFile(
            join(programDir, "index.ts"),
            `import { MembercardCallback } from "pulumi-wechatpay";
new MembercardCallback("membercard", { notifyUrl: "${URL_A}" });
new MembercardCallback("second", { notifyUrl: "https://api.example.com/wechatpay/second" });
`,
        );
        await symlink(join(consumer.dir, "node_modules"), join(programDir, "node_modules"), "junction");
        stack = devStack(programDir, "duplicate", emulatorStackConfig(emulator));
        newCalls();
    });

    it("preview fails with the guard's message, before any request", async () => {
        await expect(stack.preview()).rejects.toMatchObject({
            name: "ProgramError",
            message: expect.stringContaining(GUARD),
        });
        expect(newCalls()).toEqual([]);
        await expect(readFile(join(tmp, "duplicate.state.json"))).rejects.toMatchObject({ code: "ENOENT" });
    });

    it("up fails with the same message; the first resource, already created, stays in state for destroy", async () => {
        await expect(stack.up()).rejects.toMatchObject({
            name: "ProgramError",
            message: expect.stringContaining(GUARD),
        });
        // The first registration was sent before the second constructor threw, as under the CLI.
        expect(newCalls()).toEqual([`GET 200 ${MCHID}`, `PATCH 200 ${MCHID}`]);
        expect((await stack.state()).resources.map((r) => r.urn.split("::").pop())).toEqual([
            "duplicate-dev",
            "default",
            "membercard",
        ]);
        await stack.destroy();
        expect(emulator.notifyUrl(MCHID)).toBe(OLD_URL);
    });
});
