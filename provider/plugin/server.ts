/**
 * The `wechatpay` resource provider: Pulumi's ResourceProvider gRPC service, implemented directly (the route Pulumi
 * documents for TypeScript providers, https://www.pulumi.com/docs/iac/guides/building-extending/providers/implementers/typescript/),
 * because `@pulumi/pulumi/provider`'s `main()` answers Configure without passing the config on (its server.ts,
 * `configure`). Every resource call goes to the core's {@link NotifySettingProvider}: one per resource type, made
 * when the engine configures this provider instance (the engine starts one plugin process per provider instance).
 */
import * as grpc from "@grpc/grpc-js";
import * as plugin from "@pulumi/pulumi/proto/plugin_pb";
import * as rpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import * as status from "@pulumi/pulumi/proto/status_pb";
import { Any } from "google-protobuf/google/protobuf/any_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { asSecret, configGetter, failedInput, inputName, isSecret, SECRET_SETTINGS, unwrapSecrets } from "./config";
import { ENDPOINTS, NotifySettingProvider, type NotifySettingState, resolveSettings, typeToken, UNKNOWN } from "./core";

import schema = require("./schema.json");

type Props = Record<string, unknown>;

/** A Struct's value with secrets unwrapped (the engine sends none when we do not accept them; old engines might). */
const props = (s: Struct | undefined): Props => (s ? (unwrapSecrets(s.toJavaScript()) as Props) : {});

/** `value` as a Struct; undefined fields are left out (a Struct cannot hold them). */
const struct = (value: Props): Struct =>
    Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Parameters<typeof Struct.fromJavaScript>[0]);

/** The resource type of a request: its `type` field, or the last type in its URN (`…::a$b$<type>::<name>`). */
function resourceType(req: { getType?(): string; getUrn(): string }): string {
    const fromField = req.getType?.();
    if (fromField) {
        return fromField;
    }
    const qualified = req.getUrn().split("::")[2] ?? "";
    return qualified.slice(qualified.lastIndexOf("$") + 1);
}

/** Whether any value in `value` is unknown (the engine's sentinel string, sent while previewing). */
const hasUnknown = (value: unknown): boolean =>
    value === UNKNOWN ||
    (typeof value === "object" && value !== null && Object.values(value).some((v) => hasUnknown(v)));

/**
 * A core error as a gRPC error. One that carries `id` and `properties` (the core's "created/updated, but the outcome
 * of the write is unknown") becomes `ErrorResourceInitFailed` in the status details, as `@pulumi/pulumi`'s own
 * provider server does (provider/server.ts, grpcResponseFromError), so the engine keeps that state.
 */
function grpcError(e: unknown): Partial<grpc.StatusObject> {
    const message = e instanceof Error ? e.message : String(e);
    const metadata = new grpc.Metadata();
    const { id, properties, reasons } = (e ?? {}) as { id?: unknown; properties?: unknown; reasons?: unknown };
    if (typeof id === "string" && typeof properties === "object" && properties !== null) {
        const detail = new proto.ErrorResourceInitFailed();
        detail.setId(id);
        detail.setProperties(struct(withoutProvider(properties as Props)));
        detail.setReasonsList(Array.isArray(reasons) ? reasons.map(String) : [message]);
        const any = new Any();
        any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
        const st = new status.Status();
        st.setCode(grpc.status.UNKNOWN);
        st.setMessage(message);
        st.addDetails(any);
        metadata.add("grpc-status-details-bin", Buffer.from(st.serializeBinary()));
    }
    return { code: grpc.status.UNKNOWN, details: message, metadata };
}

/** The dynamic provider's bookkeeping input (`__provider`), which a plugin resource does not have. */
function withoutProvider(p: Props): Props {
    const { __provider: _, ...rest } = p;
    return rest;
}

/** A unary handler from an async function; errors become gRPC errors. */
function unary<Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
        fn(call.request).then(
            (res) => callback(null, res),
            (e: unknown) => callback(grpcError(e)),
        );
    };
}

/** The provider's config failures (a TypeError from the core names the key), without sending a request. */
function configFailures(news: Props): proto.CheckFailure[] {
    try {
        const settings = resolveSettings(configGetter(news, undefined), process.env);
        if (settings.defaultMchid !== undefined) {
            // The default merchant's credentials, parsed now: a bad key shows at `preview`, naming the setting.
            settings.forMerchant();
        }
        return [];
    } catch (e) {
        if (!(e instanceof TypeError)) {
            throw e;
        }
        const failure = new proto.CheckFailure();
        failure.setProperty(failedInput(e.message) ?? "");
        failure.setReason(e.message);
        return [failure];
    }
}

/** The state of one provider instance: its configured core providers and whether the engine asked it to stop. */
export class WechatpayProvider {
    private providers: Map<string, NotifySettingProvider> | undefined;
    private cancelled = false;

