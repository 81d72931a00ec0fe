/**
 * `pulumi preview`, `up`, `refresh` and `destroy` for one stack, without the CLI: the program runs under
 * `@pulumi/pulumi/cmd/run` (program.ts) against the monitor served here (monitor.ts), and each dynamic resource goes
 * through Pulumi's dynamic-provider host (providerHost.ts) in the engine's order (pkg/resource/deploy/step_generator.go):
 * - preview/up, per registration: Check(olds = stored inputs, news); new → Create; else Diff(stored outputs, checked
 *   inputs, stored inputs): no change → same, replace keys → Create the new one, Delete the old one after the
 *   program; otherwise Update. A preview stops after Diff (the host never sets `supportsPreview`).
 * - then resources in state the program no longer registers are deleted, last created first;
 * - refresh: Read(id, stored outputs, stored inputs) per resource; an empty id means the resource is gone;
 * - destroy: Delete per resource, last created first.
 * Refresh and destroy do not run the program: the host is configured from the default provider's recorded inputs.
 * Small on purpose: one step at a time, no resource options beyond what a dynamic resource needs.
 */

import type { Consumer } from "../consumer";
import { loadProtocol, unwrapSecrets } from "../protocol";
import {
    DEFAULT_PROVIDER_TYPE,
    type PropertyMap,
    type ProviderHost,
    ProviderHostCallError,
    startProviderHost,
} from "../providerHost";
import { type Registration, startMonitor } from "./monitor";
import { runProgram } from "./program";
import {
    configFromInputs,
    providerInputs,
    type ResourceState,
    readState,
    STACK_TYPE,
    type StackState,
    writeState,
} from "./state";

export interface StackOptions {
    consumer: Consumer;
    /** The program's folder, with `node_modules` resolving to the consumer's (see `prepareExampleWorkDir`). */
    programDir: string;
    project: string;
    stack: string;
    /** The state file between commands; created by the first `up`. */
    stateFile: string;
    /** Stack config as `pulumi config` holds it: `<namespace>:<key>` → string (objects JSON-encoded). */
    config: Record<string, string>;
    secretKeys: readonly string[];
    /** Added to the environment of the program and the provider host. */
    env?: NodeJS.ProcessEnv;
    /** Called with each provider host this stack starts (tests interrupt or kill it mid-step). */
    onHost?: (host: ProviderHost) => void;
}

export type Operation = "create" | "update" | "replace" | "delete" | "same";

export interface Step {
    op: Operation;
    urn: string;
    name: string;
    /** Input names whose value changes (update, replace). */
    changed: string[];
}

/** A difference a refresh found between the state and the live resource. */
export interface Drift {
    urn: string;
    name: string;
    /** Output name → [recorded, live]. Empty with `gone`. */
    changes: Record<string, [unknown, unknown]>;
    gone: boolean;
}

export interface Result {
    steps: Step[];
    drift: Drift[];
    /** The stack's exports (after `up`; what the program exported, unknowns included, after `preview`). */
    outputs: PropertyMap;
    /** What the provider hosts printed (the CLI shows it to the user). */
    hostOutput: string;
}

/** A command that failed, with what the provider hosts printed until then. */
export class StackCommandError extends Error {
    override readonly name = "StackCommandError";
    constructor(
        readonly failure: unknown,
        readonly hostOutput: string,
    ) {
        super(failure instanceof Error ? failure.message : String(failure));
    }
}

/** A program that failed: its error messages, as the CLI would print them. */
export class ProgramError extends Error {
    override readonly name = "ProgramError";
    /** What the provider hosts printed until the failure (set by the command that failed). */
    hostOutput = "";
    constructor(
        readonly errors: string[],
        readonly output: string,
    ) {
        super(errors.join("\n") || `the program failed:\n${output}`);
    }
}

const nameOf = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);
const isCustom = (r: ResourceState): boolean => r.type !== STACK_TYPE && r.type !== DEFAULT_PROVIDER_TYPE;

/** One stack, its commands reading and writing `stateFile`. */
export class Stack {
    constructor(private readonly opts: StackOptions) {}

