/**
 * Starts a Pulumi program the way the CLI's Node language host does (sdk/nodejs/cmd/pulumi-language-nodejs/main.go,
 * `execRuntime` and `constructArguments`): `node <@pulumi/pulumi/cmd/run> --monitor <addr> --engine <addr>
 * --project <p> --root-directory <dir> --stack <s> --pwd <dir> [--dry-run] --parallel <n> <entry point>`, with the
 * caller's environment plus
 * - `PULUMI_CONFIG`: JSON of the stack config, keys rewritten `<ns>:<key>` → `<ns>:config:<key>` (`constructConfig`);
 * - `PULUMI_CONFIG_SECRET_KEYS`: JSON array of the secret keys (`constructConfigSecretKeys`);
 * - `PULUMI_NODEJS_TYPESCRIPT=true`: the `typescript` runtime option, true by default (`parseOptions`). cmd/run then
 *   compiles `.ts` with ts-node: the program's own `typescript`/`ts-node` if installed, else the copies vendored in
 *   @pulumi/pulumi (TypeScript 3.8; sdk/nodejs/tsutils.ts `typeScriptRequireStrings`).
 * The entry point is "." when Pulumi.yaml has no `main`: cmd/run then uses package.json's `main`.
 * The `--sync` pipes directory is for `pulumi.runtime.invokeSync`, which these programs do not use.
 */

import type { Consumer } from "../consumer";
import { consumerRequire } from "../protocol";
import { collect } from "../run";

export interface ProgramRun {
    consumer: Consumer;
    /** The program's folder (Pulumi.yaml, package.json, index.ts, node_modules). */
    dir: string;
    project: string;
    stack: string;
    dryRun: boolean;
    /** `127.0.0.1:<port>` of the resource monitor and engine services. */
    monitor: string;
    /** Stack config, `<namespace>:<key>` → string value (objects JSON-encoded, as `pulumi config` stores them). */
    config: Record<string, string>;
    secretKeys: readonly string[];
    /** Added to the inherited environment. */
    env: NodeJS.ProcessEnv;
}

/** Runs the program to its end; resolves with its exit code and its stdout/stderr. */
export async function runProgram(p: ProgramRun): Promise<{ code: number; output: string }> {
    const runPath = consumerRequire(p.consumer).resolve("@pulumi/pulumi/cmd/run");
    const args = [runPath, "--monitor", p.monitor, "--engine", p.monitor, "--project", p.project];
    args.push("--root-directory", p.dir, "--stack", p.stack, "--pwd", p.dir);
    if (p.dryRun) args.push("--dry-run");
    args.push("--parallel", "16", ".");
    const config = Object.fromEntries(
        Object.entries(p.config).map(([key, value]) => {
            const at = key.indexOf(":");
            return [`${key.slice(0, at)}:config:${key.slice(at + 1)}`, value];
        }),
    );
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...p.env,
        PULUMI_CONFIG: JSON.stringify(config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(p.secretKeys),
        PULUMI_NODEJS_TYPESCRIPT: "true",
    };
    const { code, stdout, stderr } = await collect(process.execPath, args, { cwd: p.dir, env });
    return { code, output: stdout + stderr };
}