    /** Sets up one core provider per resource type from the getter; unconfigured, they read only the environment. */
    configure(get?: (key: string) => unknown): void {
        this.providers = new Map(
            ENDPOINTS.map((endpoint) => {
                const provider = new NotifySettingProvider(endpoint);
                if (get !== undefined) {
                    void provider.configure({ config: { get } });
                }
                return [typeToken(endpoint), provider];
            }),
        );
    }

    /** The core provider of a resource type; an unknown type is an error that names the supported ones. */
    provider(type: string): NotifySettingProvider {
        if (this.providers === undefined) {
            this.configure();
        }
        const provider = this.providers?.get(type);
        if (provider === undefined) {
            throw new Error(
                `Unknown resource type ${type}; this provider manages ${ENDPOINTS.map(typeToken).join(", ")}`,
            );
        }
        return provider;
    }

    /** Refuses a write after the engine cancelled (a write in flight finishes: see provider/interrupt.ts). */
    private writable(): void {
        if (this.cancelled) {
            throw new Error("The deployment was cancelled; no new WeChat Pay call is started");
        }
    }

    /** The gRPC service implementation. Methods left out answer UNIMPLEMENTED. */
    service(): Partial<rpc.IResourceProviderServer> {
        return {
            handshake: unary(async () =>
                // Secrets, resources and outputs are not accepted: the engine then strips secrets from what it sends
                // and marks outputs secret whose inputs of the same name were (provider_plugin.go v3.276.0,
                // annotateSecrets, called when `!protocol.acceptSecrets`). Nothing secret goes through our resources.
                new proto.ProviderHandshakeResponse()
                    .setAcceptSecrets(false)
                    .setAcceptResources(false)
                    .setAcceptOutputs(false),
            ),
            getPluginInfo: unary(async () => new plugin.PluginInfo().setVersion(schema.version)),
            getSchema: unary(async (req: proto.GetSchemaRequest) => {
                if (req.getVersion() !== 0) {
                    throw new Error(`Unsupported schema version ${req.getVersion()}`);
                }
                return new proto.GetSchemaResponse().setSchema(JSON.stringify(schema));
            }),
            checkConfig: unary(async (req: proto.CheckRequest) => {
                const raw = req.getNews()?.toJavaScript() ?? {};
                const news = props(req.getNews());
                const failures = hasUnknown(news) ? [] : configFailures(news);
                // The private key and the profiles are kept secret in state even when given as plain values.
                const inputs: Props = { ...raw };
                for (const key of SECRET_SETTINGS) {
                    const name = inputName(key);
                    if (inputs[name] !== undefined && inputs[name] !== null && !isSecret(inputs[name])) {
                        inputs[name] = asSecret(inputs[name]);
                    }
                }
                return new proto.CheckResponse().setInputs(struct(inputs)).setFailuresList(failures);
            }),
            diffConfig: unary(async (req: proto.DiffRequest) => {
                // New settings never replace the provider (that would replace every resource): a resource whose
                // merchant changes plans its own replacement in Diff.
                const olds = withoutVersion(props(req.getOldInputs() ?? req.getOlds()));
                const news = withoutVersion(props(req.getNews()));
                const changed = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter(
                    (k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]),
                );
                return new proto.DiffResponse()
                    .setChanges(
                        changed.length > 0
                            ? proto.DiffResponse.DiffChanges.DIFF_SOME
                            : proto.DiffResponse.DiffChanges.DIFF_NONE,
                    )
                    .setDiffsList(changed);
            }),
            configure: unary(async (req: proto.ConfigureRequest) => {
                const variables = new Map(req.getVariablesMap().toArray());
                this.configure(configGetter(props(req.getArgs()), variables));
                return new proto.ConfigureResponse()
                    .setAcceptsecrets(false)
                    .setAcceptresources(false)
                    .setAcceptoutputs(false)
                    .setSupportspreview(true);
            }),
            check: unary(async (req: proto.CheckRequest) => {
                const result = await this.provider(resourceType(req)).check(
                    withoutProvider(props(req.getOlds())),
                    withoutProvider(props(req.getNews())),
                );
                const failures = (result.failures ?? []).map((f) =>
                    new proto.CheckFailure().setProperty(f.property).setReason(f.reason),
                );
                return new proto.CheckResponse().setInputs(struct(result.inputs ?? {})).setFailuresList(failures);
            }),
            diff: unary(async (req: proto.DiffRequest) => {
                const olds = props(req.getOlds()) as NotifySettingState & Props;
                const news = props(req.getNews());
                const oldInputs = props(req.getOldInputs());
                const result = await this.provider(resourceType(req)).diff(req.getId(), olds, news);
                return diffResponse(result, olds, oldInputs, news);
            }),
            create: unary(async (req: proto.CreateRequest) => {
                const inputs = withoutProvider(props(req.getProperties()));
                const provider = this.provider(resourceType(req));
                if (req.getPreview()) {
                    // What a create will record, as far as it is known without calling WeChat Pay.
                    return new proto.CreateResponse().setProperties(
                        struct({
                            notifyUrl: inputs.notifyUrl,
                            mchid: inputs.mchid ?? UNKNOWN,
                            appliedNotifyUrl: inputs.notifyUrl,
                            previousNotifyUrl: UNKNOWN,
                        }),
                    );
                }
                this.writable();
                const result = await provider.create(inputs);
                return new proto.CreateResponse()
                    .setId(result.id)
                    .setProperties(struct(withoutProvider(result.outs ?? {})));
            }),
            read: unary(async (req: proto.ReadRequest) => {
                const state = withoutProvider(props(req.getProperties())) as NotifySettingState;
                const result = await this.provider(resourceType(req)).read(req.getId(), state);
                const res = new proto.ReadResponse();
                if (result.id === undefined) {
                    return res; // Nothing is set: the resource is gone.
                }
                if (result.inputs === undefined && Object.keys(state).length === 0) {
                    // An import of a merchant this provider has no credentials for: the core keeps what it knows
                    // (nothing), which the engine would report as "does not support importing".
                    throw new Error(
                        `Cannot import merchant ${req.getId()}: this provider has no credentials for it. Set ` +
                            `\`wechatpay:mchid\` to it, or add a profile \`wechatpay:merchants.${req.getId()}\`, or ` +
                            "import through a provider instance for that merchant",
                    );
                }
                res.setId(result.id).setProperties(struct(withoutProvider(result.props ?? {})));
                return result.inputs !== undefined ? res.setInputs(struct(withoutProvider(result.inputs))) : res;
            }),
            update: unary(async (req: proto.UpdateRequest) => {
                const olds = withoutProvider(props(req.getOlds())) as NotifySettingState & Props;
                const news = withoutProvider(props(req.getNews()));
                const provider = this.provider(resourceType(req));
                if (req.getPreview()) {
                    return new proto.UpdateResponse().setProperties(
                        struct({ ...olds, notifyUrl: news.notifyUrl, appliedNotifyUrl: news.notifyUrl }),
                    );
                }
                this.writable();
                const result = await provider.update(req.getId(), olds, news);
                return new proto.UpdateResponse().setProperties(struct(withoutProvider(result.outs ?? {})));
            }),
            delete: unary(async (req: proto.DeleteRequest) => {
                this.writable();
                const state = withoutProvider(props(req.getProperties())) as NotifySettingState;
                await this.provider(resourceType(req)).delete(req.getId(), state);
                return new Empty();
            }),
            cancel: unary(async () => {
                this.cancelled = true;
                return new Empty();
            }),
        };
    }
}

