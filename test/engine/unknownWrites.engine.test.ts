/**
 * Writes whose outcome is unknown, renames and interrupted deployments, through Pulumi's program runner and
 * dynamic-provider host with the packed package (harness `Stack`): what a user running `pulumi up` gets. WeChat Pay's
 * calls are asserted per step.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    type Consumer,
    calls,
    emulatorStackConfig,
    MCHID,
    NOTIFY_URLS,
    type ProviderHost,
    prepareConsumer,
    programEnv,
    SECRET_KEYS,
    Stack,
    type StackOptions,
} from "../../harness";
import { type Emulator, type SettingName, startEmulator, type UnsetReply } from "../../provider/testing";

const REPO = resolve(__dirname, "..", "..");
const OLD = NOTIFY_URLS.old;
const A = NOTIFY_URLS.a;
const B = NOTIFY_URLS.b;

let consumer: Consumer;
let tmp: string;
let count = 0;

beforeAll(async () => {
    consumer = await prepareConsumer({ packageDir: REPO });
    tmp = await mkdtemp(join(tmpdir(), "unknown-writes-engine-"));
}, 300_000);

afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
});

/** A program with one resource of `cls`: `new <cls>(name, { notifyUrl }, opts)`. */
const program = (cls: string, name: string, url: string, opts = "{}") => `
const { ${cls} } = require("pulumi-wechatpay");
const r = new ${cls}(${JSON.stringify(name)}, { notifyUrl: ${JSON.stringify(url)} }, ${opts});
exports.notifyUrl = r.notifyUrl;
`;

/** A stack in a fresh folder against `emulator`; `write` replaces its program. */
async function stackFor(
    emulator: Emulator,
    overrides: Record<string, string> = {},
    extra: Partial<StackOptions> = {},
): Promise<{ stack: Stack; write: (source: string) => Promise<void> }> {
    const dir = join(tmp, `prog-${++count}`);
    await mkdir(dir);
    await writeFile(join(dir, "Pulumi.yaml"), "name: unknown-writes\nruntime: nodejs\n");
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "unknown-writes", main: "index.js" }));
    await symlink(join(consumer.dir, "node_modules"), join(dir, "node_modules"), "junction");
    const stack = new Stack({
        consumer,
        programDir: dir,
        project: "unknown-writes",
        stack: "dev",
        stateFile: join(dir, "state.json"),
        config: emulatorStackConfig(emulator, overrides),
        secretKeys: SECRET_KEYS,
        env: programEnv(),
        ...extra,
    });
    return { stack, write: (source) => writeFile(join(dir, "index.js"), source) };
}

const FAST = { "wechatpay:maxRetries": "1", "wechatpay:timeoutMs": "400", "wechatpay:deadlineMs": "4000" };

async function failure(p: Promise<unknown>): Promise<Error & { hostOutput?: string }> {
    return p.then(
        () => {
            throw new Error("expected the command to fail");
        },
        (e: unknown) => e as Error & { hostOutput?: string },
    );
}

describe("a rename", () => {
    it.each([
        ["MembercardCallback", "membercard"],
        ["ComplaintNotification", "complaint"],
    ] as const)(
        "%s without aliases: the new URL stays live, and the output names aliases and the URL from before",
        async (cls, setting) => {
            const emulator = await startEmulator({
                merchants: [{ mchid: MCHID, kind: "partner", notifyUrl: OLD, settings: { [setting]: OLD } }],
            });
            try {
                const { stack, write } = await stackFor(emulator);
                await write(program(cls, "callback", A));
                await stack.up();
                expect(emulator.setting(setting)).toBe(A);
                emulator.reset();
                emulator.setSetting(setting, A);
                await write(program(cls, "renamed-callback", A));
                const renamed = await stack.up();
                expect(renamed.steps.map((s) => `${s.op} ${s.name}`)).toEqual([
                    "create renamed-callback",
                    "delete callback",
                ]);
                expect(emulator.setting(setting)).toBe(A);
                expect(calls(emulator)).toEqual([
                    "GET 200",
                    `${cls === "MembercardCallback" ? "PATCH" : "PUT"} 200`,
                    "GET 200",
                ]);
                expect(renamed.hostOutput).toContain("`aliases`");
                expect(renamed.hostOutput).toContain(`The URL from before the stack was ${OLD}`);
            } finally {
                await emulator.close();
            }
        },
        120_000,
    );

    it("with aliases: nothing is called, and the state moves to the new name", async () => {
        const emulator = await startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD }] });
        try {
            const { stack, write } = await stackFor(emulator);
            await write(program("MembercardCallback", "callback", A));
            await stack.up();
            emulator.reset();
            emulator.setSetting("membercard", A);
            await write(program("MembercardCallback", "renamed-callback", A, '{ aliases: [{ name: "callback" }] }'));
            const renamed = await stack.up();
            expect(renamed.steps.map((s) => `${s.op} ${s.name}`)).toEqual(["same renamed-callback"]);
            expect(calls(emulator)).toEqual([]);
            const state = await stack.state();
            expect(state.resources.find((r) => r.urn.endsWith("::renamed-callback"))?.outputs).toMatchObject({
                previousNotifyUrl: OLD,
            });
            await stack.destroy();
            expect(emulator.setting("membercard")).toBe(OLD);
        } finally {
            await emulator.close();
        }
    }, 120_000);
});

