/**
 * Pulumi's own dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`), started from a consumer folder and
 * driven over gRPC the way the Pulumi engine drives it.
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
import { randomBytes } from "node:crypto";
import type * as GrpcModule from "@grpc/grpc-js";
import type * as PluginPbModule from "@pulumi/pulumi/proto/plugin_pb";
import type * as ProviderPbModule from "@pulumi/pulumi/proto/provider_pb";
import type * as EmptyModule from "google-protobuf/google/protobuf/empty_pb";
import type * as StructModule from "google-protobuf/google/protobuf/struct_pb";
import { REPO } from "./cli";
import type { Consumer } from "./consumer";
import { consumerRequire, loadProtocol, type Protocol, secret } from "./protocol";

/** The value the engine sends for an input that is not known yet (a preview). sdk/nodejs/runtime/rpc.ts */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The package the engine loads for every `pulumi-nodejs:dynamic…` resource, and its default provider's name. */
const DYNAMIC_PACKAGE = "pulumi-nodejs";
/** The engine's name for the provider every `pulumi-nodejs:dynamic/…` resource uses by default. */
export const DEFAULT_PROVIDER_TYPE = `pulumi:providers:${DYNAMIC_PACKAGE}`;

/** Deadline for each gRPC call. */
const CALL_TIMEOUT_MS = 60_000;

export type PropertyMap = Record<string, unknown>;

/** `urn:pulumi:<stack>::<project>::<type>::<name>` for a top-level resource. */
export function urnFor(type: string, name: string, project: string, stack: string): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

export interface ProviderHostOptions {
    /** Added to the inherited environment last (e.g. `WECHATPAY_*` fallbacks, or `undefined` to remove one). */
    env?: NodeJS.ProcessEnv;
    /** Project name: the engine passes it as PULUMI_NODEJS_PROJECT (bare config keys resolve under it). */
    project?: string;
    /** Stack name: used only for the default provider's URN in Configure; the engine does not pass it to the host. */
    stack?: string;
    /** The program's folder: the engine starts the host there. Default: the consumer folder. */
    cwd?: string;
}

export interface CheckResult {
    inputs: PropertyMap;
    failures: { property: string; reason: string }[];
}

export interface DiffResult {
    changes: "unknown" | "none" | "some";
    replaces: string[];
    deleteBeforeReplace: boolean;
    diffs: string[];
    /** Property → PropertyDiff kind (`UPDATE`, `UPDATE_REPLACE`, …), when the provider sent a detailed diff. */
    detailedDiff?: Record<string, string>;
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
        /** Create's "created, but failed to initialize" detail: what the engine keeps in state. */
        readonly initFailed?: { id: string; properties: PropertyMap; reasons: string[] },
    ) {
        super(details);
    }
}

/** Starts `@pulumi/pulumi/cmd/dynamic-provider` from the consumer folder and connects a gRPC client to it. */
export async function startProviderHost(consumer: Consumer, opts: ProviderHostOptions = {}): Promise<ProviderHost> {
    const script = consumerRequire(consumer).resolve("@pulumi/pulumi/cmd/dynamic-provider");
    return startHost(loadProtocol(consumer), [script], opts.cwd ?? consumer.dir, opts, DYNAMIC_CONFIG);
}

/** How the engine sends a package's provider config in Configure. */
interface ConfigStyle {
    /** The provider's type token (`pulumi:providers:<package>`). */
    providerType: string;
    /** The key of a stack-config key (`wechatpay:mchid`) in Configure's `args`. */
    argKey(key: string): string;
    /** The key of a stack-config key in Configure's deprecated `variables`. */
    variableKey(key: string): string;
}

/** The dynamic providers' default provider: the whole stack config, namespaces kept (see the header). */
const DYNAMIC_CONFIG: ConfigStyle = {
    providerType: DEFAULT_PROVIDER_TYPE,
    argKey: (key) => key,
    variableKey: (key) => `${DYNAMIC_PACKAGE}:config:${key}`,
};