    /** The URN the engine gives a resource; children of the stack are named as top-level resources. */
    private urn(type: string, name: string, parentUrn = ""): string {
        const parentType = parentUrn.split("::")[2] ?? "";
        const qualified = parentUrn === "" || parentType === STACK_TYPE ? type : `${parentType}$${type}`;
        return `urn:pulumi:${this.opts.stack}::${this.opts.project}::${qualified}::${name}`;
    }

    state(): Promise<StackState> {
        return readState(this.opts.stateFile);
    }

    preview(opts: { refresh?: boolean } = {}): Promise<Result> {
        return this.deploy(true, opts.refresh ?? false);
    }

    up(opts: { refresh?: boolean } = {}): Promise<Result> {
        return this.deploy(false, opts.refresh ?? false);
    }

    async refresh(): Promise<Result> {
        const state = await this.state();
        const drift = await this.withRecordedHost(state, (host) => refreshAll(host, state));
        await writeState(this.opts.stateFile, state);
        return { steps: [], drift, outputs: stackOutputs(state), hostOutput: this.printed };
    }

    async destroy(): Promise<Result> {
        const state = await this.state();
        const steps: Step[] = [];
        this.printed = "";
        const remaining = [...state.resources];
        try {
            await this.withRecordedHost(state, async (host) => {
                for (const r of state.resources.filter(isCustom).reverse()) {
                    await host.delete(r.id, r.urn, r.outputs, r.inputs);
                    remaining.splice(remaining.indexOf(r), 1);
                    steps.push({ op: "delete", urn: r.urn, name: nameOf(r.urn), changed: [] });
                }
            });
        } catch (err) {
            // A failed delete leaves that resource (and every one not yet deleted) in the stack, as the engine does.
            await writeState(this.opts.stateFile, { resources: remaining.some(isCustom) ? remaining : [] });
            throw new StackCommandError(err, this.printed);
        }
        await writeState(this.opts.stateFile, { resources: [] });
        return { steps, drift: [], outputs: {}, hostOutput: this.printed };
    }

    /** What the hosts of the current command printed. */
    private printed = "";

    private async startHost(config: Record<string, string>, secretKeys: readonly string[]): Promise<ProviderHost> {
        const { consumer, project, stack, programDir, env } = this.opts;
        const host = await startProviderHost(consumer, { project, stack, cwd: programDir, env: env ?? {} });
        this.opts.onHost?.(host);
        const close = host.close.bind(host);
        host.close = async () => {
            this.printed += host.output();
            await close();
        };
        try {
            await host.configure(config, [...secretKeys]);
            return host;
        } catch (err) {
            await host.close();
            throw err;
        }
    }

    /** Runs `fn` with a host configured from the default provider's inputs recorded in `state`. */
    private async withRecordedHost<T>(state: StackState, fn: (host: ProviderHost) => Promise<T>): Promise<T> {
        const provider = state.resources.find((r) => r.type === DEFAULT_PROVIDER_TYPE);
        if (provider === undefined) return fn(NO_RESOURCES);
        const { config, secretKeys } = configFromInputs(provider.inputs);
        const host = await this.startHost(config, secretKeys);
        try {
            return await fn(host);
        } finally {
            await host.close();
        }
    }

    private async deploy(dryRun: boolean, refresh: boolean): Promise<Result> {
        this.printed = "";
        try {
            const result = await this.deployNow(dryRun, refresh);
            return { ...result, hostOutput: this.printed };
        } catch (err) {
            throw err instanceof ProgramError ? Object.assign(err, { hostOutput: this.printed }) : err;
        }
    }

