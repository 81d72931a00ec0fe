/**
 * What every runner of the fault table shares: the emulator, a host a redirect points at (nothing may reach it), a
 * closed port for the dead primary, and one cell's arrange / act / observe, so the in-process runner and the
 * provider-host runner differ only in how they run a step.
 */

import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer } from "node:net";
import { type Emulator, type RecordedRequest, startEmulator } from "../../provider/testing";
import { emulatorStackConfig } from "../fixtures";
import type { PropertyMap } from "../providerHost";
import { type CellResult, judge, type Observed } from "./judge";
import {
    type Cell,
    DEADLINE_MS,
    MAX_RETRIES,
    MCHID,
    ORIGINAL_URL,
    type ResourceKey,
    resourceOf,
    type StepTarget,
    TIMEOUT_MS,
    URL_A,
    URL_B,
} from "./table";

/** What one step ended in, as the engine would see it. */
export interface StepOutcome {
    /** What the step returned (create, read, update); `{}` for a read that found nothing. */
    outputs?: PropertyMap;
    /** The error's message, when the step failed. */
    message?: string;
    /** A failed create that is kept in state ("created, but failed to initialize"). */
    kept?: { id: string; properties: PropertyMap };
}

/**
 * Runs one step of one resource (`target`); `failover`: with the configuration whose primary base URL is dead and the
 * emulator the backup.
 */
export type RunStep = (target: StepTarget, failover: boolean) => Promise<StepOutcome>;

/** Something that runs the table's cells one at a time. */
export interface CellRunner {
    readonly emulator: Emulator;
    run(cell: Cell): Promise<CellResult>;
    close(): Promise<void>;
}

export interface Rig {
    readonly emulator: Emulator;
    /**
     * Stack config for the table's settings: the emulator as primary, or (failover) a closed port as primary and the
     * emulator as backup.
     */
    config(failover: boolean): Record<string, string>;
    /** Arranges `cell` on fresh emulator state, runs its step with `runStep`, and judges what happened. */
    runCell(cell: Cell, runStep: RunStep, measureRssMb?: (failover: boolean) => number): Promise<CellResult>;
    /**
     * The state read, update and delete start from: what `create` stores (URL_A) over fresh emulator state where
     * `before` is live for `resource` (ORIGINAL_URL, or nothing for the APIs that can delete). Throws when it did not
     * record `before` as the previous URL, as a fault-free create does.
     */
    storedBy(
        resource: ResourceKey,
        before: string | undefined,
        create: () => Promise<PropertyMap>,
    ): Promise<PropertyMap>;
    close(): Promise<void>;
}

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const address = server.address();
    await new Promise<void>((done) => server.close(() => done()));
    if (address === null || typeof address === "string") {
        throw new Error("could not reserve a loopback port");
    }
    return address.port;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!condition() && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
    }
}

/** Starts the emulator (the merchant, a service provider, at ORIGINAL_URL) and the redirect trap. */
/** Fault kinds that apply the write, then fail its answer. */
const APPLYING: ReadonlySet<string> = new Set([
    "applied-then-error",
    "applied-then-reset",
    "applied-then-hang",
    "apply-late",
]);

