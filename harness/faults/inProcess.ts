/**
 * Runs the fault table's cells in-process: the provider class itself, configured the way the provider host
 * configures it (`configure({ config })`), against the same emulator and judged by the same rules as the
 * provider-host runner. What differs is only the transport: no packing, no gRPC, no serialized `__provider`.
 */

import { configureRequest } from "../fixtures";
import type { PropertyMap } from "../providerHost";
import type { CellResult } from "./judge";
import { type CellRunner, type RunStep, type StepOutcome, startRig } from "./rig";
import { type Cell, MCHID, ORIGINAL_URL, RESOURCES, type ResourceKey, URL_A, URL_B } from "./table";

/**
 * The dynamic provider's methods the table calls (`pulumi.dynamic.ResourceProvider`, structurally: harness does not
 * import the provider, the caller hands it in).
 */
export interface InProcessProvider {
    configure(req: ReturnType<typeof configureRequest>): Promise<void>;
    check(olds: PropertyMap, news: PropertyMap): Promise<{ inputs?: PropertyMap }>;
    create(inputs: PropertyMap): Promise<{ id: string; outs?: PropertyMap }>;
    read(id: string, props: PropertyMap): Promise<{ id?: string; props?: PropertyMap }>;
    update(id: string, olds: PropertyMap, news: PropertyMap): Promise<{ outs?: PropertyMap }>;
    delete(id: string, props: PropertyMap): Promise<void>;
}

/** One resource's providers, inputs and the states a fault-free create stores. */
interface Prepared {
    provider: InProcessProvider;
    failoverProvider: InProcessProvider;
    inputsA: PropertyMap;
    inputsB: PropertyMap;
    stored: PropertyMap;
    /** For APIs with DELETE: after a create with nothing set before. */
    storedNone: PropertyMap;
}

/**
 * Starts the emulator and, per resource of the table, two providers from `newProvider(resource)` (normal, and dead
 * primary with the emulator as backup).
 */
export async function startInProcess(newProvider: (resource: ResourceKey) => InProcessProvider): Promise<CellRunner> {
    const rig = await startRig();
    try {
        const prepared = new Map<ResourceKey, Prepared>();
        for (const resource of RESOURCES) {
            const configured = async (failover: boolean) => {
                const provider = newProvider(resource.key);
                await provider.configure(configureRequest(rig.config(failover)));
                return provider;
            };
            const [provider, failoverProvider] = await Promise.all([configured(false), configured(true)]);
            const inputsA = (await provider.check({}, { notifyUrl: URL_A })).inputs ?? {};
            const inputsB = (await provider.check({}, { notifyUrl: URL_B })).inputs ?? {};
            const create = async () => (await provider.create(inputsA)).outs ?? {};
            const stored = await rig.storedBy(resource.key, ORIGINAL_URL, create);
            const storedNone = resource.remove ? await rig.storedBy(resource.key, undefined, create) : {};
            prepared.set(resource.key, { provider, failoverProvider, inputsA, inputsB, stored, storedNone });
        }

        const runStep: RunStep = async (target, failover) => {
            const prep = prepared.get(target.resource);
            if (prep === undefined) throw new Error(`no prepared resource ${target.resource}`);
            const { inputsA, inputsB, stored, storedNone } = prep;
            const p = failover ? prep.failoverProvider : prep.provider;
            try {
                switch (target.step) {
                    case "create":
                        return { outputs: (await p.create(inputsA)).outs ?? {} };
                    case "read": {
                        // As the provider host answers: no id means the resource is gone.
                        const r = await p.read(MCHID, stored);
                        return { outputs: r.id === undefined || r.id === "" ? {} : (r.props ?? {}) };
                    }
                    case "update":
                        return { outputs: (await p.update(MCHID, stored, inputsB)).outs ?? {} };
                    case "delete":
                        await p.delete(MCHID, stored);
                        return {};
                    case "remove":
                        await p.delete(MCHID, storedNone);
                        return {};
                }
            } catch (e) {
                const failed: StepOutcome = { message: e instanceof Error ? e.message : String(e) };
                // A partially created resource (pulumi.dynamic's `id` and `properties` on the error), kept in state.
                const { id, properties } = (e ?? {}) as { id?: unknown; properties?: unknown };
                if (typeof id === "string" && typeof properties === "object" && properties !== null) {
                    failed.kept = { id, properties: properties as PropertyMap };
                }
                return failed;
            }
        };

        return {
            emulator: rig.emulator,
            run: (cell: Cell): Promise<CellResult> => rig.runCell(cell, runStep),
            close: () => rig.close(),
        };
    } catch (err) {
        await rig.close();
        throw err;
    }
}
