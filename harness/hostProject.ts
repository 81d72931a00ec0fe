/**
 * A program in any language run through the real CLI, hermetically (the same environment as RealCliProject: a fresh
 * PULUMI_HOME and `file://` backend in a temp folder, the passphrase secrets provider, no update check, no plugin
 * downloads), with the built bin folder first on PATH so that the CLI finds its language hosts there.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { pulumiEnv } from "./cli";
import { scrubbedEnv } from "./fixtures";
import { collect, type Exited } from "./run";

export interface HostProjectOptions {
    /** The folder holding `pulumi` and the language hosts. */
    binDir: string;
    /** The program's files (relative path → text), Pulumi.yaml among them. */
    files: Record<string, string>;
    /** Folders put on PATH after binDir (a Python virtual environment's bin, for one). */
    pathBefore?: string[];
    /** More environment variables for the CLI and the program. */
    env?: Record<string, string>;
}

/** One program's folder, backend and PULUMI_HOME in a temp folder; one stack, `dev`. */
export class HostProject {
    private constructor(
        readonly tmp: string,
        readonly workDir: string,
        readonly env: Record<string, string>,
        private readonly pulumi: string,
    ) {}

    static async create(opts: HostProjectOptions): Promise<HostProject> {
        const tmp = await mkdtemp(join(tmpdir(), "realcli-host-"));
        const workDir = join(tmp, "program");
        await Promise.all([mkdir(join(tmp, "state")), mkdir(join(tmp, "pulumi-home")), mkdir(workDir)]);
        for (const [name, text] of Object.entries(opts.files)) {
            await mkdir(dirname(join(workDir, name)), { recursive: true });
            await writeFile(join(workDir, name), text);
        }
        const env = scrubbedEnv({
            ...pulumiEnv(join(tmp, "state"), join(tmp, "pulumi-home"), "pulumi-wechatpay-hosts"),
            ...opts.env,
            PATH: [opts.binDir, ...(opts.pathBefore ?? []), process.env.PATH ?? ""].join(delimiter),
        });
        return new HostProject(tmp, workDir, env, join(opts.binDir, "pulumi"));
    }

    /** `pulumi <args> --non-interactive --color never` in the program's folder; a non-zero exit is a result. */
    run(args: string[], timeoutMs = 600_000): Promise<Exited> {
        // The CLI's flags go before a `--` (after it, a value that starts with dashes, like a PEM, is taken as is).
        const end = args.indexOf("--") < 0 ? args.length : args.indexOf("--");
        const all = [...args.slice(0, end), "--non-interactive", "--color", "never", ...args.slice(end)];
        return collect(this.pulumi, all, {
            cwd: this.workDir,
            env: this.env,
            timeoutMs,
        });
    }

    /** Like `run`, but a non-zero exit throws with the CLI's output. */
    async ok(args: string[], timeoutMs?: number): Promise<Exited> {
        const r = await this.run(args, timeoutMs);
        if (r.code !== 0) {
            throw new Error(
                `pulumi ${args.join(" ")} exited with ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
            );
        }
        return r;
    }

    /** Puts `dir` first on the CLI's and the program's PATH: what `source venv/bin/activate` does for a shell. */
    prependPath(dir: string): void {
        this.env.PATH = [dir, this.env.PATH ?? ""].join(delimiter);
    }

    /** `stack init <stack>` with the passphrase provider, then each config value (`--secret` for `secretKeys`). */
    async init(stack: string, config: Record<string, string>, secretKeys: readonly string[]): Promise<void> {
        await this.ok(["stack", "init", stack, "--secrets-provider", "passphrase"]);
        for (const [key, value] of Object.entries(config)) {
            const kind = secretKeys.includes(key) ? "--secret" : "--plaintext";
            // `--` before the value, as the Automation API does: a PEM starts with dashes.
            const r = await this.run(["config", "set", key, kind, "--", value]);
            // The message leaves the value out: it may be a key.
            if (r.code !== 0) throw new Error(`pulumi config set ${key} exited with ${r.code}: ${r.stderr.trim()}`);
        }
    }

    async dispose(): Promise<void> {
        await rm(this.tmp, { recursive: true, force: true });
    }
}
