/**
 * Engine-path test harness: the package as a user installs it (the `npm pack` tarball), run by Pulumi's own
 * dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`), driven over gRPC the way the Pulumi engine drives it.
 *
 * There is no Pulumi CLI on the build machines, so this file stands in for the few engine steps that matter to a
 * dynamic provider. It is test code, not a second engine: it sends one request per call and decodes the answer.
 *
 * ```ts
 * const consumer = await prepareConsumer({ packageDir: repoRoot });          // npm pack + npm install, cached
 * const reg = await captureRegistration(consumer, `
 *     const { MembercardCallback } = require("pulumi-wechatpay");
 *     new MembercardCallback("membercard", { notifyUrl: "https://example.com/cb" });`);
 * const news = reg.resources[0].inputs;                                       // includes the serialized __provider
 * const host = await startProviderHost(consumer, { project: "demo" });
 * await host.configure({ "wechatpay:mchid": "1900000109", "wechatpay:privateKey": pem }, ["wechatpay:privateKey"]);
 * const { inputs } = await host.check(urnFor(reg.resources[0].type, "membercard", "demo", "stack"), {}, news);
 * …
 * await host.close();
 * ```
 *
 * What it relies on (pulumi/pulumi sources; the host is @pulumi/pulumi 3.248.0's `cmd/dynamic-provider/index.js`):
 * - Launch: the CLI's `pulumi-resource-pulumi-nodejs` script is
 *   `node "$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")" $@`
 *   (sdk/nodejs/dist/pulumi-resource-pulumi-nodejs), started with cwd = the program directory
 *   (`newPlugin(ctx, ctx.Pwd, …)`) and one argument, the engine's address (`[]string{host.ServerAddr()}`,
 *   sdk/go/common/resource/plugin/provider_plugin.go `NewProvider`). The host only checks that the argument exists;
 *   it never dials it (`main()` in cmd/dynamic-provider/index.ts), so a dummy address is fine.
 * - Environment (provider_plugin.go `NewProvider`): the CLI's whole environment (`os.Environ()`), plus
 *   `PULUMI_RUNTIME_<OPTION>=<value>` for each Pulumi.yaml runtime option, `PULUMI_NODEJS_PROJECT` and
 *   `PULUMI_PROJECT` = the project name, and `PULUMI_CONFIG` = JSON of the stack config in the plugin's own namespace
 *   (`pulumi-nodejs:`) with the namespace stripped (sdk/go/common/resource/plugin/host.go `Provider`), i.e. usually
 *   `{}`. No stack name is passed: in the host `getStack()` is the SDK default "stack", and `getProject()` (used by
 *   `req.config.get()` for bare keys) is `PULUMI_NODEJS_PROJECT`.
 * - Port: the engine reads the first stdout line as the port, then shows the rest of stdout/stderr to the user for
 *   dynamic plugins (`isDynamicPluginBinary` in sdk/go/common/resource/plugin/plugin.go): hence `output()`.
 * - Configure (provider_plugin.go `(*provider).Configure`): `args` = the provider's inputs marshalled with
 *   `KeepSecrets: true` (secret config values arrive as `{"4dabf…": "1b47…", value}`); `variables` = the same values,
 *   secrets removed, under `pulumi-nodejs:config:<key>`; `acceptSecrets`, `acceptResources`, `sendsOldInputs` and
 *   `sendsOldInputsToDelete` all true. For the dynamic providers the inputs are the WHOLE stack config with namespaces
 *   kept (pkg/resource/deploy/target.go `GetPackageConfig`: "For dynamic providers, we always pass the full
 *   configuration" / "we want to maintain the namespace").
 * - After Configure the engine waits for its answer before any Check/Diff/Create (`getPluginConfig` awaits
 *   `configSource`). The host answers `acceptSecrets: false`, so later requests carry plain values (secrets are
 *   unwrapped), and no `supportsPreview`, so the engine never sends `Create`/`Update` during a preview.
 * - Unknowns: preview inputs that come from other resources' outputs are the sentinel string
 *   `04da6b54-80e4-46f7-96ec-b56ff0331ba9` (sdk/nodejs/runtime/rpc.ts `unknownValue`).
 * - Shutdown: the engine interrupts the plugin, waits 5 s, then kills it (`ExecPlugin`'s `kill` in plugin.go).
 */

