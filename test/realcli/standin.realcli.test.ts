/**
 * The stand-in engine (harness/engine, `Stack`) checked against the real CLI: the quick-start story (preview, up,
 * a change in the Pay platform, preview --refresh, up --refresh, destroy) runs through both, each against its own
 * emulator, and what the provider receives is recorded on both sides by the same preload in Pulumi's dynamic-provider
 * host (harness/realCliTap.ts): every call, in order, with its arguments and result. The CLI's `up` and `destroy`
 * run with `--skip-preview` (the stand-in has no preview pass before an update; see docs/development.md).
 *
 * Differences found, both fixed in the stand-in (harness/engine/stack.ts), so the comparison is exact:
 * - after each `read` of a refresh the CLI calls `diff` (refreshed outputs against the recorded inputs) to show the
 *   drift; the stand-in computed the drift itself and called no `diff` there;
 * - for `preview --refresh` / `up --refresh` with unchanged config the CLI keeps one provider host (one `configure`);
 *   the stand-in started a second host after the refresh.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    DRIFTED_URL,
    emulatorStackConfig,
    MCHID,
    OLD_URL,
    prepareExampleWorkDir,
    programEnv,
    SECRET_KEYS,
    Stack,
    URL_A,
} from "../../harness";
import { findRealCli, node20, prepareRuntimeConsumer, RealCliProject } from "../../harness/realCli";
import { type TapRecord, writeTap } from "../../harness/realCliTap";
import { type Emulator, startEmulator } from "../../provider/testing";
import { callLog, STEP_MS } from "./examples";

const { cli, reason } = findRealCli();
if (cli === undefined) console.warn(`test/realcli/standin.realcli.test.ts: skipped: ${reason}`);
const PROJECT = "wechatpay-quickstart";

type Call = Omit<TapRecord, "pid">;

/** Reads the tap log's records after the first `seen`. */
async function records(file: string, seen: number): Promise<{ all: number; calls: Call[] }> {
    const lines = (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");
    const calls = lines.slice(seen).map((l) => {
        const { pid: _pid, ...call } = JSON.parse(l) as TapRecord;
        return call;
    });
    return { all: lines.length, calls };
}

/** The custom resources of a state as `{ type, id, inputs, outputs }`, `__provider` dropped (same code both sides). */
function resources(list: Array<{ type: string; id?: string; inputs?: object; outputs?: object }>) {
    const drop = (o: object | undefined) =>
        Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => k !== "__provider"));
    return list
        .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))
        .map((r) => ({ type: r.type, id: r.id, inputs: drop(r.inputs), outputs: drop(r.outputs) }));
}

