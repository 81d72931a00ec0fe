/**
 * `npm run demo`: the whole life of examples/quickstart with the real Pulumi CLI, against the bundled WeChat Pay
 * emulator, on a throwaway local backend:
 *
 *   pulumi up → someone changes the URL in the Pay platform → `preview --refresh --expect-no-changes` catches it →
 *   `up --refresh` puts it right → `destroy` restores the URL that was there before.
 *
 * The package is used the way a user installs it: packed, and installed from the tarball (test/engine/harness.ts).
 * Pulumi drives it through the Automation API. Needs the Pulumi CLI (3.216 or newer); without one it says how to get
 * it and exits with code 1.
 */

import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EngineEvent, LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import {
    compareVersions,
    findPulumiClis,
    MIN_CLI_VERSION,
    prepareConsumer,
    prepareExampleWorkDir,
    pulumiEnv,
    REPO,
    STORY,
} from "../harness";
import { type Emulator, startEmulator } from "../provider/testing";

const { type: TYPE, mchid: MCHID, before: BEFORE, ours: OURS, drifted: DRIFTED, stack: STACK } = STORY;
/** Throwaway backend, throwaway emulator keys: a fixed passphrase is fine here and nowhere else. */
const PASSPHRASE = "pulumi-wechatpay-demo";
const INSTALL_TIMEOUT_MS = 60_000;

const say = (text: string): void => {
    process.stdout.write(`▶ ${text}\n`);
};

/** The first useful line of an error: a failed CLI command's own stderr rather than the wrapper's dump. */
function errorText(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    // `commandResult` is private in the Automation API's typings; it is there at run time on every CommandError.
    const stderr = (error as { commandResult?: { stderr?: unknown } }).commandResult?.stderr;
    const text = typeof stderr === "string" && stderr.trim() !== "" ? stderr : error.message;
    return (
        text
            .split("\n")
            .map((l) => l.trim())
            .find((l) => l !== "") ?? error.name
    );
}

