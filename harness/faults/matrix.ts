/**
 * The fault table's cells over two step hosts, a normal one and one whose primary base URL is a closed port with the
 * emulator as backup: the shape the dynamic-provider host runner (hostRunner.ts) and the provider plugin runner
 * (pluginRunner.ts) share. They differ only in what they start and in the inputs a resource is registered with.
 */

import { readFileSync } from "node:fs";
import { type PropertyMap, type ProviderHost, ProviderHostCallError } from "../providerHost";
import type { CellResult } from "./judge";
import { type CellRunner, type Rig, type RunStep, type StepOutcome, startRig } from "./rig";
import { type Cell, MCHID, ORIGINAL_URL, RESOURCES, type ResourceKey, type TableResource, URL_B } from "./table";

/** A resource's URN and its inputs as the program registers them. */
interface ResourceInputs {
    urn: string;
    news: PropertyMap;
}

export interface Matrix extends CellRunner {
    /** How long setting up took, in ms. */
    readonly setup: {
        consumerMs: number;
        captureMs: number;
        hostsMs: number;
        fromCache: boolean;
        /** The main host's peak RSS before any cell ran, in MB: the baseline for the oversized cells. */
        hostPeakRssMbAtStart: number;
    };
    /** Everything the provider hosts printed (the user sees all of it). */
    hostOutput(): string;
}

/** What a runner starts its hosts from, made once the rig is up (so a failure there closes the rig). */
export interface MatrixPlan<H extends ProviderHost> {
    /** Setting-up times before the hosts start (0 and false where a runner has no such phase). */
    setup: Pick<Matrix["setup"], "consumerMs" | "captureMs" | "fromCache">;
    /** Starts one host; called twice, for the normal and the failover configuration. */
    startHost(): Promise<H>;
    /** A resource's URN and its inputs as the program registers them; `host` is the normal host, started. */
    inputsOf(resource: TableResource, host: H): Promise<ResourceInputs> | ResourceInputs;
}

/**
 * Starts the rig, then `plan()`'s two hosts, configures them (normal, and failover), checks each resource's inputs
 * and records what a fault-free create stores. Whatever started is closed again if a step of this fails.
 */
export async function matrixOf<H extends ProviderHost>(plan: () => Promise<MatrixPlan<H>>): Promise<Matrix> {
    const rig = await startRig();
    const hosts: H[] = [];
    const close = async () => {
        await Promise.all(hosts.map((h) => h.close()));
        await rig.close();
    };
    try {
        const { setup, startHost, inputsOf } = await plan();
        const t = performance.now();
        const [host, failoverHost] = await Promise.all([startHost(), startHost()]);
        hosts.push(host, failoverHost);
        await host.configure(rig.config(false), ["wechatpay:privateKey"]);
        await failoverHost.configure(rig.config(true), ["wechatpay:privateKey"]);
        const hostsMs = performance.now() - t;

        const runStep = await prepareSteps(rig, host, failoverHost, inputsOf);
        return {
            emulator: rig.emulator,
            setup: { ...setup, hostsMs, hostPeakRssMbAtStart: peakRssMb(host.pid) },
            run: (cell: Cell): Promise<CellResult> =>
                rig.runCell(cell, runStep, (failover) => peakRssMb((failover ? failoverHost : host).pid)),
            hostOutput: () => hosts.map((h) => h.output()).join("\n"),
            close,
        };
    } catch (err) {
        await close();
        throw err;
    }
}

/** A process's peak resident set size (VmHWM), in MB; NaN where /proc is not available. */
export function peakRssMb(pid: number): number {
    try {
        const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
    } catch {
        return Number.NaN;
    }
}

/** One resource's checked inputs and the states a fault-free create stores. */
interface Prepared {
    urn: string;
    checkedA: { inputs: PropertyMap };
    checkedB: { inputs: PropertyMap };
    /** After a create that replaced ORIGINAL_URL. */
    stored: PropertyMap;
    /** For APIs with DELETE: after a create with nothing set before. */
    storedNone: PropertyMap;
}

/**
 * The step runner over two connected hosts (the normal one, and the failover one): checks each resource's inputs
 * (`inputsOf`: its URN and its inputs as the program registers them) and records the state a fault-free create stores,
 * then runs each cell's step on the right host.
 */
async function prepareSteps<H extends ProviderHost>(
    rig: Rig,
    host: H,
    failoverHost: H,
    inputsOf: MatrixPlan<H>["inputsOf"],
): Promise<RunStep> {
    // Per resource: inputs as `pulumi up` sends them (checked, `__provider` included), and the state read,
    // update and delete start from: what a fault-free create stores.
    const prepared = new Map<ResourceKey, Prepared>();
    for (const resource of RESOURCES) {
        const { urn, news } = await inputsOf(resource, host);
        const checkedA = await host.check(urn, {}, news);
        const checkedB = await host.check(urn, {}, { ...news, notifyUrl: URL_B });
        if (checkedA.failures.length > 0 || checkedB.failures.length > 0) {
            throw new Error(`check failed: ${JSON.stringify([checkedA.failures, checkedB.failures])}`);
        }
        const create = async () => (await host.create(urn, checkedA.inputs)).properties;
        const stored = await rig.storedBy(resource.key, ORIGINAL_URL, create);
        const storedNone = resource.remove ? await rig.storedBy(resource.key, undefined, create) : {};
        prepared.set(resource.key, { urn, checkedA, checkedB, stored, storedNone });
    }

    return async (target, failover) => {
        const h = failover ? failoverHost : host;
        const p = prepared.get(target.resource);
        if (p === undefined) throw new Error(`no prepared resource ${target.resource}`);
        const { urn: URN, checkedA, checkedB, stored, storedNone } = p;
        try {
            let outputs: PropertyMap | undefined;
            switch (target.step) {
                case "create":
                    outputs = (await h.create(URN, checkedA.inputs)).properties;
                    break;
                case "read": {
                    const r = await h.read(MCHID, URN, stored, checkedA.inputs);
                    outputs = r.id === "" ? {} : r.properties;
                    break;
                }
                case "update":
                    outputs = (await h.update(MCHID, URN, stored, checkedB.inputs, checkedA.inputs)).properties;
                    break;
                case "delete":
                    await h.delete(MCHID, URN, stored, checkedA.inputs);
                    break;
                case "remove":
                    await h.delete(MCHID, URN, storedNone, checkedA.inputs);
                    break;
            }
            return outputs === undefined ? {} : { outputs };
        } catch (e) {
            const failed: StepOutcome = { message: e instanceof Error ? e.message : String(e) };
            if (e instanceof ProviderHostCallError && e.initFailed !== undefined) {
                failed.kept = { id: e.initFailed.id, properties: e.initFailed.properties };
            }
            return failed;
        }
    };
}
