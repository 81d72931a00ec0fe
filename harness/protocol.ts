/**
 * gRPC and Pulumi's generated protobuf code, loaded from the consumer's @pulumi/pulumi: the copy the program and the
 * provider host run, so the wire format always matches the versions under test.
 */

import { createRequire } from "node:module";
import { join } from "node:path";

// Types only: the modules themselves are loaded at run time from the consumer. The `.d.ts` files ship with
// @pulumi/pulumi and @types/google-protobuf.
import type * as GrpcModule from "@grpc/grpc-js";
import type * as EngineGrpcModule from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as EnginePbModule from "@pulumi/pulumi/proto/engine_pb";
import type * as ProviderGrpcModule from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as ProviderPbModule from "@pulumi/pulumi/proto/provider_pb";
import type * as ResourceGrpcModule from "@pulumi/pulumi/proto/resource_grpc_pb";
import type * as ResourcePbModule from "@pulumi/pulumi/proto/resource_pb";
import type * as StatusPbModule from "@pulumi/pulumi/proto/status_pb";
import type * as EmptyModule from "google-protobuf/google/protobuf/empty_pb";
import type * as StructModule from "google-protobuf/google/protobuf/struct_pb";
import type { Consumer } from "./consumer";

export type Grpc = typeof GrpcModule;
export type StructMessage = StructModule.Struct;

export interface Protocol {
    grpc: Grpc;
    /** The provider protocol (what the engine sends the dynamic-provider host). */
    pb: typeof ProviderPbModule;
    rpc: typeof ProviderGrpcModule;
    /** The resource monitor and engine protocols (what a program sends the engine). */
    resourcePb: typeof ResourcePbModule;
    resourceRpc: typeof ResourceGrpcModule;
    enginePb: typeof EnginePbModule;
    engineRpc: typeof EngineGrpcModule;
    Struct: typeof StructModule.Struct;
    Empty: typeof EmptyModule.Empty;
    /** google.rpc.Status, for error details the host packs into `grpc-status-details-bin`. */
    Status: typeof StatusPbModule.Status;
}

/** Resolves modules the way the consumer folder does. */
export function consumerRequire(consumer: Consumer): NodeJS.Require {
    return createRequire(join(consumer.dir, "package.json"));
}

/** Loads gRPC and the generated protobuf code from the consumer's @pulumi/pulumi. */
export function loadProtocol(consumer: Consumer): Protocol {
    const fromPulumi = createRequire(consumerRequire(consumer).resolve("@pulumi/pulumi/package.json"));
    // The casts name the modules' own .d.ts types; createRequire returns `any`.
    return {
        grpc: fromPulumi("@grpc/grpc-js") as Grpc,
        pb: fromPulumi("./proto/provider_pb.js") as typeof ProviderPbModule,
        rpc: fromPulumi("./proto/provider_grpc_pb.js") as typeof ProviderGrpcModule,
        resourcePb: fromPulumi("./proto/resource_pb.js") as typeof ResourcePbModule,
        resourceRpc: fromPulumi("./proto/resource_grpc_pb.js") as typeof ResourceGrpcModule,
        enginePb: fromPulumi("./proto/engine_pb.js") as typeof EnginePbModule,
        engineRpc: fromPulumi("./proto/engine_grpc_pb.js") as typeof EngineGrpcModule,
        Struct: (fromPulumi("google-protobuf/google/protobuf/struct_pb.js") as typeof StructModule).Struct,
        Empty: (fromPulumi("google-protobuf/google/protobuf/empty_pb.js") as typeof EmptyModule).Empty,
        Status: (fromPulumi("./proto/status_pb.js") as typeof StatusPbModule).Status,
    };
}

/** Key and value that mark a secret in a marshalled property map. sdk/nodejs/runtime/rpc.ts */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SPECIAL_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** `value` marked secret, as the SDK and the engine marshal it. */
export function secret(value: unknown): Record<string, unknown> {
    return { [SPECIAL_SIG_KEY]: SPECIAL_SECRET_SIG, value };
}

/** The value with every secret marker removed, as the engine sends it to a provider that does not accept secrets. */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value !== "object" || value === null) return value;
    const obj = value as Record<string, unknown>;
    if (obj[SPECIAL_SIG_KEY] === SPECIAL_SECRET_SIG) return unwrapSecrets(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
}
