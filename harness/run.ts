/** Runs a command to completion, for the harness's `npm pack`, `npm install` and registration runs. */

import { spawn } from "node:child_process";

interface RunOptions {
    cwd: string;
    timeoutMs: number;
    env?: NodeJS.ProcessEnv;
}

/** Runs a command, collecting its output; rejects with that output on a non-zero exit or a timeout. */
export function run(cmd: string, args: string[], opts: RunOptions): Promise<{ stdout: string; stderr: string }> {
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
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
        child.once("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        child.once("close", (code, signal) => {
            clearTimeout(timer);
            if (code === 0) resolveRun({ stdout, stderr });
            else
                reject(
                    new Error(
                        `${cmd} ${args.join(" ")} (in ${opts.cwd}) failed: ${code ?? signal}\n${stdout}\n${stderr}`,
                    ),
                );
        });
    });
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