/**
 * A provider plugin of package `pkg`: `args` hold its own keys without the namespace and `variables` hold
 * `<pkg>:config:<key>` (provider_plugin.go v3.276.0, `(*provider).Configure`).
 */
const pluginConfig = (pkg: string): ConfigStyle => ({
    providerType: `pulumi:providers:${pkg}`,
    argKey: (key) => key.slice(key.indexOf(":") + 1),
    variableKey: (key) => `${pkg}:config:${key.slice(key.indexOf(":") + 1)}`,
});

/** A resource provider plugin, with the provider-config calls a plugin (unlike the dynamic host) implements. */
export interface PluginHost extends ProviderHost {
    getSchema(): Promise<string>;
    /** The provider's inputs (keys without the namespace) checked; `inputs` keep secret markers. */
    checkConfig(news: PropertyMap, olds?: PropertyMap): Promise<CheckResult>;
    diffConfig(olds: PropertyMap, news: PropertyMap): Promise<DiffResult>;
    cancel(): Promise<void>;
    /** A create or update as a preview (`preview: true`): what the engine sends when the provider supports previews. */
    preview(
        step: "create" | "update",
        urn: string,
        news: PropertyMap,
        olds?: PropertyMap,
    ): Promise<{ id: string; properties: PropertyMap }>;
}

export interface PluginHostOptions extends ProviderHostOptions {
    /** The command and arguments that start the plugin (before the engine address the engine appends). */
    command: string[];
    /** The plugin's package name (`wechatpay`). */
    package: string;
    /** gRPC and protobuf modules to speak with; default: this repository's @pulumi/pulumi. */
    protocol?: Protocol;
}

/** Starts a provider plugin the way the engine does (its command, the engine address appended) and connects to it. */
export async function startPluginHost(opts: PluginHostOptions): Promise<PluginHost> {
    const protocol = opts.protocol ?? loadProtocol({ dir: REPO, packageName: "", pulumiVersion: "", fromCache: false });
    return startHost(protocol, opts.command, opts.cwd ?? REPO, opts, pluginConfig(opts.package));
}

/** Spawns `command` as the engine would, and connects a client speaking the engine's side of the protocol. */
async function startHost(
    proto: Protocol,
    command: string[],
    cwd: string,
    opts: ProviderHostOptions,
    style: ConfigStyle,
): Promise<GrpcProviderHost> {
    const project = opts.project ?? "project";
    const started = performance.now();
    const host = await spawnHost(command, hostEnv(project, opts.env), cwd);
    const startupMs = performance.now() - started;
    const client = new proto.rpc.ResourceProviderClient(
        `127.0.0.1:${host.port}`,
        proto.grpc.credentials.createInsecure(),
    );
    return new GrpcProviderHost(proto, client, host, startupMs, { project, stack: opts.stack ?? "stack", style });
}

/** The environment the engine gives a provider host (see the top of this file), with `extra` applied last. */
function hostEnv(project: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    env.PULUMI_NODEJS_PROJECT = project;
    env.PULUMI_PROJECT = project;
    // The tests use no runtime options (PULUMI_RUNTIME_*) and no `pulumi-nodejs:` stack config keys.
    env.PULUMI_CONFIG = "{}";
    delete env.PULUMI_NODEJS_STACK; // not set by the engine for plugins; don't leak the caller's
    for (const [k, v] of Object.entries(extra)) {
        if (v === undefined) delete env[k];
        else env[k] = v;
    }
    return env;
}

/** A started host process: the port it listens on, and everything it wrote after the port line. */
interface HostProcess {
    readonly child: ChildProcess;
    readonly exited: Promise<void>;
    readonly port: number;
    output(): string;
}