import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
    access,
    copyFile,
    mkdir,
    mkdtemp,
    readdir,
    readFile,
    rename,
    rm,
    stat,
    utimes,
    writeFile,
} from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";

// Types only: the modules themselves are loaded from the consumer folder at run time (see `loadProtocol`), so the
// versions match the host under test. The `.d.ts` files ship with @pulumi/pulumi and @types/google-protobuf.
import type * as GrpcModule from "@grpc/grpc-js";
import type * as PluginPbModule from "@pulumi/pulumi/proto/plugin_pb";
import type * as ProviderGrpcModule from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as ProviderPbModule from "@pulumi/pulumi/proto/provider_pb";
import type * as EmptyModule from "google-protobuf/google/protobuf/empty_pb";
import type * as StructModule from "google-protobuf/google/protobuf/struct_pb";

/** The value the engine sends for an input that is not known yet (a preview). sdk/nodejs/runtime/rpc.ts */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** Key and value that mark a secret in a marshalled property map. sdk/nodejs/runtime/rpc.ts */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SPECIAL_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The package the engine loads for every `pulumi-nodejs:dynamic…` resource, and its default provider's name. */
const DYNAMIC_PACKAGE = "pulumi-nodejs";
const DEFAULT_PROVIDER_TYPE = `pulumi:providers:${DYNAMIC_PACKAGE}`;

/** Bump when the consumer layout changes, so stale cached consumers are not reused. */
const CONSUMER_LAYOUT = "1";

export type PropertyMap = Record<string, unknown>;

/** `urn:pulumi:<stack>::<project>::<type>::<name>` for a top-level resource. */
export function urnFor(type: string, name: string, project: string, stack: string): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

// ---------------------------------------------------------------------------------------------------------------
// 1. The consumer: a folder where the packed tarball is installed like a user would install it.
// ---------------------------------------------------------------------------------------------------------------

export interface Consumer {
    /** Folder with `node_modules/<package>` and `node_modules/@pulumi/pulumi`. */
    dir: string;
    /** The packed tarball that was installed (a copy kept inside `dir`). */
    tarball: string;
    packageName: string;
    pulumiVersion: string;
    /** True when an earlier run had already installed this exact tarball. */
    fromCache: boolean;
}

export interface PrepareConsumerOptions {
    /** The package to pack (its `prepack` script builds it). */
    packageDir: string;
    /** Where consumers are cached. Default `<packageDir>/.cache/engine` (git-ignored). */
    cacheRoot?: string;
}

/**
 * Packs `packageDir` and installs the tarball plus `@pulumi/pulumi` (the exact version in `packageDir/node_modules`)
 * into a consumer folder, reused while the tarball's contents are the same.
 *
 * Safe to call from several vitest workers at once: packing (which builds `dist/` in place) and installing run
 * under a lock folder, and a consumer is built in a staging folder that is renamed into place only when complete.
 */
