/**
 * The wechatpay provider plugin through the real Pulumi CLI (`npm run cli:build`), installed from `npm run
 * plugin:pack`'s tarball into a fresh PULUMI_HOME: the quick-start story on an explicit provider instance,
 * `pulumi import` of all four resources with TypeScript code generated, and a dynamic MembercardCallback moved to the plugin's resource with
 * `aliases` in one `up` that makes no WeChat Pay write.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIFTED_URL, emulatorStackConfig, keyFragments, MCHID, OLD_URL, SECRET_KEYS, URL_A } from "../../harness";
import { type PackedPlugin, packPlugin } from "../../harness/pluginPack";
import {
    findRealCli,
    node20,
    prepareRuntimeConsumer,
    RealCliProject,
    type RealCliProjectOptions,
    type StackExport,
} from "../../harness/realCli";
import { type Emulator, type SettingName, startEmulator } from "../../provider/testing";
import { callLog, STEP_MS } from "./examples";
import { DYNAMIC, MOVED, QUICKSTART } from "./pluginPrograms";

const { cli, reason } = findRealCli();
if (cli === undefined) console.warn(`test/realcli/plugin.realcli.test.ts: skipped: ${reason}`);

const PROJECT = "wechatpay-plugin";
const IMPORTED_URL = "https://merchant.example.com/wechatpay/notify";
const WRITES = new Set(["PATCH", "POST", "PUT", "DELETE"]);

/** The plugin's resources in an export, by name. */
function pluginResources(state: StackExport): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const r of state.deployment.resources ?? []) {
        if (r.type.startsWith("wechatpay:index:")) out[r.urn.split("::").pop() ?? ""] = r.outputs ?? {};
    }
    return out;
}

