/**
 * The state file kept between commands: one JSON document listing the resources in the order the engine created
 * them (the stack, its default provider, then the program's resources), as a checkpoint does. The default provider's
 * inputs are the whole stack config (pkg/resource/deploy/target.go `GetPackageConfig`: dynamic providers get all of
 * it), secrets marked; refresh and destroy configure the provider host from them, as the engine does. A real
 * checkpoint encrypts secret values; this file is test state in a temporary folder, so they are only marked.
 */

import { readFile, writeFile } from "node:fs/promises";
import { SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, secret } from "../protocol";
import type { PropertyMap } from "../providerHost";

export interface ResourceState {
    urn: string;
    type: string;
    /** "" for the stack resource. */
    id: string;
    inputs: PropertyMap;
    outputs: PropertyMap;
}

export interface StackState {
    resources: ResourceState[];
}

/** The engine's name for the provider every `pulumi-nodejs:dynamic/…` resource uses by default. */
export const DEFAULT_PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";
export const STACK_TYPE = "pulumi:pulumi:Stack";

export async function readState(file: string): Promise<StackState> {
    try {
        return JSON.parse(await readFile(file, "utf8")) as StackState;
    } catch (err) {
        if ((err as { code?: unknown }).code === "ENOENT") return { resources: [] };
        throw err;
    }
}

export async function writeState(file: string, state: StackState): Promise<void> {
    await writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** The default provider's inputs: every stack config value, secrets marked. */
export function providerInputs(config: Record<string, string>, secretKeys: readonly string[]): PropertyMap {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, secretKeys.includes(k) ? secret(v) : v]));
}

/** Stack config and secret keys back from recorded provider inputs. */
export function configFromInputs(inputs: PropertyMap): { config: Record<string, string>; secretKeys: string[] } {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(inputs)) {
        const marked =
            typeof v === "object" && v !== null && (v as PropertyMap)[SPECIAL_SIG_KEY] === SPECIAL_SECRET_SIG;
        if (marked) secretKeys.push(k);
        config[k] = String(marked ? (v as PropertyMap).value : v);
    }
    return { config, secretKeys };
}