export async function prepareConsumer(opts: PrepareConsumerOptions): Promise<Consumer> {
    const packageDir = resolve(opts.packageDir);
    const cacheRoot = resolve(opts.cacheRoot ?? join(packageDir, ".cache", "engine"));
    const packageName = (await readJson(join(packageDir, "package.json"))).name;
    const pulumiVersion = (await readJson(join(packageDir, "node_modules", "@pulumi", "pulumi", "package.json")))
        .version;
    if (typeof packageName !== "string" || typeof pulumiVersion !== "string") {
        throw new Error(`prepareConsumer: cannot read the package name or the installed @pulumi/pulumi version`);
    }
    await mkdir(join(cacheRoot, "consumers"), { recursive: true });

    return withLock(join(cacheRoot, "lock"), async () => {
        const packDir = await mkdtemp(join(cacheRoot, "pack-"));
        try {
            await run("npm", ["pack", "--pack-destination", packDir], { cwd: packageDir, timeoutMs: 300_000 });
            const packed = (await readdir(packDir)).filter((f) => f.endsWith(".tgz"));
            if (packed.length !== 1 || packed[0] === undefined) {
                throw new Error(`npm pack left ${packed.length} tarballs in ${packDir}`);
            }
            const tgz = await readFile(join(packDir, packed[0]));
            // `npm pack` output is byte-reproducible today (fixed 1985 mtimes, gzip mtime 0), but hash the
            // uncompressed tar so a different zlib cannot change the key for the same contents.
            const key = createHash("sha256")
                .update(gunzipSync(tgz))
                .update(`\0${pulumiVersion}\0${CONSUMER_LAYOUT}`)
                .digest("hex")
                .slice(0, 16);
            const dir = join(cacheRoot, "consumers", key);
            const tarball = join(dir, "package.tgz");
            if (await exists(join(dir, "consumer.json"))) {
                await pruneCache(cacheRoot, dir, packDir);
                return { dir, tarball, packageName, pulumiVersion, fromCache: true };
            }

            const staging = join(cacheRoot, "consumers", `.staging-${key}-${process.pid}-${randomHex(4)}`);
            await mkdir(staging, { recursive: true });
            try {
                await writeFile(
                    join(staging, "package.json"),
                    `${JSON.stringify({ name: "engine-consumer", version: "0.0.0", private: true }, null, 4)}\n`,
                );
                await copyFile(join(packDir, packed[0]), join(staging, "package.tgz"));
                await run(
                    "npm",
                    [
                        "install",
                        "--no-audit",
                        "--no-fund",
                        "--prefer-offline",
                        "--no-update-notifier",
                        "./package.tgz",
                        `@pulumi/pulumi@${pulumiVersion}`,
                    ],
                    { cwd: staging, timeoutMs: 600_000 },
                );
                await writeFile(
                    join(staging, "consumer.json"),
                    `${JSON.stringify({ packageName, pulumiVersion, key }, null, 4)}\n`,
                );
                await rename(staging, dir); // atomic: a consumer folder is either complete or absent
            } catch (err) {
                await rm(staging, { recursive: true, force: true });
                throw err;
            }
            await pruneCache(cacheRoot, dir, packDir);
            return { dir, tarball, packageName, pulumiVersion, fromCache: false };
        } finally {
            await rm(packDir, { recursive: true, force: true });
        }
    });
}

/**
 * Keeps the most recently used consumers (each is ~90 MB of node_modules) and removes leftovers of interrupted runs.
 * Runs under the lock, so any staging or pack folder other than ours belongs to a process that died.
 */
async function pruneCache(cacheRoot: string, current: string, ourPackDir: string, keep = 4): Promise<void> {
    const now = new Date();
    await utimes(join(current, "consumer.json"), now, now);
    for (const entry of await readdir(cacheRoot)) {
        const path = join(cacheRoot, entry);
        if (entry.startsWith("pack-") && path !== ourPackDir) await rm(path, { recursive: true, force: true });
    }
    const consumersDir = join(cacheRoot, "consumers");
    const used: { path: string; mtimeMs: number }[] = [];
    for (const entry of await readdir(consumersDir)) {
        const path = join(consumersDir, entry);
        if (entry.startsWith(".staging-")) {
            await rm(path, { recursive: true, force: true });
            continue;
        }
        const info = await stat(join(path, "consumer.json")).catch(() => undefined);
        if (info) used.push({ path, mtimeMs: info.mtimeMs });
    }
    used.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { path } of used.slice(keep)) {
        if (path !== current) await rm(path, { recursive: true, force: true });
    }
}