/** Provider inputs without the engine's `version` entry. */
function withoutVersion(p: Props): Props {
    const { version: _, ...rest } = p;
    return rest;
}

/**
 * The core's plan as a detailed diff: `notifyUrl` an update, `mchid` a replacement (added, removed or changed input).
 */
function diffResponse(
    result: { changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean },
    olds: Props,
    oldInputs: Props,
    news: Props,
): proto.DiffResponse {
    const Kind = proto.PropertyDiff.Kind;
    const res = new proto.DiffResponse().setHasdetaileddiff(true);
    if (!result.changes) {
        return res.setChanges(proto.DiffResponse.DiffChanges.DIFF_NONE);
    }
    const detailed = res.getDetaileddiffMap();
    const replaces = result.replaces ?? [];
    if (replaces.includes("mchid")) {
        // Another merchant: from the `mchid` input (added, removed or changed), or from the provider's config.
        const before = oldInputs.mchid;
        const after = news.mchid;
        const kind =
            before === undefined && after !== undefined
                ? Kind.ADD_REPLACE
                : before !== undefined && after === undefined
                  ? Kind.DELETE_REPLACE
                  : Kind.UPDATE_REPLACE;
        detailed.set("mchid", new proto.PropertyDiff().setKind(kind).setInputdiff(before !== after));
    }
    if (!replaces.includes("mchid") || news.notifyUrl !== olds.notifyUrl) {
        detailed.set("notifyUrl", new proto.PropertyDiff().setKind(Kind.UPDATE).setInputdiff(true));
    }
    return res
        .setChanges(proto.DiffResponse.DiffChanges.DIFF_SOME)
        .setReplacesList(replaces)
        .setDiffsList([...detailed.keys()] as string[])
        .setDeletebeforereplace(result.deleteBeforeReplace ?? false);
}

/**
 * Serves the provider on a loopback port and prints the port on stdout, the plugin handshake the engine reads
 * (sdk/go/common/resource/plugin/plugin.go, newPlugin: the first line of stdout is the port). Nothing else may be
 * printed on stdout; the core writes its messages to stderr.
 */
export async function serve(): Promise<grpc.Server> {
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(rpc.ResourceProviderService, new WechatpayProvider().service() as rpc.IResourceProviderServer);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
            err ? reject(err) : resolve(p),
        ),
    );
    process.stdout.write(`${port}\n`);
    return server;
}
