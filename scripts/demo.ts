/**
 * `npm run demo`: the life of examples/quickstart against the bundled WeChat Pay emulator:
 *
 *   up → someone changes the URL in the Pay platform → a refreshing preview catches the drift → up --refresh puts it
 *   right → destroy restores the URL that was there before.
 *
 * It decides first which way it runs. With a Pulumi CLI (3.216 or newer, on PATH, built by `npm run cli:build`, or in
 * ~/.pulumi): real `pulumi` commands on a throwaway local backend. Without one: the same story through harness/,
 * Pulumi's own runtime and provider host standing in for the CLI, and it says so. `--install-cli` builds the CLI
 * first when there is none (`npm run cli:build`: Go and the Go module proxy); nothing is downloaded otherwise. The package is used the way a user installs it: packed, installed from the tarball.
 */

import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PulumiCommand } from "@pulumi/pulumi/automation";
import { cliBinDir, MIN_CLI_VERSION, prepareConsumer, REPO } from "../harness";
import { startEmulator } from "../provider/testing";
import { BEFORE, errorText, MCHID, printSummary, type StepResult, say, withProgress } from "./demo/story";
import { findCli, storyWithCli } from "./demo/withCli";
import { storyWithoutCli } from "./demo/withoutCli";

const STEPS = 5;

async function chooseCli(): Promise<{ command: PulumiCommand; binary: string } | undefined> {
    const found = await findCli();
    for (const line of found.tried) say(`not usable: ${line}`);
    if (found.command !== undefined) return { command: found.command, binary: found.binary ?? found.command.command };
    if (!process.argv.includes("--install-cli")) return undefined;
    buildCli();
    const built = await findCli();
    if (built.command === undefined) throw new InstallError("npm run cli:build finished, but no usable CLI was found");
    return { command: built.command, binary: built.binary ?? built.command.command };
}

/** A failure of `--install-cli` the demo reports in one line, without a stack trace. */
class InstallError extends Error {}

/** `--install-cli`: builds the CLI from the Go module proxy (scripts/cliBuild.ts), never downloads a release. */
function buildCli(): void {
    say("Building the Pulumi CLI with `npm run cli:build` (Go module proxy), as --install-cli asks …");
    const tsx = join(REPO, "node_modules", "tsx", "dist", "cli.mjs");
    // Its progress lines go straight to the terminal (a cold build takes minutes); a failure's last line says why.
    const r = spawnSync(process.execPath, [tsx, join(REPO, "scripts", "cliBuild.ts")], {
        cwd: REPO,
        stdio: ["ignore", "inherit", "pipe"],
        encoding: "utf8",
    });
    if (r.status !== 0) {
        const why =
            (r.stderr ?? "")
                .trim()
                .split("\n")
                .pop()
                ?.replace(/^cli:build: /, "") || `exit ${r.status}`;
        throw new InstallError(`--install-cli could not build the Pulumi CLI: ${why}`);
    }
}

async function main(): Promise<number> {
    // Stack config must be what counts, not WECHATPAY_* variables of this machine (the CLI inherits our environment).
    for (const key of Object.keys(process.env)) {
        if (key.startsWith("WECHATPAY_")) delete process.env[key];
    }
    let cli: Awaited<ReturnType<typeof chooseCli>>;
    try {
        cli = await chooseCli();
    } catch (error) {
        if (!(error instanceof InstallError)) throw error;
        process.stderr.write(`demo: ${error.message}\n`);
        return 1;
    }
    if (cli === undefined) {
        process.stdout.write(
            "pulumi-wechatpay demo WITHOUT the Pulumi CLI: none was found, so Pulumi's own runtime and provider host run\n" +
                "examples/quickstart through this repository's stand-in for the CLI (harness/). For the real thing,\n" +
                `install the Pulumi CLI ${MIN_CLI_VERSION}+ (https://www.pulumi.com/docs/install/) and run \`npm run demo\` again,\n` +
                "or build one here from the Go module proxy (needs Go): `npm run demo -- --install-cli`.\n\n",
        );
    } else {
        process.stdout.write(
            `pulumi-wechatpay demo with the Pulumi CLI ${cli.command.version?.toString() ?? "?"} (${cli.binary}${cli.binary.startsWith(cliBinDir(REPO)) ? ", built by npm run cli:build" : ""}), against the emulator\n\n`,
        );
    }
    const cleanups: Array<() => Promise<unknown>> = [];
    try {
        const emulator = await startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: BEFORE }] });
        cleanups.push(() => emulator.close());
        say(`WeChat Pay emulator on ${emulator.baseUrl}: merchant ${MCHID} has ${BEFORE}`);
        say("Packing pulumi-wechatpay and installing the tarball with @pulumi/pulumi, as a user's npm install would");
        const consumer = await withProgress("npm pack, npm install", prepareConsumer({ packageDir: REPO }));
        say(consumer.fromCache ? "Installed (reused: same tarball as last time)" : "Installed");
        const tmp = await mkdtemp(join(tmpdir(), "pulumi-wechatpay-demo-"));
        cleanups.push(() => rm(tmp, { recursive: true, force: true }));

        const results: StepResult[] =
            cli === undefined
                ? await storyWithoutCli(consumer, emulator, tmp)
                : await storyWithCli(cli.command, consumer, emulator, tmp);
        printSummary(results, STEPS);
        return results.length === STEPS && results.every((r) => r.ok) ? 0 : 1;
    } catch (error) {
        process.stderr.write(`\n✗ demo failed: ${errorText(error)}\n`);
        return 1;
    } finally {
        for (const cleanup of cleanups.reverse()) {
            await cleanup().catch((error: unknown) => process.stderr.write(`cleanup: ${errorText(error)}\n`));
        }
    }
}

main().then((code) => {
    process.exitCode = code;
});