/** Runs `fn` while holding `lockDir` (mkdir is atomic). A lock whose owner process is gone is taken over. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
        try {
            await mkdir(lockDir);
            break;
        } catch (err) {
            if (errorCode(err) !== "EEXIST") throw err;
        }
        if (await isStaleLock(lockDir)) {
            await rm(lockDir, { recursive: true, force: true });
            continue;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
        await sleep(250);
    }
    await writeFile(join(lockDir, "owner"), String(process.pid));
    try {
        return await fn();
    } finally {
        await rm(lockDir, { recursive: true, force: true });
    }
}

async function isStaleLock(lockDir: string): Promise<boolean> {
    try {
        const pid = Number(await readFile(join(lockDir, "owner"), "utf8"));
        process.kill(pid, 0); // throws ESRCH when the owner is gone
        return false;
    } catch (err) {
        if (errorCode(err) === "EPERM") return false; // alive, someone else's
        // No owner file yet: the owner is between mkdir and writeFile, unless that was long ago.
        const info = await stat(lockDir).catch(() => undefined);
        return info === undefined || Date.now() - info.mtimeMs > 30_000 || errorCode(err) === "ESRCH";
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Registration: what the SDK sends for each resource a program constructs (inputs include `__provider`).
// ---------------------------------------------------------------------------------------------------------------

export interface RegisteredResource {
    /** e.g. `pulumi-nodejs:dynamic/wechatpay:MembercardCallback` */
    type: string;
    name: string;
    custom: boolean;
    /** Provider reference; "" means the default provider (the engine picks `pulumi-nodejs`). */
    provider: string;
    /** Inputs as the SDK marshalled them; secrets stay wrapped as `{[SPECIAL_SIG_KEY]: SPECIAL_SECRET_SIG, value}`. */
    inputs: PropertyMap;
    /** `inputs.__provider` when it is a plain string: the serialized provider the engine stores in state. */
    serializedProvider?: string;
}

export interface Registration {
    resources: RegisteredResource[];
    /** The program's own stdout/stderr (closure serialization warnings land here). */
    output: string;
}

export interface CaptureOptions {
    /** Stack config as `pulumi config` holds it, namespaced keys: `{"wechatpay:mchid": "190000…"}`. */
    config?: Record<string, string>;
    project?: string;
    stack?: string;
}

/**
 * Runs `programSource` (CommonJS, may `require("<package>")`) in a child node process in the consumer folder under
 * `pulumi.runtime.setMocks(…, preview = false)` and returns every resource it registered.
 *
 * The mock monitor's `newResource` receives `deserializeProperties(RegisterResourceRequest.object)`
 * (sdk/nodejs/runtime/mocks.ts), i.e. exactly the property map the SDK sent, `__provider` included: a dynamic
 * resource puts the serialized provider into its props before `super()` (sdk/nodejs/dynamic/index.ts), and the SDK
 * waits for that (async) serialization before it sends the request.
 */
export async function captureRegistration(
    consumer: Consumer,
    programSource: string,
    opts: CaptureOptions = {},
): Promise<Registration> {
    const workDir = join(consumer.dir, ".captures", `${Date.now()}-${process.pid}-${randomHex(4)}`);
    await mkdir(workDir, { recursive: true });
    try {
        await writeFile(join(workDir, "program.js"), programSource);
        await writeFile(join(workDir, "runner.js"), CAPTURE_RUNNER);
        const resultFile = join(workDir, "result.json");
        const { stdout, stderr } = await run(process.execPath, [join(workDir, "runner.js"), resultFile], {
            cwd: consumer.dir,
            timeoutMs: 120_000,
            env: {
                ...process.env,
                // What `new pulumi.Config()` reads in a program (sdk/nodejs/runtime/config.ts `configEnvKey`).
                PULUMI_CONFIG: JSON.stringify(opts.config ?? {}),
                CAPTURE_PROJECT: opts.project ?? "project",
                CAPTURE_STACK: opts.stack ?? "stack",
            },
        });
        const result = (await readJson(resultFile)) as { resources: Omit<RegisteredResource, "serializedProvider">[] };
        return {
            output: stdout + stderr,
            resources: result.resources.map((r) => {
                const p = r.inputs.__provider;
                return typeof p === "string" ? { ...r, serializedProvider: p } : r;
            }),
        };
    } finally {
        await rm(workDir, { recursive: true, force: true });
    }
}