describe.skipIf(cli === undefined)(
    cli === undefined
        ? `the wechatpay plugin (skipped: ${reason})`
        : `the wechatpay plugin through pulumi ${cli.version}`,
    () => {
        let emulator: Emulator;
        let packed: PackedPlugin;
        let base: Omit<RealCliProjectOptions, "example" | "files">;
        const projects: RealCliProject[] = [];

        /** A project with `index.ts`, the plugin installed from the tarball, and a stack with the emulator's config. */
        async function project(name: string, program: string, stack = "dev"): Promise<RealCliProject> {
            const p = await RealCliProject.create({
                ...base,
                example: name,
                stack,
                files: { "Pulumi.yaml": `name: ${PROJECT}\nruntime: nodejs\n`, "index.ts": program },
            });
            projects.push(p);
            await p.ok(["plugin", "install", "resource", "wechatpay", packed.version, "--file", packed.tarball]);
            await p.init(emulatorStackConfig(emulator, { [`${PROJECT}:notifyUrl`]: URL_A }), SECRET_KEYS);
            return p;
        }

        beforeAll(async () => {
            if (cli === undefined) return;
            const runtime = node20();
            const [consumer, plugin, started] = await Promise.all([
                prepareRuntimeConsumer(runtime),
                packPlugin(),
                // A service provider: it may call all four APIs.
                startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD_URL, kind: "partner" }] }),
            ]);
            emulator = started;
            packed = plugin;
            base = { cli, runtime, consumer };
        }, STEP_MS);

        afterAll(async () => {
            await emulator?.close();
            await Promise.all(projects.map((p) => p.dispose()));
        });

        describe("the quick-start story on a provider instance", () => {
            let p: RealCliProject;
            let newCalls: () => Record<string, string[]>;
            const times: Record<string, number> = {};
            const timed = async <T>(step: string, f: () => Promise<T>): Promise<T> => {
                const t = performance.now();
                try {
                    return await f();
                } finally {
                    times[step] = Math.round(performance.now() - t);
                }
            };

            beforeAll(async () => {
                emulator.reset();
                emulator.setSetting("membercard", OLD_URL, MCHID);
                newCalls = callLog(emulator);
                p = await project("plugin-quickstart", QUICKSTART);
            }, STEP_MS);
            afterAll(() =>
                console.log(`plugin quick start through the real CLI, ms per step: ${JSON.stringify(times)}`),
            );

            it(
                "up adopts the live URL, then sets ours: one read, one write; no key in the state",
                async () => {
                    await timed("up", () => p.ok(["up", "--stack", "dev", "--yes"]));
                    expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] });
                    expect(emulator.setting("membercard", MCHID)).toBe(URL_A);
                    expect(pluginResources(await p.exportState()).membercard).toMatchObject({
                        notifyUrl: URL_A,
                        mchid: MCHID,
                        appliedNotifyUrl: URL_A,
                        previousNotifyUrl: OLD_URL,
                    });
                    // The provider instance's private key is in its inputs, encrypted (CheckConfig marks it secret).
                    const exported = await p.exportState();
                    const provider = exported.deployment.resources?.find(
                        (r) => r.type === "pulumi:providers:wechatpay",
                    );
                    expect(provider?.inputs?.privateKey).toMatchObject({
                        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                        ciphertext: expect.any(String),
                    });
                    const state = await p.stateFileText();
                    for (const fragment of keyFragments(emulator.credentials(MCHID).privateKey)) {
                        expect(state).not.toContain(fragment);
                    }
                },
                STEP_MS,
            );

            it(
                "after a change in the Pay platform, preview --refresh --expect-no-changes exits 7 and shows it",
                async () => {
                    emulator.setSetting("membercard", DRIFTED_URL, MCHID);
                    const r = await timed("preview --refresh", () =>
                        p.run(["preview", "--stack", "dev", "--refresh", "--expect-no-changes", "--diff"]),
                    );
                    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(7);
                    expect(r.stdout).toContain(`~ notifyUrl: "${DRIFTED_URL}" => "${URL_A}"`);
                    expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200"] });
                },
                STEP_MS,
            );

            it(
                "up --refresh puts our URL back with one write",
                async () => {
                    await timed("up --refresh", () => p.ok(["up", "--stack", "dev", "--refresh", "--yes"]));
                    const calls = newCalls()[`membercard ${MCHID}`] ?? [];
                    expect(calls.filter((c) => WRITES.has(c.split(" ")[0] ?? ""))).toEqual(["PATCH 200"]);
                    expect(emulator.setting("membercard", MCHID)).toBe(URL_A);
                    const again = await p.run(["preview", "--stack", "dev", "--refresh", "--expect-no-changes"]);
                    expect(again.code, again.stdout).toBe(0);
                    newCalls();
                },
                STEP_MS,
            );

            it(
                "destroy puts back the URL from before the stack",
                async () => {
                    await timed("destroy", () => p.ok(["destroy", "--stack", "dev", "--yes"]));
                    expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] });
                    expect(emulator.setting("membercard", MCHID)).toBe(OLD_URL);
                },
                STEP_MS,
            );
        });

        describe("pulumi import of each resource", () => {
            let p: RealCliProject;
            let newCalls: () => Record<string, string[]>;
            const RESOURCES: { type: string; name: string; setting: SettingName; api: string }[] = [
                { type: "MembercardCallback", name: "membercard", setting: "membercard", api: "membercard" },
                { type: "ComplaintNotification", name: "complaints", setting: "complaint", api: "complaints" },
                { type: "BusifavorCallback", name: "coupons", setting: "busifavor", api: "coupons" },
                { type: "ViolationNotification", name: "violations", setting: "violation", api: "violations" },
            ];

            beforeAll(async () => {
                emulator.reset();
                for (const r of RESOURCES) emulator.setSetting(r.setting, IMPORTED_URL, MCHID);
                newCalls = callLog(emulator);
                // The program is not run by `pulumi import`; the stack's default `wechatpay` provider reads `wechatpay:*`.
                p = await project("plugin-import", QUICKSTART, "imports");
            }, STEP_MS);

            it.each(RESOURCES)(
                "imports $type by the merchant id and writes its TypeScript: one read, no write",
                async ({ type, name, api }) => {
                    // The Node.js host generates the code (GenerateProgram, answered by our shim cli/langshim) from
                    // the plugin's schema; the program needs no SDK for that.
                    const out = `imported-${name}.ts`;
                    await p.ok([
                        "import",
                        "--stack",
                        "imports",
                        "--yes",
                        "--out",
                        out,
                        // Imports are protected by default; this test destroys them next.
                        "--protect=false",
                        `wechatpay:index:${type}`,
                        name,
                        MCHID,
                    ]);
                    const code = await readFile(join(p.workDir, out), "utf8");
                    expect(code).toContain(`new wechatpay.${type}("${name}"`);
                    expect(code).toContain(IMPORTED_URL);
                    const calls = newCalls();
                    expect(calls[`${api} ${MCHID}`]?.every((c) => c.startsWith("GET 200"))).toBe(true);
                    expect(
                        Object.values(calls)
                            .flat()
                            .filter((c) => WRITES.has(c.split(" ")[0] ?? "")),
                    ).toEqual([]);
                    expect(pluginResources(await p.exportState())[name]).toMatchObject({
                        notifyUrl: IMPORTED_URL,
                        mchid: MCHID,
                        previousNotifyUrl: IMPORTED_URL,
                    });
                },
                STEP_MS,
            );

            it(
                "destroy leaves every URL as it was at import, deleting none",
                async () => {
                    await p.ok(["destroy", "--stack", "imports", "--yes"]);
                    const methods = Object.values(newCalls()).flat();
                    expect(methods).not.toContain("DELETE 204");
                    for (const r of RESOURCES) expect(emulator.setting(r.setting, MCHID)).toBe(IMPORTED_URL);
                },
                STEP_MS,
            );
        });

        describe("moving a dynamic MembercardCallback to the plugin's resource", () => {
            it(
                "takes one `up` with `aliases` and no WeChat Pay write; destroy then restores the URL from before",
                async () => {
                    emulator.reset();
                    emulator.setSetting("membercard", OLD_URL, MCHID);
                    const newCalls = callLog(emulator);
                    const p = await project("plugin-moveover", DYNAMIC, "move");
                    await p.ok(["up", "--stack", "move", "--yes"]);
                    expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] });

                    await writeFile(join(p.workDir, "index.ts"), MOVED);
                    const r = await p.ok(["up", "--stack", "move", "--yes", "--diff"]);
                    const calls = Object.values(newCalls()).flat();
                    expect(
                        calls.filter((c) => WRITES.has(c.split(" ")[0] ?? "")),
                        r.stdout,
                    ).toEqual([]);
                    const state = await p.exportState();
                    expect(state.deployment.resources?.some((x) => x.type.startsWith("pulumi-nodejs:dynamic"))).toBe(
                        false,
                    );
                    expect(pluginResources(state).membercard).toMatchObject({
                        notifyUrl: URL_A,
                        previousNotifyUrl: OLD_URL,
                    });

                    await p.ok(["destroy", "--stack", "move", "--yes"]);
                    expect(emulator.setting("membercard", MCHID)).toBe(OLD_URL);
                },
                STEP_MS * 2,
            );
        });
    },
);