describe.skipIf(cli === undefined)(
    cli === undefined
        ? `the stand-in engine against the real CLI (skipped: ${reason})`
        : `the stand-in engine against pulumi ${cli.version}: what the provider receives`,
    () => {
        let tmp: string;
        let standinEmulator: Emulator;
        let cliEmulator: Emulator;
        let stack: Stack;
        let project: RealCliProject;
        let seen = { standin: 0, cli: 0 };
        const logs = { standin: "", cli: "" };

        /** Both sides' provider calls since the last step. */
        async function newCalls(): Promise<{ standin: Call[]; cli: Call[] }> {
            const s = await records(logs.standin, seen.standin);
            const c = await records(logs.cli, seen.cli);
            seen = { standin: s.all, cli: c.all };
            return { standin: s.calls, cli: c.calls };
        }

        beforeAll(async () => {
            if (cli === undefined) return;
            const runtime = node20();
            const consumer = await prepareRuntimeConsumer(runtime);
            tmp = await mkdtemp(join(tmpdir(), "standin-vs-cli-"));
            const merchants = { merchants: [{ mchid: MCHID, notifyUrl: OLD_URL }] };
            [standinEmulator, cliEmulator] = await Promise.all([startEmulator(merchants), startEmulator(merchants)]);
            logs.standin = join(tmp, "standin.jsonl");
            logs.cli = join(tmp, "cli.jsonl");
            const standinTap = await writeTap(tmp, logs.standin);
            stack = new Stack({
                consumer,
                programDir: await prepareExampleWorkDir(consumer, join(tmp, "standin"), "quickstart"),
                project: PROJECT,
                stack: "dev",
                stateFile: join(tmp, "standin.state.json"),
                config: emulatorStackConfig(standinEmulator, { [`${PROJECT}:notifyUrl`]: URL_A }),
                secretKeys: SECRET_KEYS,
                env: { ...programEnv(), ...standinTap },
            });
            project = await RealCliProject.create({ cli, runtime, consumer, example: "quickstart" });
            await project.init(emulatorStackConfig(cliEmulator, { [`${PROJECT}:notifyUrl`]: URL_A }), SECRET_KEYS);
            Object.assign(project.env, await writeTap(tmp, logs.cli));
        }, STEP_MS);

        afterAll(async () => {
            await standinEmulator?.close();
            await cliEmulator?.close();
            await project?.dispose();
            if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
        });

        const steps: Array<{ name: string; standin: () => Promise<unknown>; cli: string[]; refresh?: boolean }> = [
            { name: "preview", standin: () => stack.preview(), cli: ["preview"] },
            { name: "up", standin: () => stack.up(), cli: ["up", "--yes", "--skip-preview"] },
            {
                name: "preview --refresh (after a change in the Pay platform)",
                standin: () => stack.preview({ refresh: true }),
                cli: ["preview", "--refresh"],
                refresh: true,
            },
            {
                name: "up --refresh",
                standin: () => stack.up({ refresh: true }),
                cli: ["up", "--refresh", "--yes", "--skip-preview"],
                refresh: true,
            },
            { name: "destroy", standin: () => stack.destroy(), cli: ["destroy", "--yes", "--skip-preview"] },
        ];

        for (const step of steps) {
            it(
                `${step.name}: the same calls, arguments and results (known differences named), the same requests`,
                async () => {
                    if (step.name.startsWith("preview --refresh")) {
                        standinEmulator.setNotifyUrl(DRIFTED_URL, MCHID);
                        cliEmulator.setNotifyUrl(DRIFTED_URL, MCHID);
                    }
                    const standinRequests = callLog(standinEmulator);
                    const cliRequests = callLog(cliEmulator);
                    standinRequests();
                    cliRequests();
                    await step.standin();
                    await project.ok([...step.cli, "--stack", "dev"]);
                    const { standin, cli: real } = await newCalls();
                    expect(real.length).toBeGreaterThan(0);
                    if (step.refresh) {
                        // The two places the stand-in used to differ: a diff after the read, and one configure.
                        expect(real.map((c) => c.method).slice(0, 3)).toEqual(["configure", "read", "diff"]);
                        expect(real.filter((c) => c.method === "configure")).toHaveLength(1);
                    }
                    expect(standin).toEqual(real);
                    expect(standinRequests()).toEqual(cliRequests());
                },
                STEP_MS,
            );
            if (step.name === "up") {
                it(
                    "after up: the stand-in's state file and `pulumi stack export` hold the same resources",
                    async () => {
                        const exported = await project.exportState();
                        const standinState = await stack.state();
                        expect(resources(standinState.resources)).toEqual(
                            resources(exported.deployment.resources ?? []),
                        );
                    },
                    STEP_MS,
                );
            }
        }

        it(
            "after destroy: both states hold no resource, and both merchants have their URL from before",
            async () => {
                expect((await stack.state()).resources).toEqual([]);
                expect(resources((await project.exportState()).deployment.resources ?? [])).toEqual([]);
                expect([standinEmulator.notifyUrl(MCHID), cliEmulator.notifyUrl(MCHID)]).toEqual([OLD_URL, OLD_URL]);
            },
            STEP_MS,
        );
    },
);
