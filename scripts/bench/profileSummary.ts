/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and says where a window of it went, by library: gRPC/protobuf,
 * axios, the WeChat Pay SDK, RSA signing and verification, this package, Node core, GC. Used by
 * `npm run bench -- --profile` to explain the provider host's time next to the direct baseline's.
 */

import { readFileSync } from "node:fs";

interface CallFrame {
    functionName: string;
    url: string;
}

interface ProfileNode {
    id: number;
    callFrame: CallFrame;
    children?: number[];
}

interface CpuProfile {
    nodes: ProfileNode[];
    /** Microseconds, CLOCK_MONOTONIC on Linux (the clock of `process.hrtime`). */
    startTime: number;
    endTime: number;
    samples: number[];
    timeDeltas: number[];
}

/** Milliseconds of CPU per category, per operation, in the window. */
export interface ProfileSummary {
    /** Wall time of the window per operation. */
    wallMsPerOp: number;
    /** CPU (non-idle samples) per operation. */
    busyMsPerOp: number;
    categories: Record<string, number>;
    /** Samples in the window (a check that the window matched the profile's clock). */
    samples: number;
}

/** The category of one sample's stack (leaf first). */
function categorize(stack: readonly CallFrame[]): string {
    const leaf = stack[0];
    if (leaf === undefined) {
        return "other";
    }
    if (leaf.functionName === "(idle)") {
        return "(idle)";
    }
    if (leaf.functionName === "(garbage collector)") {
        return "GC";
    }
    if (leaf.functionName === "(program)") {
        return "V8/native (program)";
    }
    for (const frame of stack) {
        if (frame.url.startsWith("node:internal/crypto")) {
            return /verify/i.test(frame.functionName) ? "RSA verify (crypto)" : "RSA sign + hashing (crypto)";
        }
    }
    for (const frame of stack) {
        const pkg = packageOf(frame.url);
        if (pkg !== undefined) {
            return pkg;
        }
    }
    if (stack.some((f) => f.url.startsWith("node:"))) {
        return "Node core (http, net, http2, streams, timers)";
    }
    return "other";
}

/** The library a script URL belongs to, grouped the way the bench reports them. */
function packageOf(url: string): string | undefined {
    const at = url.lastIndexOf("node_modules/");
    if (at < 0) {
        return url.includes("/scripts/bench") ? "bench client / baseline script" : undefined;
    }
    const rest = url.slice(at + "node_modules/".length);
    const parts = rest.split("/");
    const name = parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1] ?? ""}` : (parts[0] ?? "");
    if (name === "@grpc/grpc-js" || name === "google-protobuf" || name.startsWith("@grpc/")) {
        return "gRPC + protobuf";
    }
    if (name === "@pulumi/pulumi") {
        return rest.includes("/proto/") ? "gRPC + protobuf" : "@pulumi/pulumi host (dynamic-provider, rpc)";
    }
    if (name === "axios" || name === "follow-redirects" || name === "form-data" || name === "proxy-from-env") {
        return "axios";
    }
    if (name === "wechatpay-axios-plugin") {
        return "wechatpay-axios-plugin (non-crypto)";
    }
    if (name === "pulumi-wechatpay") {
        return "pulumi-wechatpay provider";
    }
    if (name === "source-map-support") {
        return "source-map-support";
    }
    return name;
}

/**
 * Sums the samples taken between `fromUs` and `toUs` (monotonic microseconds, as `process.hrtime.bigint() / 1000n`
 * in any process on the machine) and divides by `ops`.
 */
export function summarizeProfile(file: string, fromUs: number, toUs: number, ops: number): ProfileSummary {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    const byId = new Map<number, ProfileNode>();
    const parent = new Map<number, number>();
    for (const node of profile.nodes) {
        byId.set(node.id, node);
        for (const child of node.children ?? []) {
            parent.set(child, node.id);
        }
    }
    const categoryOf = new Map<number, string>();
    const categoryOfNode = (id: number): string => {
        const known = categoryOf.get(id);
        if (known !== undefined) {
            return known;
        }
        const stack: CallFrame[] = [];
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
            const node = byId.get(at);
            if (node !== undefined && node.callFrame.functionName !== "(root)") {
                stack.push(node.callFrame);
            }
        }
        const category = categorize(stack);
        categoryOf.set(id, category);
        return category;
    };

    const totals: Record<string, number> = {};
    let t = profile.startTime;
    let samples = 0;
    for (let i = 0; i < profile.samples.length; i++) {
        t += profile.timeDeltas[i] ?? 0;
        // A sample stands for the time until the next one.
        const weight = profile.timeDeltas[i + 1] ?? 0;
        const id = profile.samples[i];
        if (id === undefined || t < fromUs || t > toUs) {
            continue;
        }
        samples++;
        const category = categoryOfNode(id);
        totals[category] = (totals[category] ?? 0) + weight;
    }
    const perOp = (us: number) => us / 1000 / ops;
    const categories: Record<string, number> = {};
    let busy = 0;
    for (const [category, us] of Object.entries(totals).sort((a, b) => b[1] - a[1])) {
        categories[category] = perOp(us);
        if (category !== "(idle)") {
            busy += us;
        }
    }
    return { wallMsPerOp: perOp(toUs - fromUs), busyMsPerOp: perOp(busy), categories, samples };
}

/** Monotonic microseconds, on the clock V8's profiler stamps samples with. */
export function monotonicUs(): number {
    return Number(process.hrtime.bigint() / 1000n);
}