export async function startRig(): Promise<Rig> {
    let onRequest: ((r: RecordedRequest) => void) | undefined;
    const emulator = await startEmulator({
        // A service provider, so the violation API answers too.
        merchants: [{ mchid: MCHID, notifyUrl: ORIGINAL_URL, kind: "partner" }],
        onRequest: (r) => onRequest?.(r),
    });
    // Another host a redirect points at: nothing may ever reach it.
    let trapped = 0;
    const trap: HttpServer = createHttpServer((_req, res) => {
        trapped += 1;
        res.end("{}");
    });
    const closeAll = async () => {
        await new Promise<void>((done) => trap.close(() => done()));
        await emulator.close();
    };
    let deadPrimary: string;
    try {
        await new Promise<void>((done) => trap.listen(0, "127.0.0.1", done));
        deadPrimary = `http://127.0.0.1:${await closedPort()}/`;
    } catch (err) {
        await closeAll();
        throw err;
    }
    const trapAddress = trap.address();
    const trapOrigin = `http://127.0.0.1:${typeof trapAddress === "object" && trapAddress ? trapAddress.port : 0}`;

    const config = (failover: boolean): Record<string, string> =>
        emulatorStackConfig(emulator, {
            "wechatpay:baseUrl": failover ? deadPrimary : emulator.baseUrl,
            "wechatpay:backupBaseUrl": failover ? emulator.baseUrl : undefined,
            "wechatpay:maxRetries": String(MAX_RETRIES),
            "wechatpay:timeoutMs": String(TIMEOUT_MS),
            "wechatpay:deadlineMs": String(DEADLINE_MS),
        });

    const runCell = async (
        cell: Cell,
        runStep: RunStep,
        measureRssMb?: (failover: boolean) => number,
    ): Promise<CellResult> => {
        const { fault, target } = cell;
        const { step } = target;
        const resource = resourceOf(target.resource);
        emulator.reset();
        const before = step === "create" ? ORIGINAL_URL : URL_A;
        const intended =
            step === "update" ? URL_B : step === "delete" ? ORIGINAL_URL : step === "remove" ? undefined : URL_A;
        emulator.setSetting(resource.key, before);

        const injected = fault.build ? fault.build({ trapOrigin, resource }) : fault.fault;
        const trappedBefore = trapped;
        // Faults that apply the write first hit only the targeted write: the signed read that settles it must see
        // what WeChat Pay really holds.
        const match =
            injected !== undefined && APPLYING.has(injected.kind) && target.method !== undefined
                ? { method: target.method }
                : undefined;
        if (injected !== undefined) {
            if (target.armAfter === 0) {
                emulator.failNext(injected, fault.times, match);
            } else {
                // Called right after a request is answered, before the provider can send the next one.
                onRequest = () => {
                    if (emulator.requests.length >= target.armAfter) {
                        onRequest = undefined;
                        emulator.failNext(injected, fault.times, match);
                    }
                };
            }
        }

        const failover = fault.failover === true;
        const started = performance.now();
        const { outputs, message, kept } = await runStep(target, failover);
        const ms = performance.now() - started;
        onRequest = undefined;
        if (injected?.kind === "delay") {
            // A request the client gave up on is still answered (and applied) when the delay ends: wait for it,
            // so the live URL below is final and nothing lands in the next cell.
            const delayed = () => emulator.requests.filter((r) => r.fault === "delay").length;
            await until(() => delayed() >= fault.times, injected.ms + 2_000);
        }
        if (injected?.kind === "apply-late") {
            // The late write lands after the step returned: wait for it, so nothing lands in the next cell.
            const landed = () => emulator.requests.filter((r) => r.fault === "apply-late").length;
            await until(() => landed() >= fault.times, injected.ms + 2_000);
        }
        if (injected?.kind === "oversized" || injected?.kind === "trickle") {
            // The reply's end (the client hanging up) is recorded a moment after the step returns.
            await until(() => emulator.requests.every((r) => r.fault !== injected.kind || r.streamed), 5_000);
        }
        const observed: Observed = {
            cell,
            before,
            intended,
            outputs,
            message,
            requests: [...emulator.requests].sort((a, b) => a.at - b.at),
            live: emulator.setting(resource.key),
            ms,
            trapped: trapped - trappedBefore,
        };
        if (kept !== undefined) observed.kept = kept;
        if (injected?.kind === "oversized" && measureRssMb !== undefined) {
            observed.hostPeakRssMb = measureRssMb(failover);
        }
        return judge(observed);
    };

    const storedBy = async (
        resource: ResourceKey,
        before: string | undefined,
        create: () => Promise<PropertyMap>,
    ): Promise<PropertyMap> => {
        emulator.reset();
        emulator.setSetting(resource, before);
        const stored = await create();
        if (stored.appliedNotifyUrl !== URL_A || stored.previousNotifyUrl !== before) {
            throw new Error(`a fault-free create stored unexpected outputs: ${JSON.stringify(stored)}`);
        }
        return stored;
    };

    return { emulator, config, runCell, storedBy, close: closeAll };
}
