/**
 * The `wechatpay-emulator` command as users run it: a child process, its printed setup lines read back into
 * credentials and stack config, stopped by a signal. Runs the TypeScript source through tsx in the child's own
 * process (tsx's wrapper process would survive a SIGKILL sent to it and keep the port).
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { MerchantCredentials } from "../provider/testing";
import { REPO } from "./cli";

const CLI = join(REPO, "provider", "testing", "cli.ts");
/** The last line the command prints once it listens. */
const READY = "Ctrl-C stops the emulator.";

/** A running `wechatpay-emulator`. */
export interface EmulatorCli {
    readonly child: ChildProcess;
    /** Everything it printed to stdout (the setup text). */
    readonly stdout: string;
    readonly baseUrl: string;
    /** The credentials its printed lines point at, key files read from disk. */
    readonly creds: MerchantCredentials;
    /** The stack config its `pulumi config set` lines set, `$(cat FILE)` read as the shell would. */
    readonly config: Record<string, string>;
    /** Sends `signal` and resolves with the exit code, or the signal's name when it killed the process. */
    stop(signal: NodeJS.Signals): Promise<number | string>;
}

/** A `wechatpay-emulator` that exited without starting. */
export interface EmulatorCliExit {
    readonly code: number | string;
    readonly stdout: string;
    readonly stderr: string;
}

const running = new Set<ChildProcess>();

/** SIGKILLs every emulator started here that still runs (for `afterEach`: a failed test must not leave one behind). */
export function killEmulatorClis(): void {
    for (const child of running) {
        child.kill("SIGKILL");
    }
    running.clear();
}

function launch(args: readonly string[]): Promise<EmulatorCli | EmulatorCliExit> {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
        cwd: REPO,
        stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
        stderr += text;
    });
    const exited = new Promise<number | string>((done) => {
        child.once("exit", (code, signal) => {
            running.delete(child);
            done(code ?? signal ?? "unknown");
        });
    });
    const stop = (signal: NodeJS.Signals): Promise<number | string> => {
        child.kill(signal);
        return exited;
    };
    return new Promise((done, fail) => {
        let ready = false;
        child.stdout?.on("data", (text: string) => {
            stdout += text;
            if (!ready && stdout.includes(READY)) {
                ready = true;
                read(stdout).then((found) => done({ child, stdout, stop, ...found }), fail);
            }
        });
        void exited.then((code) => done({ code, stdout, stderr }));
    });
}

/** Starts `wechatpay-emulator ARGS`; rejects with its stderr when it exits instead. */
export async function startEmulatorCli(args: readonly string[]): Promise<EmulatorCli> {
    const outcome = await launch(args);
    if (!("child" in outcome)) {
        throw new Error(`wechatpay-emulator exited (${outcome.code}) instead of starting:\n${outcome.stderr}`);
    }
    return outcome;
}

/** Runs `wechatpay-emulator ARGS` expecting it to refuse to start; rejects when it starts. */
export async function emulatorCliRefuses(args: readonly string[]): Promise<EmulatorCliExit> {
    const outcome = await launch(args);
    if ("child" in outcome) {
        await outcome.stop("SIGKILL");
        throw new Error(`wechatpay-emulator started, but should have refused:\n${outcome.stdout}`);
    }
    return outcome;
}

function printed(stdout: string, pattern: RegExp): string {
    const match = pattern.exec(stdout);
    if (match?.[1] === undefined) {
        throw new Error(`wechatpay-emulator printed no line matching ${pattern}:\n${stdout}`);
    }
    return match[1];
}

/** Undoes cliSetup.ts's shellQuote. */
function unquote(word: string): string {
    return word.startsWith("'") ? word.slice(1, -1).replaceAll(`'\\''`, "'") : word;
}

async function read(stdout: string): Promise<Pick<EmulatorCli, "baseUrl" | "creds" | "config">> {
    const config: Record<string, string> = {};
    for (const [, key, value] of stdout.matchAll(/^pulumi config set (?:--secret )?(wechatpay:\w+) (.+)$/gm)) {
        if (key === undefined || value === undefined) continue;
        const cat = /^"\$\(cat (.+)\)"$/.exec(value);
        config[key] = cat?.[1] === undefined ? unquote(value) : await readFile(unquote(cat[1]), "utf8");
    }
    const env = (name: string) => unquote(printed(stdout, new RegExp(`^export ${name}=(.+)$`, "m")));
    const platformFile = unquote(printed(stdout, /^# {3}wechatpay:publicKey \/ WECHATPAY_PUBLIC_KEY = (.+)$/m));
    return {
        baseUrl: env("WECHATPAY_BASE_URL"),
        config,
        creds: {
            mchid: env("WECHATPAY_MCHID"),
            serial: env("WECHATPAY_SERIAL"),
            privateKey: await readFile(env("WECHATPAY_PRIVATE_KEY"), "utf8"),
            publicKeyId: env("WECHATPAY_PUBLIC_KEY_ID"),
            publicKey: await readFile(env("WECHATPAY_PUBLIC_KEY"), "utf8"),
            platformSerial: printed(stdout, /^# {3}wechatpay:publicKeyId \/ WECHATPAY_PUBLIC_KEY_ID = (.+)$/m),
            platformPublicKey: await readFile(platformFile, "utf8"),
        },
    };
}