/** Spawns the host and reads its port line; a host that writes no port is killed and reported with its output. */
async function spawnHost(command: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<HostProcess> {
    // A .js entry runs on this node; anything else (a launcher script) is executed as the engine would.
    const [file, ...args] = command[0]?.endsWith(".js") ? [process.execPath, ...command] : command;
    // The engine address is never dialled by these hosts; any value satisfies their "Missing <engine> address" check.
    const child = spawn(file ?? process.execPath, [...args, "127.0.0.1:1"], {
        cwd,
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
    return { child, exited, port, output: () => text };
}

type Callback<Res> = (err: GrpcModule.ServiceError | null, res: Res) => void;
type Send<Res> = (md: GrpcModule.Metadata, options: Partial<GrpcModule.CallOptions>, cb: Callback<Res>) => unknown;

/** Plain objects → Struct. A JSON round trip drops `undefined` like the engine's marshalling drops absent keys. */
const toStruct = (proto: Protocol, m: PropertyMap) =>
    proto.Struct.fromJavaScript(JSON.parse(JSON.stringify(m)) as Record<string, never>);
const plain = (s: StructModule.Struct | undefined): PropertyMap => (s ? (s.toJavaScript() as PropertyMap) : {});

/** The name and type a request carries besides the URN. */
function nameAndType(urn: string): { name: string; type: string } {
    const parts = urn.split("::");
    const qualifiedType = parts[2] ?? "";
    return { name: parts[3] ?? "", type: qualifiedType.split("$").pop() ?? "" };
}

const checkResult = (res: ProviderPbModule.CheckResponse): CheckResult => ({
    inputs: plain(res.getInputs()),
    failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
});

/** The ErrorResourceInitFailed detail the host packs into `grpc-status-details-bin` (dynamic-provider/index.js). */
function initFailed(proto: Protocol, err: GrpcModule.ServiceError): ProviderHostCallError["initFailed"] {
    const [bin] = err.metadata?.get("grpc-status-details-bin") ?? [];
    if (!(bin instanceof Buffer)) {
        return undefined;
    }
    for (const any of proto.Status.deserializeBinary(bin).getDetailsList()) {
        if (any.getTypeName() === "pulumirpc.ErrorResourceInitFailed") {
            const detail = proto.pb.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
            return { id: detail.getId(), properties: plain(detail.getProperties()), reasons: detail.getReasonsList() };
        }
    }
    return undefined;
}

/** {@link ProviderHost} over gRPC: each method builds the engine's request and decodes the host's answer. */
class GrpcProviderHost implements PluginHost {
    readonly unknown = UNKNOWN;
    readonly pid: number;
    private readonly pb: Protocol["pb"];

    constructor(
        private readonly proto: Protocol,
        private readonly client: InstanceType<Protocol["rpc"]["ResourceProviderClient"]>,
        private readonly host: HostProcess,
        readonly startupMs: number,
        private readonly where: { project: string; stack: string; style: ConfigStyle },
    ) {
        this.pid = host.child.pid ?? -1;
        this.pb = proto.pb;
    }

    /** One unary call with a deadline; an error answer becomes a thrown ProviderHostCallError. */
    private call<Res>(method: string, send: Send<Res>): Promise<Res> {
        return new Promise((resolveCall, reject) => {
            send(new this.proto.grpc.Metadata(), { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, res) => {
                if (err)
                    reject(
                        new ProviderHostCallError(
                            method,
                            err.code,
                            err.details || err.message,
                            initFailed(this.proto, err),
                        ),
                    );
                else resolveCall(res);
            });
        });
    }

    private struct(m: PropertyMap) {
        return toStruct(this.proto, m);
    }

    async getPluginInfo() {
        const info = await this.call<PluginPbModule.PluginInfo>("GetPluginInfo", (m, o, cb) =>
            this.client.getPluginInfo(new this.proto.Empty(), m, o, cb),
        );
        return { version: info.getVersion() };
    }

    async configure(config: Record<string, string>, secretKeys: string[] = []) {
        const { style } = this.where;
        const args: PropertyMap = {};
        const req = new this.pb.ConfigureRequest();
        for (const [key, value] of Object.entries(config)) {
            args[style.argKey(key)] = secretKeys.includes(key) ? secret(value) : value;
            req.getVariablesMap().set(style.variableKey(key), value);
        }
        req.setArgs(this.struct(args));
        req.setAcceptsecrets(true);
        req.setAcceptresources(true);
        req.setSendsOldInputs(true);
        req.setSendsOldInputsToDelete(true);
        // Newer engines also name the default provider resource being configured; this host ignores them.
        req.setUrn(this.providerUrn());
        req.setName("default");
        req.setType(style.providerType);
        const res = await this.call<ProviderPbModule.ConfigureResponse>("Configure", (m, o, cb) =>
            this.client.configure(req, m, o, cb),
        );
        return {
            acceptSecrets: res.getAcceptsecrets(),
            acceptResources: res.getAcceptresources(),
            supportsPreview: res.getSupportspreview(),
        };
    }

    async check(urn: string, olds: PropertyMap, news: PropertyMap): Promise<CheckResult> {
        const req = new this.pb.CheckRequest();
        const { name, type } = nameAndType(urn);
        req.setUrn(urn).setName(name).setType(type).setOlds(this.struct(olds)).setNews(this.struct(news));
        req.setRandomseed(randomBytes(32));
        const res = await this.call<ProviderPbModule.CheckResponse>("Check", (m, o, cb) =>
            this.client.check(req, m, o, cb),
        );
        return checkResult(res);
    }

    async diff(id: string, urn: string, olds: PropertyMap, news: PropertyMap, oldInputs = olds): Promise<DiffResult> {
        const req = new this.pb.DiffRequest();
        const { name, type } = nameAndType(urn);
        req.setId(id).setUrn(urn).setName(name).setType(type);
        req.setOlds(this.struct(olds)).setOldInputs(this.struct(oldInputs)).setNews(this.struct(news));
        const res = await this.call<ProviderPbModule.DiffResponse>("Diff", (m, o, cb) =>
            this.client.diff(req, m, o, cb),
        );
        // The dynamic host sets no detailed diff (cmd/dynamic-provider `diffRPC`); a plugin may.
        return this.diffResult(res);
    }

    private diffResult(res: ProviderPbModule.DiffResponse): DiffResult {
        const changesOf: Record<number, DiffResult["changes"]> = {
            [this.pb.DiffResponse.DiffChanges.DIFF_UNKNOWN]: "unknown",
            [this.pb.DiffResponse.DiffChanges.DIFF_NONE]: "none",
            [this.pb.DiffResponse.DiffChanges.DIFF_SOME]: "some",
        };
        const result: DiffResult = {
            changes: changesOf[res.getChanges()] ?? "unknown",
            replaces: res.getReplacesList(),
            deleteBeforeReplace: res.getDeletebeforereplace(),
            diffs: res.getDiffsList(),
        };
        if (res.getHasdetaileddiff()) {
            const kindName = Object.fromEntries(Object.entries(this.pb.PropertyDiff.Kind).map(([k, v]) => [v, k]));
            const detailed: Record<string, string> = {};
            res.getDetaileddiffMap().forEach((d, k) => {
                detailed[k] = String(kindName[d.getKind()]);
            });
            result.detailedDiff = detailed;
        }
        return result;
    }

    private providerUrn(): string {
        return urnFor(this.where.style.providerType, "default", this.where.project, this.where.stack);
    }

    async create(urn: string, props: PropertyMap) {
        const req = new this.pb.CreateRequest();
        const { name, type } = nameAndType(urn);
        req.setUrn(urn).setName(name).setType(type).setProperties(this.struct(props)).setPreview(false);
        const res = await this.call<ProviderPbModule.CreateResponse>("Create", (m, o, cb) =>
            this.client.create(req, m, o, cb),
        );
        return { id: res.getId(), properties: plain(res.getProperties()) };
    }

    async read(id: string, urn: string, props: PropertyMap, inputs?: PropertyMap): Promise<ReadResult> {
        const req = new this.pb.ReadRequest();
        const { name, type } = nameAndType(urn);
        req.setId(id).setUrn(urn).setName(name).setType(type).setProperties(this.struct(props));
        if (inputs) req.setInputs(this.struct(inputs));
        const res = await this.call<ProviderPbModule.ReadResponse>("Read", (m, o, cb) =>
            this.client.read(req, m, o, cb),
        );
        const resInputs = res.getInputs();
        return { id: res.getId(), properties: plain(res.getProperties()), inputs: resInputs && plain(resInputs) };
    }

    async update(id: string, urn: string, olds: PropertyMap, news: PropertyMap, oldInputs = olds) {
        const req = new this.pb.UpdateRequest();
        const { name, type } = nameAndType(urn);
        req.setId(id).setUrn(urn).setName(name).setType(type).setPreview(false);
        req.setOlds(this.struct(olds)).setOldInputs(this.struct(oldInputs)).setNews(this.struct(news));
        const res = await this.call<ProviderPbModule.UpdateResponse>("Update", (m, o, cb) =>
            this.client.update(req, m, o, cb),
        );
        return { properties: plain(res.getProperties()) };
    }

    async delete(id: string, urn: string, props: PropertyMap, oldInputs = props): Promise<Record<string, never>> {
        const req = new this.pb.DeleteRequest();
        const { name, type } = nameAndType(urn);
        req.setId(id).setUrn(urn).setName(name).setType(type);
        req.setProperties(this.struct(props)).setOldInputs(this.struct(oldInputs));
        await this.call<EmptyModule.Empty>("Delete", (m, o, cb) => this.client.delete(req, m, o, cb));
        return {};
    }

    async getSchema() {
        const res = await this.call<ProviderPbModule.GetSchemaResponse>("GetSchema", (m, o, cb) =>
            this.client.getSchema(new this.pb.GetSchemaRequest(), m, o, cb),
        );
        return res.getSchema();
    }

    async checkConfig(news: PropertyMap, olds: PropertyMap = {}): Promise<CheckResult> {
        const { providerType } = this.where.style;
        const req = new this.pb.CheckRequest().setUrn(this.providerUrn()).setName("default").setType(providerType);
        req.setOlds(this.struct(olds)).setNews(this.struct(news));
        return checkResult(
            await this.call<ProviderPbModule.CheckResponse>("CheckConfig", (m, o, cb) =>
                this.client.checkConfig(req, m, o, cb),
            ),
        );
    }

    async diffConfig(olds: PropertyMap, news: PropertyMap): Promise<DiffResult> {
        const { providerType } = this.where.style;
        const req = new this.pb.DiffRequest().setUrn(this.providerUrn()).setName("default").setType(providerType);
        req.setOlds(this.struct(olds)).setOldInputs(this.struct(olds)).setNews(this.struct(news));
        return this.diffResult(
            await this.call<ProviderPbModule.DiffResponse>("DiffConfig", (m, o, cb) =>
                this.client.diffConfig(req, m, o, cb),
            ),
        );
    }

    async cancel(): Promise<void> {
        await this.call<EmptyModule.Empty>("Cancel", (m, o, cb) =>
            this.client.cancel(new this.proto.Empty(), m, o, cb),
        );
    }

    async preview(step: "create" | "update", urn: string, news: PropertyMap, olds: PropertyMap = {}) {
        const { name, type } = nameAndType(urn);
        if (step === "create") {
            const req = new this.pb.CreateRequest().setUrn(urn).setName(name).setType(type);
            req.setProperties(this.struct(news)).setPreview(true);
            const res = await this.call<ProviderPbModule.CreateResponse>("Create", (m, o, cb) =>
                this.client.create(req, m, o, cb),
            );
            return { id: res.getId(), properties: plain(res.getProperties()) };
        }
        const req = new this.pb.UpdateRequest().setUrn(urn).setName(name).setType(type).setPreview(true);
        req.setId(String(olds.mchid ?? ""))
            .setOlds(this.struct(olds))
            .setOldInputs(this.struct(olds))
            .setNews(this.struct(news));
        const res = await this.call<ProviderPbModule.UpdateResponse>("Update", (m, o, cb) =>
            this.client.update(req, m, o, cb),
        );
        return { id: req.getId(), properties: plain(res.getProperties()) };
    }

    output(): string {
        return this.host.output();
    }

    async close(): Promise<void> {
        this.client.close();
        await stopChild(this.host.child, this.host.exited);
    }
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
}