/** Runs next to the program; writes the registrations when the event loop drains (all RPCs done). */
const CAPTURE_RUNNER = `"use strict";
const fs = require("fs");
const path = require("path");
const pulumi = require("@pulumi/pulumi");
const resources = [];
let written = false;
process.on("beforeExit", () => {
    if (written) return;
    written = true;
    fs.writeFileSync(process.argv[2], JSON.stringify({ resources }));
});
pulumi.runtime
    .setMocks(
        {
            newResource(args) {
                resources.push({
                    type: args.type,
                    name: args.name,
                    custom: args.custom,
                    provider: args.provider,
                    inputs: args.inputs,
                });
                return { id: args.name + "-id", state: args.inputs };
            },
            call(args) {
                return args.inputs;
            },
        },
        process.env.CAPTURE_PROJECT,
        process.env.CAPTURE_STACK,
        false,
    )
    .then(() => require(path.join(__dirname, "program.js")))
    .catch((err) => {
        console.error(err && err.stack ? err.stack : err);
        process.exit(1);
    });
`;

// ---------------------------------------------------------------------------------------------------------------
// 3. The provider host, driven over gRPC.
// ---------------------------------------------------------------------------------------------------------------

export interface ProviderHostOptions {
    /** Added to the inherited environment last (e.g. `WECHATPAY_*` fallbacks, or `undefined` to remove one). */
    env?: NodeJS.ProcessEnv;
    /** Project name: the engine passes it as PULUMI_NODEJS_PROJECT (bare config keys resolve under it). */
    project?: string;
    /** Stack name: used only for the default provider's URN in Configure; the engine does not pass it to the host. */
    stack?: string;
    /** Pulumi.yaml `runtime.options`, passed as `PULUMI_RUNTIME_<NAME>`. */
    runtimeOptions?: Record<string, string>;
    /** Stack config, for the env var PULUMI_CONFIG (only its `pulumi-nodejs:` keys get there). */
    stackConfig?: Record<string, string>;
    /** Deadline for each gRPC call. Default 60 s. */
    callTimeoutMs?: number;
}

export interface CheckResult {
    inputs: PropertyMap;
    failures: { property: string; reason: string }[];
}

export type DiffKind = "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";

export interface DiffResult {
    changes: "unknown" | "none" | "some";
    replaces: string[];
    deleteBeforeReplace: boolean;
    diffs: string[];
    detailedDiff?: Record<string, { kind: DiffKind; inputDiff: boolean }>;
}

export interface ReadResult {
    /** "" when the provider reports the resource gone. */
    id: string;
    properties: PropertyMap;
    /** Set when the provider returned `inputs` (the next diff uses them). */
    inputs: PropertyMap | undefined;
}

export interface ProviderHost {
    /** The unknown sentinel the engine sends during previews. */
    readonly unknown: string;
    readonly pid: number;
    /** Milliseconds from spawn to the port line. */
    readonly startupMs: number;
    getPluginInfo(): Promise<{ version: string }>;
    configure(
        config: Record<string, string>,
        secretKeys?: string[],
    ): Promise<{ acceptSecrets: boolean; acceptResources: boolean; supportsPreview: boolean }>;
    check(urn: string, olds: PropertyMap, news: PropertyMap): Promise<CheckResult>;
    /** `olds` are the stored outputs; the engine also sends the stored inputs as `oldInputs` (default: `olds`). */
    diff(id: string, urn: string, olds: PropertyMap, news: PropertyMap, oldInputs?: PropertyMap): Promise<DiffResult>;
    create(urn: string, props: PropertyMap): Promise<{ id: string; properties: PropertyMap }>;
    read(id: string, urn: string, props: PropertyMap, inputs?: PropertyMap): Promise<ReadResult>;
    update(
        id: string,
        urn: string,
        olds: PropertyMap,
        news: PropertyMap,
        oldInputs?: PropertyMap,
    ): Promise<{ properties: PropertyMap }>;
    delete(id: string, urn: string, props: PropertyMap, oldInputs?: PropertyMap): Promise<Record<string, never>>;
    /** Everything the host wrote to stdout and stderr so far (the user sees all of it). */
    output(): string;
    /** Interrupts the host like the engine does (SIGINT, then SIGKILL after 5 s) and waits for it to exit. */
    close(): Promise<void>;
}

