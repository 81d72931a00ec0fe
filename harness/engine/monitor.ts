/**
 * The two gRPC services a Pulumi program calls while it runs, served on 127.0.0.1 (sdk/nodejs/runtime/settings.ts
 * and resource.ts are the callers; proto/pulumi/resource.proto and engine.proto define them):
 * - ResourceMonitor: `SupportsFeature`, `RegisterResource` (answered by `onRegister`, which runs the engine's step),
 *   `RegisterResourceOutputs` (the stack's exports), `SignalAndWaitForShutdown`;
 * - Engine: `Log` (program messages and errors), `GetRootResource`/`SetRootResource`.
 * Every other method answers UNIMPLEMENTED, which the SDK treats as "not supported by this engine".
 */

import type * as GrpcModule from "@grpc/grpc-js";
import type * as EnginePb from "@pulumi/pulumi/proto/engine_pb";
import type * as ResourcePb from "@pulumi/pulumi/proto/resource_pb";
import type { Protocol } from "../protocol";
import type { PropertyMap } from "../providerHost";

/** What a program asked the engine to register. */
export interface Registration {
    type: string;
    name: string;
    /** The parent's URN ("" for the stack itself). */
    parent: string;
    custom: boolean;
    /** Inputs as the SDK marshalled them (secrets wrapped). */
    inputs: PropertyMap;
    /**
     * The URNs of `aliases`: the SDK resolves them itself when the engine does not support alias specs
     * (sdk/nodejs/runtime/resource.ts, `aliasURNs` unless the monitor supports "aliasSpecs").
     */
    aliases: string[];
}

/** The engine's answer to one registration. */
export interface Registered {
    urn: string;
    id: string;
    outputs: PropertyMap;
}

export interface MonitorHandlers {
    onRegister(reg: Registration): Promise<Registered>;
    onStackOutputs(outputs: PropertyMap): void;
    onLog(severity: "debug" | "info" | "warning" | "error", message: string): void;
}

export interface Monitor {
    /** `127.0.0.1:<port>`, for `--monitor` and `--engine`. */
    address: string;
    close(): Promise<void>;
}

/**
 * Features this engine supports. Only secrets: values marked secret in config arrive as secrets, as under the CLI.
 * Output values and resource references stay off, so the SDK sends plain properties.
 */
const FEATURES = new Set(["secrets"]);
const SEVERITY: Record<number, "debug" | "info" | "warning" | "error"> = {
    0: "debug",
    1: "info",
    2: "warning",
    3: "error",
};

export async function startMonitor(proto: Protocol, handlers: MonitorHandlers): Promise<Monitor> {
    const { grpc, resourcePb, enginePb, Struct, Empty } = proto;
    type Unary<Req, Res> = (
        call: GrpcModule.ServerUnaryCall<Req, Res>,
        callback: GrpcModule.sendUnaryData<Res>,
    ) => void;
    /** Wraps an async handler; a thrown error becomes the gRPC error the SDK reports against the resource. */
    function unary<Req, Res>(fn: (req: Req) => Promise<Res> | Res): Unary<Req, Res> {
        return (call, callback) => {
            Promise.resolve()
                .then(() => fn(call.request))
                .then(
                    (res) => callback(null, res),
                    (err: unknown) =>
                        callback({
                            code: grpc.status.UNKNOWN,
                            details: err instanceof Error ? err.message : String(err),
                        }),
                );
        };
    }
    const plain = (s: { toJavaScript(): unknown } | undefined): PropertyMap =>
        s ? (s.toJavaScript() as PropertyMap) : {};
    let rootUrn = "";

    const server = new grpc.Server();
    server.addService(proto.resourceRpc.ResourceMonitorService, {
        supportsFeature: unary((req: ResourcePb.SupportsFeatureRequest) =>
            new resourcePb.SupportsFeatureResponse().setHassupport(FEATURES.has(req.getId())),
        ),
        registerResource: unary(async (req: ResourcePb.RegisterResourceRequest) => {
            const done = await handlers.onRegister({
                type: req.getType(),
                name: req.getName(),
                parent: req.getParent(),
                custom: req.getCustom(),
                inputs: plain(req.getObject()),
                aliases: req.getAliasurnsList(),
            });
            const res = new resourcePb.RegisterResourceResponse();
            res.setUrn(done.urn).setId(done.id);
            res.setObject(Struct.fromJavaScript(JSON.parse(JSON.stringify(done.outputs)) as Record<string, never>));
            return res;
        }),
        registerResourceOutputs: unary((req: ResourcePb.RegisterResourceOutputsRequest) => {
            if (req.getUrn() === rootUrn) handlers.onStackOutputs(plain(req.getOutputs()));
            return new Empty();
        }),
        signalAndWaitForShutdown: unary(() => new Empty()),
    });
    server.addService(proto.engineRpc.EngineService, {
        log: unary((req: EnginePb.LogRequest) => {
            handlers.onLog(SEVERITY[req.getSeverity()] ?? "info", req.getMessage());
            return new Empty();
        }),
        getRootResource: unary(() => new enginePb.GetRootResourceResponse().setUrn(rootUrn)),
        setRootResource: unary((req: EnginePb.SetRootResourceRequest) => {
            rootUrn = req.getUrn();
            return new enginePb.SetRootResourceResponse();
        }),
    });
    const port = await new Promise<number>((resolvePort, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
            err ? reject(err) : resolvePort(p),
        ),
    );
    return {
        address: `127.0.0.1:${port}`,
        close: () =>
            new Promise<void>((done) => {
                server.tryShutdown(() => done());
            }),
    };
}