describe("an update whose outcome stays unknown", () => {
    it("fails, keeps the unconfirmed URL in state, and destroy still restores the URL from before the stack", async () => {
        const emulator = await startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD }] });
        try {
            const { stack, write } = await stackFor(emulator, FAST);
            await write(program("MembercardCallback", "callback", A));
            await stack.up();
            emulator.reset();
            emulator.setSetting("membercard", A);
            // The PATCH lands, its answer never comes, and the signed reads that should settle it fail.
            emulator.failNext({ kind: "applied-then-hang" }, 2, { method: "PATCH" });
            emulator.failNext({ kind: "reset" }, 50, { method: "GET" });
            await write(program("MembercardCallback", "callback", B));
            const failed = await failure(stack.up());
            expect(failed.message).toContain("`pulumi destroy` still restores");
            expect(emulator.setting("membercard")).toBe(B);
            const kept = (await stack.state()).resources.find((r) => r.urn.endsWith("::callback"));
            expect(kept?.outputs).toMatchObject({
                appliedNotifyUrl: A,
                unconfirmedNotifyUrl: B,
                previousNotifyUrl: OLD,
            });
            emulator.reset();
            emulator.setSetting("membercard", B);
            await stack.destroy();
            expect(calls(emulator)).toEqual(["GET 200", "PATCH 200"]);
            expect(emulator.setting("membercard")).toBe(OLD);
        } finally {
            await emulator.close();
        }
    }, 120_000);
});

describe("a deployment interrupted while a create's write is in flight", () => {
    async function interrupted(signal: NodeJS.Signals) {
        const emulator = await startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD }] });
        let host: ProviderHost | undefined;
        const { stack, write } = await stackFor(emulator, FAST, {
            onHost: (h) => {
                host = h;
            },
        });
        await write(program("MembercardCallback", "callback", A));
        // The PATCH waits 300 ms in WeChat Pay before it is applied and answered; the signal arrives meanwhile.
        emulator.failNext({ kind: "apply-late", ms: 300 }, 1, { method: "PATCH" });
        const up = stack.up().then(
            (r) => ({ ok: true as const, output: r.hostOutput }),
            (e: Error & { hostOutput?: string }) => ({
                ok: false as const,
                output: e.hostOutput ?? "",
                message: e.message,
            }),
        );
        const started = Date.now();
        while (!emulator.requests.some((r) => r.method === "GET") && Date.now() - started < 60_000) {
            await new Promise((r) => setTimeout(r, 5));
        }
        await new Promise((r) => setTimeout(r, 100));
        if (host === undefined) throw new Error("no provider host");
        process.kill(host.pid, signal);
        return { emulator, stack, write, result: await up };
    }

    it("SIGKILL: the URL from before is in the output, the write lands, and the next up and destroy keep the URL", async () => {
        const { emulator, stack, result } = await interrupted("SIGKILL");
        try {
            expect(result.ok).toBe(false);
            expect(result.output).toContain(`the URL live before this resource is ${OLD}; destroy puts it back`);
            await new Promise((r) => setTimeout(r, 400));
            expect(emulator.setting("membercard")).toBe(A);
            // The engine never heard of the create: the next up creates again, finds its own URL live, and says so.
            emulator.reset();
            emulator.setSetting("membercard", A);
            const again = await stack.up();
            expect(calls(emulator)).toEqual(["GET 200", "PATCH 200"]);
            expect(again.hostOutput).toContain(`the live URL is already ${A}`);
            emulator.reset();
            emulator.setSetting("membercard", A);
            await stack.destroy();
            // Nothing recorded a URL from before: the member card cannot be cleared, so destroy leaves it.
            expect(calls(emulator)).toEqual(["GET 200"]);
            expect(emulator.setting("membercard")).toBe(A);
        } finally {
            await emulator.close();
        }
    }, 120_000);

    it("SIGINT once: the write finishes and is recorded; destroy restores the URL from before", async () => {
        const { emulator, stack, result } = await interrupted("SIGINT");
        try {
            expect(result.ok).toBe(true);
            expect(result.output).toContain("finishing the WeChat Pay call in flight");
            expect(emulator.setting("membercard")).toBe(A);
            const state = await stack.state();
            expect(state.resources.find((r) => r.urn.endsWith("::callback"))?.outputs).toMatchObject({
                appliedNotifyUrl: A,
                previousNotifyUrl: OLD,
            });
            emulator.reset();
            emulator.setSetting("membercard", A);
            await stack.destroy();
            expect(calls(emulator)).toEqual(["GET 200", "PATCH 200"]);
            expect(emulator.setting("membercard")).toBe(OLD);
        } finally {
            await emulator.close();
        }
    }, 120_000);
});

describe("a first up on a merchant with nothing set, for every signed 'none'", () => {
    const shapes: UnsetReply[] = ["404 RESOURCE_NOT_EXISTS", "400 NOT_FOUND", "200 empty", "200 null", "200 missing"];
    const resources: ReadonlyArray<[string, SettingName]> = [
        ["MembercardCallback", "membercard"],
        ["ComplaintNotification", "complaint"],
        ["BusifavorCallback", "busifavor"],
        ["ViolationNotification", "violation"],
    ];
    it.each(shapes)(
        "%s: all four resources are created, and destroy leaves or removes each",
        async (shape) => {
            const emulator = await startEmulator({ merchants: [{ mchid: MCHID, kind: "partner", unsetReply: shape }] });
            try {
                const { stack, write } = await stackFor(emulator);
                await write(
                    [
                        `const w = require("pulumi-wechatpay");`,
                        ...resources.map(
                            ([cls, setting]) =>
                                `new w.${cls}(${JSON.stringify(setting)}, { notifyUrl: ${JSON.stringify(`${A}/${setting}`)} });`,
                        ),
                    ].join("\n"),
                );
                const up = await stack.up();
                expect(up.steps.map((s) => s.op)).toEqual(["create", "create", "create", "create"]);
                for (const [, setting] of resources) {
                    expect(emulator.setting(setting)).toBe(`${A}/${setting}`);
                }
            } finally {
                await emulator.close();
            }
        },
        120_000,
    );
});