/** An error answer from the host: `message` is the gRPC status details (the provider's error message). */
export class ProviderHostCallError extends Error {
    override readonly name = "ProviderHostCallError";
    constructor(
        readonly method: string,
        readonly grpcCode: number,
        details: string,
    ) {
        super(details);
    }
}

interface Protocol {
    grpc: typeof GrpcModule;
    pb: typeof ProviderPbModule;
    rpc: typeof ProviderGrpcModule;
    Struct: typeof StructModule.Struct;
    Empty: typeof EmptyModule.Empty;
}

/** Loads gRPC and the generated protobuf code from the consumer's @pulumi/pulumi, the copy the host runs. */
function loadProtocol(consumer: Consumer): Protocol {
    const fromConsumer = createRequire(join(consumer.dir, "package.json"));
    const fromPulumi = createRequire(fromConsumer.resolve("@pulumi/pulumi/package.json"));
    // The casts name the modules' own .d.ts types; createRequire returns `any`.
    return {
        grpc: fromPulumi("@grpc/grpc-js") as typeof GrpcModule,
        pb: fromPulumi("./proto/provider_pb.js") as typeof ProviderPbModule,
        rpc: fromPulumi("./proto/provider_grpc_pb.js") as typeof ProviderGrpcModule,
        Struct: (fromPulumi("google-protobuf/google/protobuf/struct_pb.js") as typeof StructModule).Struct,
        Empty: (fromPulumi("google-protobuf/google/protobuf/empty_pb.js") as typeof EmptyModule).Empty,
    };
}