    private async deployNow(dryRun: boolean, refresh: boolean): Promise<Result> {
        const { config, secretKeys } = this.opts;
        const old = await this.state();
        // The CLI refreshes and deploys with one provider host when the default provider's config is unchanged (the
        // engine keeps the same provider instance); observed with harness/realCliTap.ts in test/realcli/standin.
        const recorded = old.resources.find((r) => r.type === DEFAULT_PROVIDER_TYPE)?.inputs;
        const sameProvider =
            recorded !== undefined && JSON.stringify(recorded) === JSON.stringify(providerInputs(config, secretKeys));
        let drift: Drift[] = [];
        let host: ProviderHost;
        if (refresh && sameProvider) {
            host = await this.startHost(config, secretKeys);
            try {
                drift = await refreshAll(host, old);
            } catch (err) {
                await host.close();
                throw err;
            }
        } else {
            if (refresh) drift = await this.withRecordedHost(old, (h) => refreshAll(h, old));
            host = await this.startHost(config, secretKeys);
        }
        const oldByUrn = new Map(old.resources.map((r) => [r.urn, r]));
        const proto = loadProtocol(this.opts.consumer);
        const steps: Step[] = [];
        const next: ResourceState[] = [];
        const replaced: ResourceState[] = [];
        const renamedFrom = new Set<string>();
        const errors: string[] = [];
        let outputs: PropertyMap = {};
        // One registration at a time, in the order the program made them.
        let queue: Promise<unknown> = Promise.resolve();
        const register = async (reg: Registration) => {
            const urn = this.urn(reg.type, reg.name, reg.parent);
            if (reg.type === STACK_TYPE) {
                next.push({ urn, type: STACK_TYPE, id: "", inputs: {}, outputs: {} });
                const providerUrn = this.urn(DEFAULT_PROVIDER_TYPE, "default");
                const inputs = providerInputs(config, secretKeys);
                next.push({ urn: providerUrn, type: DEFAULT_PROVIDER_TYPE, id: "default", inputs, outputs: inputs });
                return { urn, id: "", outputs: {} };
            }
            if (!reg.custom || !reg.type.startsWith("pulumi-nodejs:dynamic/")) {
                throw new Error(`${reg.type}: this harness runs dynamic resources only`);
            }
            // A resource found under an alias is the same resource, renamed: it moves to its new URN, nothing is called.
            const alias = reg.aliases.find((a) => oldByUrn.has(a) && !oldByUrn.has(urn));
            const before =
                oldByUrn.get(urn) ??
                (alias !== undefined ? ({ ...oldByUrn.get(alias), urn } as ResourceState) : undefined);
            if (alias !== undefined) renamedFrom.add(alias);
            const news = unwrapSecrets(reg.inputs) as PropertyMap;
            const checked = await host.check(urn, before?.inputs ?? {}, news);
            if (checked.failures.length > 0) {
                throw new Error(checked.failures.map((f) => `${urn}: ${f.property}: ${f.reason}`).join("\n"));
            }
            const inputs = checked.inputs;
            let step: Step = { op: "create", urn, name: reg.name, changed: [] };
            let done: ResourceState = { urn, type: reg.type, id: "", inputs, outputs: inputs };
            if (before !== undefined) {
                const diff = await host.diff(before.id, urn, before.outputs, inputs, before.inputs);
                const changed = Object.keys({ ...before.inputs, ...inputs }).filter(
                    (k) => k !== "__provider" && JSON.stringify(before.inputs[k]) !== JSON.stringify(inputs[k]),
                );
                const op = diff.changes !== "some" ? "same" : diff.replaces.length > 0 ? "replace" : "update";
                step = { op, urn, name: reg.name, changed: op === "replace" ? diff.replaces : changed };
                done = op === "same" ? before : { ...before, inputs, outputs: { ...before.outputs, ...inputs } };
            }
            try {
                if (!dryRun && step.op === "create") {
                    const created = await host.create(urn, inputs);
                    done = { urn, type: reg.type, id: created.id, inputs, outputs: created.properties };
                } else if (!dryRun && step.op === "replace" && before !== undefined) {
                    const created = await host.create(urn, inputs);
                    done = { urn, type: reg.type, id: created.id, inputs, outputs: created.properties };
                    replaced.push(before);
                } else if (!dryRun && step.op === "update" && before !== undefined) {
                    const updated = await host.update(before.id, urn, before.outputs, inputs, before.inputs);
                    done = { ...before, inputs, outputs: updated.properties };
                }
            } catch (err) {
                // "Created (or updated), but failed to initialize": the engine saves what the provider returned as the
                // resource's state, and the step still fails (pkg/resource/deploy/step.go, StatusPartialFailure).
                if (err instanceof ProviderHostCallError && err.initFailed !== undefined) {
                    const { id, properties } = err.initFailed;
                    next.push({ urn, type: reg.type, id, inputs, outputs: properties });
                } else if (before !== undefined && step.op === "update") {
                    next.push(before);
                }
                throw err;
            }
            steps.push(step);
            next.push(done);
            return { urn, id: done.id, outputs: done.outputs };
        };
        const monitor = await startMonitor(proto, {
            onRegister: (reg) => {
                const result = queue.then(() => register(reg));
                queue = result.catch(() => undefined);
                return result;
            },
            onStackOutputs: (o) => {
                outputs = o;
            },
            onLog: (severity, message) => {
                if (severity === "error") errors.push(message.trim());
            },
        });
        try {
            const run = await runProgram({
                consumer: this.opts.consumer,
                dir: this.opts.programDir,
                project: this.opts.project,
                stack: this.opts.stack,
                dryRun,
                monitor: monitor.address,
                config,
                secretKeys,
                env: this.opts.env ?? {},
            });
            await queue;
            const registered = new Set(next.map((r) => r.urn));
            if (run.code !== 0 || errors.length > 0) {
                // What was created before the failure stays recorded (as a checkpoint would), so destroy can undo it.
                const kept = old.resources.filter((r) => !registered.has(r.urn) && !renamedFrom.has(r.urn));
                if (!dryRun) await writeState(this.opts.stateFile, { resources: [...next, ...kept] });
                throw new ProgramError(errors, run.output);
            }
            const gone = old.resources.filter((r) => isCustom(r) && !registered.has(r.urn) && !renamedFrom.has(r.urn));
            for (const r of [...replaced, ...gone].reverse()) {
                if (!dryRun) await host.delete(r.id, r.urn, r.outputs, r.inputs);
                if (gone.includes(r)) steps.push({ op: "delete", urn: r.urn, name: nameOf(r.urn), changed: [] });
            }
            if (!dryRun) {
                const stack = next.find((r) => r.type === STACK_TYPE);
                if (stack) stack.outputs = outputs;
                await writeState(this.opts.stateFile, { resources: next });
            }
            return { steps, drift, outputs, hostOutput: "" };
        } finally {
            await monitor.close();
            await host.close();
        }
    }
}

