/**
 * `pulumi import` of a dynamic resource, through the real CLI (Node 20, the lockfile's @pulumi/pulumi): unsupported
 * upstream (pulumi/pulumi#3550): the engine hands the dynamic provider a Read without the serialized `__provider`, so
 * there is no provider code to run. This records what a user sees, and that nothing reaches WeChat Pay; the README
 * says to let `pulumi up` adopt the merchant's setting instead (creating reads what is live and records it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorStackConfig, MCHID, OLD_URL, SECRET_KEYS, TYPE, URL_A } from "../../harness";
import { findRealCli, node20, prepareRuntimeConsumer, RealCliProject } from "../../harness/realCli";
import { type Emulator, startEmulator } from "../../provider/testing";
import { callLog, resourcesByName, STEP_MS } from "./examples";

const { cli, reason } = findRealCli();
if (cli === undefined) console.warn(`test/realcli/import.realcli.test.ts: skipped: ${reason}`);

describe.skipIf(cli === undefined)(
    cli === undefined
        ? `pulumi import of a dynamic resource (skipped: ${reason})`
        : `pulumi import of a dynamic resource through pulumi ${cli.version}`,
    () => {
        let emulator: Emulator;
        let project: RealCliProject;
        let newCalls: () => Record<string, string[]>;

        beforeAll(async () => {
            if (cli === undefined) return;
            const runtime = node20();
            const [consumer, started] = await Promise.all([
                prepareRuntimeConsumer(runtime),
                startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD_URL }] }),
            ]);
            emulator = started;
            newCalls = callLog(emulator);
            project = await RealCliProject.create({ cli, runtime, consumer, example: "quickstart" });
            await project.init(emulatorStackConfig(emulator, { "wechatpay-quickstart:notifyUrl": URL_A }), SECRET_KEYS);
        }, STEP_MS);

        afterAll(async () => {
            await emulator?.close();
            await project?.dispose();
        });

        it(
            "fails without calling WeChat Pay or touching the state; `pulumi up` adopts the setting instead",
            async () => {
                const r = await project.run(["import", "--stack", "dev", "--yes", TYPE, "membercard", MCHID]);
                // What users see (quoted in the README), printed without the host's stack trace.
                const errors = r.stdout.split("\n").filter((l) => /^\s*error: /.test(l));
                console.log(`pulumi import exited with ${r.code}:\n${errors.join("\n")}`);
                expect(r.code).not.toBe(0);
                expect(errors.join("\n")).toContain("Preview failed: code must be a string, not undefined");
                expect(newCalls()).toEqual({});
                expect(resourcesByName(await project.exportState())).toEqual({});
                expect(emulator.notifyUrl(MCHID)).toBe(OLD_URL);

                // What to do instead: up creates, which reads the live URL (kept as previousNotifyUrl), then sets ours.
                await project.ok(["up", "--stack", "dev", "--yes"]);
                expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] });
                expect(resourcesByName(await project.exportState()).membercard).toMatchObject({
                    notifyUrl: URL_A,
                    previousNotifyUrl: OLD_URL,
                });
                await project.ok(["destroy", "--stack", "dev", "--yes"]);
                expect(emulator.notifyUrl(MCHID)).toBe(OLD_URL);
            },
            STEP_MS,
        );
    },
);
