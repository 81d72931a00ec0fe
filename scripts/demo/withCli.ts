/**
 * The demo with the Pulumi CLI: examples/quickstart with real `pulumi` commands (through the Automation API) on a
 * throwaway local file backend.
 */

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type EngineEvent, LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import {
    type Consumer,
    compareVersions,
    findPulumiClis,
    MIN_CLI_VERSION,
    prepareExampleWorkDir,
    pulumiEnv,
    TYPE,
} from "../../harness";
import type { Emulator } from "../../provider/testing";
import {
    BEFORE,
    changeOutsidePulumi,
    errorText,
    MCHID,
    OURS,
    runSteps,
    STACK,
    type StepResult,
    say,
    step,
} from "./story";

/** Throwaway backend, throwaway emulator keys: a fixed passphrase is fine here and nowhere else. */
const PASSPHRASE = "pulumi-wechatpay-demo";

export interface CliSearch {
    command?: PulumiCommand;
    /** Where it was found. */
    binary?: string;
    /** One line per place looked at that had a CLI it could not use. */
    tried: string[];
}

const usable = (cmd: PulumiCommand): boolean => {
    const version = cmd.version?.toString();
    return version !== undefined && compareVersions(version, MIN_CLI_VERSION) >= 0;
};

/** The first usable CLI on PATH, in ~/.pulumi/bin or ~/.pulumi/versions/*. Never downloads. */
export async function findCli(): Promise<CliSearch> {
    const tried: string[] = [];
    for (const location of findPulumiClis()) {
        try {
            const cmd = await PulumiCommand.get(location.root === undefined ? {} : { root: location.root });
            if (usable(cmd)) return { command: cmd, binary: location.binary, tried };
            tried.push(
                `${location.binary}: version ${cmd.version?.toString() ?? "unknown"}, older than ${MIN_CLI_VERSION}`,
            );
        } catch (error) {
            tried.push(`${location.binary}: ${errorText(error)}`);
        }
    }
    return { tried };
}

export async function storyWithCli(
    cli: PulumiCommand,
    consumer: Consumer,
    emulator: Emulator,
    tmp: string,
): Promise<StepResult[]> {
    const stateDir = join(tmp, "state");
    const pulumiHome = join(tmp, "pulumi-home");
    await Promise.all([mkdir(stateDir), mkdir(pulumiHome)]);
    const workDir = await prepareExampleWorkDir(consumer, tmp);
    say(`Program: a copy of examples/quickstart; state: file://${stateDir}`);
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: STACK, workDir },
        { pulumiCommand: cli, envVars: pulumiEnv(stateDir, pulumiHome, PASSPHRASE), secretsProvider: "passphrase" },
    );
    const c = emulator.credentials(MCHID);
    await stack.setAllConfig({
        "wechatpay:baseUrl": { value: emulator.baseUrl },
        "wechatpay:mchid": { value: c.mchid },
        "wechatpay:serial": { value: c.serial },
        "wechatpay:privateKey": { value: c.privateKey, secret: true },
        "wechatpay:publicKeyId": { value: c.publicKeyId },
        "wechatpay:publicKey": { value: c.publicKey },
        notifyUrl: { value: OURS },
    });
    say(`Stack ${STACK}: config points at the emulator (wechatpay:privateKey stored as a secret), notifyUrl ${OURS}`);

    const io = {
        onOutput: (out: string) => process.stdout.write(out),
        onError: (err: string) => process.stderr.write(err),
    };
    const live = () => emulator.notifyUrl(MCHID);
    return runSteps([
        () =>
            step(emulator, "pulumi up", async () => {
                const up = await stack.up(io);
                const previous = up.outputs.previousNotifyUrl?.value;
                return {
                    ok: live() === OURS && previous === BEFORE,
                    outcome: `created; recorded previousNotifyUrl ${String(previous)}`,
                };
            }),
        () => changeOutsidePulumi(emulator),
        () =>
            step(emulator, "pulumi preview --refresh --expect-no-changes", async () => {
                const planned: string[] = [];
                const onEvent = (event: EngineEvent) => {
                    const meta = event.resourcePreEvent?.metadata;
                    if (meta?.type === TYPE && meta.op !== "refresh") planned.push(meta.op);
                };
                try {
                    await stack.preview({ ...io, refresh: true, expectNoChanges: true, diff: true, onEvent });
                } catch (error) {
                    // Exit code 7 on CLIs with the documented exit-code mapping (3.226.1+), 255 on older ones.
                    // What a pipeline sees is the exit code. The Automation API records -2 when execa rejects (any
                    // non-zero exit) and keeps execa's error, with the real `exitCode`, as `commandResult.err`
                    // (@pulumi/pulumi automation/cmd.ts `exec`); 7 on CLIs with the documented codes (3.226.1+).
                    const result = (error as { commandResult?: { code?: unknown; err?: { exitCode?: unknown } } })
                        .commandResult;
                    const code = result?.err?.exitCode ?? result?.code ?? "non-zero";
                    return planned.includes("update")
                        ? {
                              ok: true,
                              outcome: `drift detected: the preview exits with ${String(code)} and plans an update of notifyUrl`,
                          }
                        : { ok: false, outcome: `failed, but not with a planned update: ${errorText(error)}` };
                }
                return { ok: false, outcome: "passed: the drift went unnoticed" };
            }),
        () =>
            step(emulator, "pulumi up --refresh", async () => {
                await stack.up({ ...io, refresh: true });
                return { ok: live() === OURS, outcome: "read the drifted URL, set ours again" };
            }),
        () =>
            step(emulator, "pulumi destroy", async () => {
                await stack.destroy(io);
                return { ok: live() === BEFORE, outcome: "put back the URL from before the demo" };
            }),
    ]);
}