/** Reads every resource, updates `state` in place, and returns what differs from what was recorded. */
async function refreshAll(host: ProviderHost, state: StackState): Promise<Drift[]> {
    const drift: Drift[] = [];
    const kept: ResourceState[] = [];
    for (const r of state.resources) {
        if (!isCustom(r)) {
            kept.push(r);
            continue;
        }
        const read = await host.read(r.id, r.urn, r.outputs, r.inputs);
        if (read.id === "") {
            drift.push({ urn: r.urn, name: nameOf(r.urn), changes: {}, gone: true });
            continue;
        }
        const changes: Record<string, [unknown, unknown]> = {};
        for (const k of Object.keys({ ...r.outputs, ...read.properties })) {
            if (k !== "__provider" && JSON.stringify(r.outputs[k]) !== JSON.stringify(read.properties[k])) {
                changes[k] = [r.outputs[k], read.properties[k]];
            }
        }
        if (Object.keys(changes).length > 0) drift.push({ urn: r.urn, name: nameOf(r.urn), changes, gone: false });
        // The CLI (3.276.0) follows each refresh read with a Diff of the refreshed outputs against the recorded
        // inputs, to show the drift; the provider sees that call, so the stand-in makes it too (its result is unused:
        // the drift above is computed here). Observed with harness/realCliTap.ts in test/realcli/standin.
        await host.diff(read.id, r.urn, read.properties, r.inputs, read.inputs ?? r.inputs);
        kept.push({ ...r, id: read.id, outputs: read.properties, inputs: read.inputs ?? r.inputs });
    }
    state.resources = kept;
    return drift;
}

function stackOutputs(state: StackState): PropertyMap {
    return state.resources.find((r) => r.type === STACK_TYPE)?.outputs ?? {};
}

/** Stands in for a host when the state holds no provider (so no resources): nothing is ever called on it. */
const NO_RESOURCES = new Proxy({} as ProviderHost, {
    get: (_, key) => {
        throw new Error(`no provider in state: ${String(key)} called`);
    },
});
