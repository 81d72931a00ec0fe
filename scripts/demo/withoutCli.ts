/**
 * The demo without a Pulumi CLI: examples/quickstart run by Pulumi's own runtime (`@pulumi/pulumi/cmd/run`) and
 * dynamic-provider host, through the harness's stand-in for the CLI (harness/engine), with a JSON state file.
 */

import { join } from "node:path";
import {
    type Consumer,
    emulatorStackConfig,
    prepareExampleWorkDir,
    programEnv,
    type Result,
    SECRET_KEYS,
    Stack,
} from "../../harness";
import type { Emulator } from "../../provider/testing";
import { BEFORE, changeOutsidePulumi, DRIFTED, MCHID, OURS, runSteps, STACK, type StepResult, step } from "./story";

const PROJECT = "wechatpay-quickstart";
const SYMBOL = { create: "+", update: "~", replace: "+-", delete: "-", same: " " } as const;

/** The plan or what was done, one line per resource, as the CLI shows it. */
function printResult(result: Result): void {
    for (const d of result.drift) {
        for (const [key, [from, to]] of Object.entries(d.changes)) {
            process.stdout.write(`  drift: ${d.name}.${key} was ${String(from)}, is ${String(to)}\n`);
        }
        if (d.gone) process.stdout.write(`  drift: ${d.name} is gone\n`);
    }
    for (const s of result.steps) {
        const changed = s.changed.length > 0 ? ` (${s.changed.join(", ")})` : "";
        process.stdout.write(`  ${SYMBOL[s.op]} ${s.op.padEnd(7)} ${s.name}${changed}\n`);
    }
}

const count = (result: Result, op: string) => result.steps.filter((s) => s.op === op).length;

export async function storyWithoutCli(consumer: Consumer, emulator: Emulator, tmp: string): Promise<StepResult[]> {
    const programDir = await prepareExampleWorkDir(consumer, tmp);
    const stack = new Stack({
        consumer,
        programDir,
        project: PROJECT,
        stack: STACK,
        stateFile: join(tmp, "state.json"),
        config: emulatorStackConfig(emulator, { [`${PROJECT}:notifyUrl`]: OURS }),
        secretKeys: SECRET_KEYS,
        env: programEnv(),
    });
    const live = () => emulator.notifyUrl(MCHID);
    return runSteps([
        () =>
            step(emulator, "up", async () => {
                const up = await stack.up();
                printResult(up);
                for (const [k, v] of Object.entries(up.outputs)) process.stdout.write(`  output ${k}: ${String(v)}\n`);
                const previous = up.outputs.previousNotifyUrl;
                return {
                    ok: count(up, "create") === 1 && live() === OURS && previous === BEFORE,
                    outcome: `created; set ${OURS}, recorded previousNotifyUrl ${String(previous)}`,
                };
            }),
        () => changeOutsidePulumi(emulator),
        () =>
            step(emulator, "preview --refresh", async () => {
                const preview = await stack.preview({ refresh: true });
                printResult(preview);
                const drifted = preview.drift.some((d) => d.changes.notifyUrl?.[1] === DRIFTED);
                return {
                    ok: drifted && count(preview, "update") === 1,
                    outcome: drifted ? "drift detected; plans an update of notifyUrl" : "the drift went unnoticed",
                };
            }),
        () =>
            step(emulator, "up --refresh", async () => {
                printResult(await stack.up({ refresh: true }));
                return { ok: live() === OURS, outcome: "read the drifted URL, set ours again" };
            }),
        () =>
            step(emulator, "destroy", async () => {
                printResult(await stack.destroy());
                return { ok: live() === BEFORE, outcome: "put back the URL from before the demo" };
            }),
    ]);
}