/** Starts `@pulumi/pulumi/cmd/dynamic-provider` from the consumer folder and connects a gRPC client to it. */
export async function startProviderHost(consumer: Consumer, opts: ProviderHostOptions = {}): Promise<ProviderHost> {
    const project = opts.project ?? "project";
    const stack = opts.stack ?? "stack";
    const callTimeoutMs = opts.callTimeoutMs ?? 60_000;
    const proto = loadProtocol(consumer);
    const { grpc, pb, Struct } = proto;

    const pluginConfig: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.stackConfig ?? {})) {
        if (k.startsWith(`${DYNAMIC_PACKAGE}:`)) pluginConfig[k.slice(DYNAMIC_PACKAGE.length + 1)] = v;
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(opts.runtimeOptions ?? {})) env[`PULUMI_RUNTIME_${k.toUpperCase()}`] = v;
    env.PULUMI_NODEJS_PROJECT = project;
    env.PULUMI_PROJECT = project;
    env.PULUMI_CONFIG = JSON.stringify(pluginConfig);
    delete env.PULUMI_NODEJS_STACK; // not set by the engine for plugins; don't leak the caller's
    for (const [k, v] of Object.entries(opts.env ?? {})) {
        if (v === undefined) delete env[k];
        else env[k] = v;
    }

    const script = createRequire(join(consumer.dir, "package.json")).resolve("@pulumi/pulumi/cmd/dynamic-provider");
    const started = performance.now();
    // The engine address is never dialled by this host; any value satisfies its "Missing <engine> address" check.
    const child = spawn(process.execPath, [script, "127.0.0.1:1"], {
        cwd: consumer.dir,
        env,
        stdio: ["pipe", "pipe", "pipe"],
    });
    let text = "";
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
    });
    const port = await new Promise<number>((resolvePort, reject) => {
        let firstLine = "";
        let portSeen = false;
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
            if (portSeen) {
                text += chunk;
                return;
            }
            firstLine += chunk;
            const nl = firstLine.indexOf("\n");
            if (nl < 0) return;
            portSeen = true;
            text += firstLine.slice(nl + 1);
            const n = Number(firstLine.slice(0, nl).trim());
            if (Number.isInteger(n) && n > 0 && n < 65536) resolvePort(n);
            else reject(new Error(`provider host wrote no port: ${JSON.stringify(firstLine)}\n${text}`));
        });
        child.once("error", reject);
        child.once("exit", (code, signal) =>
            reject(new Error(`provider host exited (${code ?? signal}) before its port line:\n${text}`)),
        );
    }).catch((err: unknown) => {
        child.kill("SIGKILL"); // it may still be running after a bad first line
        throw err;
    });
    const startupMs = performance.now() - started;

    const client = new proto.rpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

    type Callback<Res> = (err: GrpcModule.ServiceError | null, res: Res) => void;
    /** One unary call with a deadline; an error answer becomes a thrown ProviderHostCallError. */
    function call<Res>(
        method: string,
        send: (md: GrpcModule.Metadata, options: Partial<GrpcModule.CallOptions>, cb: Callback<Res>) => unknown,
    ): Promise<Res> {
        return new Promise((resolveCall, reject) => {
            send(new grpc.Metadata(), { deadline: Date.now() + callTimeoutMs }, (err, res) => {
                if (err) reject(new ProviderHostCallError(method, err.code, err.details || err.message));
                else resolveCall(res);
            });
        });
    }

    /** Plain objects → Struct. A JSON round trip drops `undefined` like the engine's marshalling drops absent keys. */
    const struct = (m: PropertyMap) => Struct.fromJavaScript(JSON.parse(JSON.stringify(m)) as Record<string, never>);
    const plain = (s: StructModule.Struct | undefined): PropertyMap => (s ? (s.toJavaScript() as PropertyMap) : {});
    const nameAndType = (urn: string) => {
        const parts = urn.split("::");
        const qualifiedType = parts[2] ?? "";
        return { name: parts[3] ?? "", type: qualifiedType.split("$").pop() ?? "" };
    };
    const changesOf: Record<number, DiffResult["changes"]> = {
        [pb.DiffResponse.DiffChanges.DIFF_UNKNOWN]: "unknown",
        [pb.DiffResponse.DiffChanges.DIFF_NONE]: "none",
        [pb.DiffResponse.DiffChanges.DIFF_SOME]: "some",
    };
    const kindOf: Record<number, DiffKind> = {
        [pb.PropertyDiff.Kind.ADD]: "add",
        [pb.PropertyDiff.Kind.ADD_REPLACE]: "add-replace",
        [pb.PropertyDiff.Kind.DELETE]: "delete",
        [pb.PropertyDiff.Kind.DELETE_REPLACE]: "delete-replace",
        [pb.PropertyDiff.Kind.UPDATE]: "update",
        [pb.PropertyDiff.Kind.UPDATE_REPLACE]: "update-replace",
    };

    return {
        unknown: UNKNOWN,
        pid: child.pid ?? -1,
        startupMs,

        async getPluginInfo() {
            const info = await call<PluginPbModule.PluginInfo>("GetPluginInfo", (m, o, cb) =>
                client.getPluginInfo(new proto.Empty(), m, o, cb),
            );
            return { version: info.getVersion() };
        },

        async configure(config, secretKeys = []) {
            const args: PropertyMap = {};
            const req = new pb.ConfigureRequest();
            for (const [key, value] of Object.entries(config)) {
                args[key] = secretKeys.includes(key) ? { [SPECIAL_SIG_KEY]: SPECIAL_SECRET_SIG, value } : value;
                req.getVariablesMap().set(`${DYNAMIC_PACKAGE}:config:${key}`, value);
            }
            req.setArgs(struct(args));
            req.setAcceptsecrets(true);
            req.setAcceptresources(true);
            req.setSendsOldInputs(true);
            req.setSendsOldInputsToDelete(true);
            // Newer engines also name the default provider resource being configured; this host ignores them.
            req.setUrn(urnFor(DEFAULT_PROVIDER_TYPE, "default", project, stack));
            req.setName("default");
            req.setType(DEFAULT_PROVIDER_TYPE);
            const res = await call<ProviderPbModule.ConfigureResponse>("Configure", (m, o, cb) =>
                client.configure(req, m, o, cb),
            );
            return {
                acceptSecrets: res.getAcceptsecrets(),
                acceptResources: res.getAcceptresources(),
                supportsPreview: res.getSupportspreview(),
            };
        },

        async check(urn, olds, news) {
            const req = new pb.CheckRequest();
            const { name, type } = nameAndType(urn);
            req.setUrn(urn).setName(name).setType(type).setOlds(struct(olds)).setNews(struct(news));
            req.setRandomseed(randomBytes(32));
            const res = await call<ProviderPbModule.CheckResponse>("Check", (m, o, cb) => client.check(req, m, o, cb));
            return {
                inputs: plain(res.getInputs()),
                failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
            };
        },

        async diff(id, urn, olds, news, oldInputs = olds) {
            const req = new pb.DiffRequest();
            const { name, type } = nameAndType(urn);
            req.setId(id).setUrn(urn).setName(name).setType(type);
            req.setOlds(struct(olds)).setOldInputs(struct(oldInputs)).setNews(struct(news));
            const res = await call<ProviderPbModule.DiffResponse>("Diff", (m, o, cb) => client.diff(req, m, o, cb));
            const result: DiffResult = {
                changes: changesOf[res.getChanges()] ?? "unknown",
                replaces: res.getReplacesList(),
                deleteBeforeReplace: res.getDeletebeforereplace(),
                diffs: res.getDiffsList(),
            };
            if (res.getHasdetaileddiff()) {
                const detailed: NonNullable<DiffResult["detailedDiff"]> = {};
                res.getDetaileddiffMap().forEach((d, key) => {
                    detailed[key] = { kind: kindOf[d.getKind()] ?? "update", inputDiff: d.getInputdiff() };
                });
                result.detailedDiff = detailed;
            }
            return result;
        },

        async create(urn, props) {
            const req = new pb.CreateRequest();
            const { name, type } = nameAndType(urn);
            req.setUrn(urn).setName(name).setType(type).setProperties(struct(props)).setPreview(false);
            const res = await call<ProviderPbModule.CreateResponse>("Create", (m, o, cb) =>
                client.create(req, m, o, cb),
            );
            return { id: res.getId(), properties: plain(res.getProperties()) };
        },

        async read(id, urn, props, inputs) {
            const req = new pb.ReadRequest();
            const { name, type } = nameAndType(urn);
            req.setId(id).setUrn(urn).setName(name).setType(type).setProperties(struct(props));
            if (inputs) req.setInputs(struct(inputs));
            const res = await call<ProviderPbModule.ReadResponse>("Read", (m, o, cb) => client.read(req, m, o, cb));
            const resInputs = res.getInputs();
            return { id: res.getId(), properties: plain(res.getProperties()), inputs: resInputs && plain(resInputs) };
        },

        async update(id, urn, olds, news, oldInputs = olds) {
            const req = new pb.UpdateRequest();
            const { name, type } = nameAndType(urn);
            req.setId(id).setUrn(urn).setName(name).setType(type).setPreview(false);
            req.setOlds(struct(olds)).setOldInputs(struct(oldInputs)).setNews(struct(news));
            const res = await call<ProviderPbModule.UpdateResponse>("Update", (m, o, cb) =>
                client.update(req, m, o, cb),
            );
            return { properties: plain(res.getProperties()) };
        },

        async delete(id, urn, props, oldInputs = props) {
            const req = new pb.DeleteRequest();
            const { name, type } = nameAndType(urn);
            req.setId(id).setUrn(urn).setName(name).setType(type);
            req.setProperties(struct(props)).setOldInputs(struct(oldInputs));
            await call<EmptyModule.Empty>("Delete", (m, o, cb) => client.delete(req, m, o, cb));
            return {};
        },

        output: () => text,

        async close() {
            client.close();
            await stopChild(child, exited);
        },
    };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers.
// ---------------------------------------------------------------------------------------------------------------

interface RunOptions {
    cwd: string;
    timeoutMs: number;
    env?: NodeJS.ProcessEnv;
}

/** Runs a command, collecting its output; rejects with that output on a non-zero exit or a timeout. */
function run(cmd: string, args: string[], opts: RunOptions): Promise<{ stdout: string; stderr: string }> {
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

async function readJson(path: string): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
}

async function exists(path: string): Promise<boolean> {
    return access(path).then(
        () => true,
        () => false,
    );
}

function errorCode(err: unknown): string | undefined {
    return typeof err === "object" && err !== null && "code" in err ? String(err.code) : undefined;
}

function randomHex(bytes: number): string {
    return randomBytes(bytes).toString("hex");
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}
