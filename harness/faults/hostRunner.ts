/**
 * Runs the fault table's cells through Pulumi's own dynamic-provider host with the package as a user installs it
 * (the `npm pack` tarball): one consumer folder, one emulator, one host per configuration (the normal one, and one
 * whose primary base URL is a closed port with the emulator as backup). Each cell runs one step over gRPC.
 */

import { readFileSync } from "node:fs";
import { prepareConsumer } from "../consumer";
import { capturedResource, withoutWechatpayEnv } from "../fixtures";
import { type PropertyMap, type ProviderHost, ProviderHostCallError, startProviderHost, urnFor } from "../providerHost";
import { captureRegistration } from "../registration";
import type { CellResult } from "./judge";
import { type CellRunner, type Rig, type RunStep, type StepOutcome, startRig } from "./rig";
import {
    type Cell,
    MCHID,
    ORIGINAL_URL,
    RESOURCES,
    type ResourceKey,
    type TableResource,
    typeOf,
    URL_A,
    URL_B,
} from "./table";

const PROJECT = "fault-matrix";
const STACK = "dev";

/** One resource of each type, each for the stack's merchant. */
const PROGRAM = `
const w = require("pulumi-wechatpay");
${RESOURCES.map((r) => `new w.${r.className}(${JSON.stringify(r.name)}, { notifyUrl: ${JSON.stringify(URL_A)} });`).join("\n")}
`;

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

export interface MatrixOptions {
    /** The package to pack and install (the repository root). */
    packageDir: string;
    /** Progress lines (stderr in the script). */
    log?: (line: string) => void;
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

/** Packs and installs the package, starts the emulator and two provider hosts, and captures `__provider`. */
export async function startMatrix(opts: MatrixOptions): Promise<Matrix> {
    const log = opts.log ?? (() => {});
    const rig = await startRig();
    const { emulator } = rig;
    const hosts: ProviderHost[] = [];
    try {
        let t = performance.now();
        log("packing and installing the package into a consumer folder…");
        const consumer = await prepareConsumer({ packageDir: opts.packageDir });
        const consumerMs = performance.now() - t;

        t = performance.now();
        const registration = await captureRegistration(consumer, PROGRAM, { project: PROJECT, stack: STACK });
        // Each resource of the program by its type token (one of each type).
        const registeredOf = (r: TableResource) => capturedResource(registration, typeOf(r));
        const captureMs = performance.now() - t;

        t = performance.now();
        // No WECHATPAY_* of the machine running this may reach the hosts.
        const env = withoutWechatpayEnv();
        const [host, failoverHost] = await Promise.all([
            startProviderHost(consumer, { project: PROJECT, stack: STACK, env }),
            startProviderHost(consumer, { project: PROJECT, stack: STACK, env }),
        ]);
        hosts.push(host, failoverHost);
        await host.configure(rig.config(false), ["wechatpay:privateKey"]);
        await failoverHost.configure(rig.config(true), ["wechatpay:privateKey"]);
        const hostsMs = performance.now() - t;

        const runStep = await prepareSteps(rig, host, failoverHost, (resource) => ({
            urn: urnFor(typeOf(resource), resource.name, PROJECT, STACK),
            news: registeredOf(resource).inputs,
        }));
        const hostPeakRssMbAtStart = peakRssMb(host.pid);

        return {
            emulator,
            setup: { consumerMs, captureMs, hostsMs, fromCache: consumer.fromCache, hostPeakRssMbAtStart },
            run: (cell: Cell): Promise<CellResult> =>
                rig.runCell(cell, runStep, (failover) => peakRssMb((failover ? failoverHost : host).pid)),
            hostOutput: () => hosts.map((h) => h.output()).join("\n"),
            async close() {
                await Promise.all(hosts.map((h) => h.close()));
                await rig.close();
            },
        };
    } catch (err) {
        await Promise.all(hosts.map((h) => h.close()));
        await rig.close();
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

/**
 * The step runner over two connected hosts (the normal one, and the failover one): checks each resource's inputs
 * (`inputsOf`: its URN and its inputs as the program registers them) and records the state a fault-free create stores,
 * then runs each cell's step on the right host. Shared by the dynamic-provider host and the provider plugin.
 */
export async function prepareSteps(
    rig: Rig,
    host: ProviderHost,
    failoverHost: ProviderHost,
    inputsOf: (resource: TableResource) => { urn: string; news: PropertyMap },
): Promise<RunStep> {
    // Per resource: inputs as `pulumi up` sends them (checked, `__provider` included), and the state read,
    // update and delete start from: what a fault-free create stores.
    const prepared = new Map<ResourceKey, Prepared>();
    for (const resource of RESOURCES) {
        const { urn, news } = inputsOf(resource);
        const checkedA = await host.check(urn, {}, news);
        const checkedB = await host.check(urn, {}, { ...news, notifyUrl: URL_B });
        if (checkedA.failures.length > 0 || checkedB.failures.length > 0) {
            throw new Error(`check failed: ${JSON.stringify([checkedA.failures, checkedB.failures])}`);
        }
        rig.emulator.reset();
        rig.emulator.setSetting(resource.key, ORIGINAL_URL);
        const stored = (await host.create(urn, checkedA.inputs)).properties;
        if (stored.appliedNotifyUrl !== URL_A || stored.previousNotifyUrl !== ORIGINAL_URL) {
            throw new Error(`a fault-free create stored unexpected outputs: ${JSON.stringify(stored)}`);
        }
        let storedNone: PropertyMap = {};
        if (resource.remove) {
            rig.emulator.reset();
            rig.emulator.setSetting(resource.key, undefined);
            storedNone = (await host.create(urn, checkedA.inputs)).properties;
            if (storedNone.appliedNotifyUrl !== URL_A || storedNone.previousNotifyUrl !== undefined) {
                throw new Error(`a fault-free create stored unexpected outputs: ${JSON.stringify(storedNone)}`);
            }
        }
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
