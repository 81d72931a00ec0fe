/** Runs a command to completion, for `npm pack`, `npm install`, registration runs and programs. */

import { spawn } from "node:child_process";

export interface RunOptions {
    cwd: string;
    /** Killed (SIGKILL) after this long. Default: no limit. */
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
}

export interface Exited {
    /** The exit code; 1 when a signal ended it. */
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a command and collects its output, whatever its exit code. */
export function collect(cmd: string, args: string[], opts: RunOptions): Promise<Exited> {
    return new Promise((resolveRun, reject) => {
        const child = spawn(cmd, args, {
            cwd: opts.cwd,
            env: opts.env ?? cleanNpmEnv(),
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (c: string) => {
            stdout += c;
        });
        child.stderr.setEncoding("utf8").on("data", (c: string) => {
            stderr += c;
        });
        const timer =
            opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
        child.once("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        child.once("close", (code) => {
            clearTimeout(timer);
            resolveRun({ code: code ?? 1, stdout, stderr });
        });
    });
}

/** Runs a command, collecting its output; rejects with that output on a non-zero exit or a timeout. */
export async function run(
    cmd: string,
    args: string[],
    opts: RunOptions & { timeoutMs: number },
): Promise<{ stdout: string; stderr: string }> {
    const { code, stdout, stderr } = await collect(cmd, args, opts);
    if (code !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} (in ${opts.cwd}) failed: ${code}\n${stdout}\n${stderr}`);
    }
    return { stdout, stderr };
}

/**
 * The environment for nested npm commands. Under `npm test`/`npx`, npm exports its resolved settings as
 * `npm_config_*`, including `npm_config_local_prefix` (the outer project); a nested `npm install` must work on its
 * own folder, so those per-invocation variables are dropped. Registry, cache and proxy settings are kept.
 */
function cleanNpmEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        const key = k.toLowerCase();
        if (key.startsWith("npm_") && !key.startsWith("npm_config_")) continue; // npm_package_*, npm_lifecycle_*, …
        if (key === "npm_config_local_prefix" || key === "npm_config_global" || key === "npm_config_prefix") continue;
        env[k] = v;
    }
    return env;
}