/** The CLI's exit code from a failed Automation API command, if it got that far. */
function exitCode(error: unknown): number | undefined {
    const code = (error as { commandResult?: { code?: unknown } } | undefined)?.commandResult?.code;
    return typeof code === "number" ? code : undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface CliSearch {
    command?: PulumiCommand;
    /** One line per place looked at, for the message when none was usable. */
    tried: string[];
    /** An install attempt is still running in the background (it timed out): the process must exit explicitly. */
    installPending: boolean;
}

/** PATH, ~/.pulumi/bin, ~/.pulumi/versions/*, then `PulumiCommand.install()` with a short timeout. */
async function findCli(): Promise<CliSearch> {
    const tried: string[] = [];
    const usable = (cmd: PulumiCommand): boolean => {
        const version = cmd.version?.toString();
        if (version !== undefined && compareVersions(version, MIN_CLI_VERSION) >= 0) return true;
        tried.push(`${cmd.command}: version ${version ?? "unknown"}, older than ${MIN_CLI_VERSION}`);
        return false;
    };
    const locations = findPulumiClis();
    for (const location of locations) {
        try {
            const cmd = await PulumiCommand.get(location.root === undefined ? {} : { root: location.root });
            if (usable(cmd)) return { command: cmd, tried, installPending: false };
        } catch (error) {
            tried.push(`${location.binary}: ${errorText(error)}`);
        }
    }
    if (!locations.some((l) => l.source === "path")) tried.push("`pulumi` on PATH: not found");
    if (!locations.some((l) => l.source === "home")) tried.push("~/.pulumi/bin/pulumi: not found");
    if (!locations.some((l) => l.source === "versions")) tried.push("~/.pulumi/versions/*/bin/pulumi: none");

    say(
        `No usable Pulumi CLI installed; trying PulumiCommand.install() (from get.pulumi.com, ${INSTALL_TIMEOUT_MS / 1000} s at most) …`,
    );
    let timedOut = false;
    try {
        const cmd = await withTimeout(PulumiCommand.install(), INSTALL_TIMEOUT_MS, "PulumiCommand.install()").catch(
            (error: unknown) => {
                timedOut = error instanceof Error && error.message.includes("did not finish");
                throw error;
            },
        );
        if (usable(cmd)) return { command: cmd, tried, installPending: false };
    } catch (error) {
        tried.push(`PulumiCommand.install(): ${errorText(error)}`);
    }
    return { tried, installPending: timedOut };
}

function printNoCli(tried: string[]): void {
    const lines = [
        "",
        `✗ The demo needs the Pulumi CLI (${MIN_CLI_VERSION} or newer), and none could be found or installed:`,
        ...tried.map((t) => `    - ${t}`),
        "",
        "  Install it, then run `npm run demo` again:",
        "    Linux, macOS:   curl -fsSL https://get.pulumi.com | sh      (installs to ~/.pulumi/bin)",
        "    macOS:          brew install pulumi/tap/pulumi",
        "    Windows:        the MSI installer from https://www.pulumi.com/docs/install/ (or: choco install pulumi)",
        "  Where get.pulumi.com is slow or unreachable (e.g. from mainland China), download the archive for your",
        "  platform from https://github.com/pulumi/pulumi/releases (or your company's mirror of it), unpack it,",
        "  and put its `pulumi` folder on PATH.",
        "",
        "  Without the CLI, `npm test` proves the same lifecycle (create and adopt, drift read, update, destroy",
        "  restoring the previous URL) with the packed package, through Pulumi's own provider host (test/engine).",
        "",
    ];
    process.stderr.write(lines.join("\n"));
}

interface StepResult {
    title: string;
    ok: boolean;
    outcome: string;
    requests: string[];
    liveAfter: string | undefined;
}

/** Runs one step and records what WeChat Pay (the emulator) saw during it and the live URL afterwards. */
async function step(
    emulator: Emulator,
    title: string,
    run: () => Promise<{ ok: boolean; outcome: string }>,
): Promise<StepResult> {
    process.stdout.write(`\n━━ ${title} ━━\n`);
    const before = emulator.requests.length;
    let result: { ok: boolean; outcome: string };
    try {
        result = await run();
    } catch (error) {
        result = { ok: false, outcome: `failed: ${errorText(error)}` };
    }
    const requests = emulator.requests.slice(before).map((r) => `${r.method} ${r.status === 0 ? "dropped" : r.status}`);
    return { title, ...result, requests, liveAfter: emulator.notifyUrl(MCHID) };
}

async function lifecycle(stack: Stack, emulator: Emulator, signal: AbortSignal): Promise<StepResult[]> {
    const io = {
        onOutput: (out: string) => process.stdout.write(out),
        onError: (err: string) => process.stderr.write(err),
        signal,
    };
    const results: StepResult[] = [];

    results.push(
        await step(emulator, "pulumi up", async () => {
            const up = await stack.up(io);
            const previous = up.outputs.previousNotifyUrl?.value;
            return {
                ok: emulator.notifyUrl(MCHID) === OURS && previous === BEFORE,
                outcome: `created; recorded previousNotifyUrl ${String(previous)}`,
            };
        }),
    );

    process.stdout.write(`\n━━ someone changes the URL in the WeChat Pay merchant platform ━━\n`);
    emulator.setNotifyUrl(DRIFTED, MCHID);
    results.push({
        title: "out-of-band change",
        ok: true,
        outcome: "emulator.setNotifyUrl(), as the Pay platform UI would",
        requests: [],
        liveAfter: emulator.notifyUrl(MCHID),
    });

    results.push(
        await step(emulator, "pulumi preview --refresh --expect-no-changes", async () => {
            const planned: string[] = [];
            const onEvent = (event: EngineEvent) => {
                const meta = event.resourcePreEvent?.metadata;
                if (meta?.type === TYPE && meta.op !== "refresh") planned.push(meta.op);
            };
            try {
                await stack.preview({ ...io, refresh: true, expectNoChanges: true, diff: true, onEvent });
            } catch (error) {
                // Exit code 7 on CLIs with the documented exit-code mapping (3.226.1+), 255 on older ones.
                const code = exitCode(error);
                return planned.includes("update")
                    ? { ok: true, outcome: `drift detected: exit code ${code ?? "?"}, plans an update of notifyUrl` }
                    : { ok: false, outcome: `failed, but not with a planned update: ${errorText(error)}` };
            }
            return { ok: false, outcome: "passed: the drift went unnoticed" };
        }),
    );

    results.push(
        await step(emulator, "pulumi up --refresh", async () => {
            await stack.up({ ...io, refresh: true });
            return { ok: emulator.notifyUrl(MCHID) === OURS, outcome: "read the drifted URL, set ours again" };
        }),
    );

    results.push(
        await step(emulator, "pulumi destroy", async () => {
            await stack.destroy(io);
            return { ok: emulator.notifyUrl(MCHID) === BEFORE, outcome: "put back the URL from before the demo" };
        }),
    );
    return results;
}

function printSummary(results: StepResult[]): void {
    const lines = ["", `Summary (WeChat Pay emulator, merchant ${MCHID}; before the demo: ${BEFORE})`];
    results.forEach((r, i) => {
        lines.push(`  ${r.ok ? "✓" : "✗"} ${i + 1}. ${r.title}: ${r.outcome}`);
        lines.push(
            `       WeChat Pay requests: ${r.requests.length > 0 ? r.requests.join(", ") : "none"} · live URL after: ${r.liveAfter ?? "none"}`,
        );
    });
    lines.push("");
    process.stdout.write(lines.join("\n"));
}

async function main(): Promise<{ code: number; forceExit: boolean }> {
    const cleanups: Array<() => Promise<unknown>> = [];
    const controller = new AbortController();
    process.once("SIGINT", () => {
        say("Interrupted: cancelling the running Pulumi command, then cleaning up.");
        controller.abort();
    });
    // Stack config must be what counts, not WECHATPAY_* variables of this machine (the CLI inherits our environment).
    for (const key of Object.keys(process.env)) {
        if (key.startsWith("WECHATPAY_")) delete process.env[key];
    }
    try {
        process.stdout.write(
            "pulumi-wechatpay demo: examples/quickstart with the Pulumi CLI, against the emulator\n\n",
        );

        const emulator = await startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: BEFORE }] });
        cleanups.push(() => emulator.close());
        say(`WeChat Pay emulator on ${emulator.baseUrl}: merchant ${MCHID} has ${BEFORE}`);

        say("Packing pulumi-wechatpay and installing the tarball with @pulumi/pulumi, as a user's npm install would …");
        const consumer = await prepareConsumer({ packageDir: REPO });
        say(`Installed in ${consumer.dir}${consumer.fromCache ? " (reused: same tarball as last time)" : ""}`);

        const tmp = await mkdtemp(join(tmpdir(), "pulumi-wechatpay-demo-"));
        cleanups.push(() => rm(tmp, { recursive: true, force: true }));
        const stateDir = join(tmp, "state");
        const pulumiHome = join(tmp, "pulumi-home");
        await Promise.all([mkdir(stateDir), mkdir(pulumiHome)]);
        const workDir = await prepareExampleWorkDir(consumer, tmp);
        say(`Program: ${workDir} (a copy of examples/quickstart); state: file://${stateDir}`);

        const cli = await findCli();
        if (cli.command === undefined) {
            printNoCli(cli.tried);
            return { code: 1, forceExit: cli.installPending };
        }
        say(`Pulumi CLI ${cli.command.version?.toString() ?? "?"} at ${cli.command.command}`);

        const stack = await LocalWorkspace.createOrSelectStack(
            { stackName: STACK, workDir },
            {
                pulumiCommand: cli.command,
                envVars: pulumiEnv(stateDir, pulumiHome, PASSPHRASE),
                secretsProvider: "passphrase",
            },
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
        say(
            `Stack ${STACK}: config points at the emulator (wechatpay:privateKey stored as a secret), notifyUrl ${OURS}`,
        );

        const results = await lifecycle(stack, emulator, controller.signal);
        printSummary(results);
        return { code: results.every((r) => r.ok) ? 0 : 1, forceExit: false };
    } catch (error) {
        process.stderr.write(`\n✗ demo failed: ${errorText(error)}\n`);
        return { code: 1, forceExit: false };
    } finally {
        for (const cleanup of cleanups.reverse()) {
            await cleanup().catch((error: unknown) => process.stderr.write(`cleanup: ${errorText(error)}\n`));
        }
    }
}

main().then(({ code, forceExit }) => {
    process.exitCode = code;
    // A timed-out install keeps running in the background; do not wait for it. Flush stdout first.
    if (forceExit) process.stdout.write("", () => process.exit(code));
});
