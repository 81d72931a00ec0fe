/**
 * Turns the engine events of a `pulumi preview --refresh` into a drift report for one MembercardCallback.
 * Pure: no CLI, no I/O, so it is tested on its own.
 */
import type { EngineEvent, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";

/** The type token of every MembercardCallback (part of its URN). */
export const MEMBERCARD_CALLBACK_TYPE = "pulumi-nodejs:dynamic/wechatpay:MembercardCallback";

/** What the engine shows for a value that is not known during a preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The report the script prints, one JSON object. */
export interface DriftReport {
    stack: string;
    /** The resource's URN. */
    resource: string;
    /** The URL the program declares (after config), or null when the program no longer declares it or it is unknown. */
    expectedNotifyUrl: string | null;
    /** The URL WeChat Pay has now, as the refresh read it; null when none is set. */
    liveNotifyUrl: string | null;
    /** True when `pulumi up` would change this resource: the live setting is not what the program declares. */
    drift: boolean;
    /** What `pulumi up` would do to the resource after the refresh: `same`, `update`, `create`, … */
    plannedOp: OpType;
    /** Set when something in the report needs explaining (e.g. an expected URL unknown until another resource exists). */
    note?: string;
}

interface Observed {
    urn: string;
    /** The first step the plan has for it, other than the refresh itself. `same` if all steps are `same`. */
    plannedOp?: OpType;
    plan?: StepEventMetadata;
    /** Set once the refresh step's outputs were seen: the live URL, or null when the resource is gone. */
    refreshedUrl?: string | null;
}

/** The name part of a URN, `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function resourceName(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

function stringOrNull(value: unknown): string | null {
    return typeof value === "string" && value !== "" && value !== UNKNOWN ? value : null;
}

/** Collects what the events say about every MembercardCallback, keyed by URN. */
export function observe(events: Iterable<EngineEvent>): Map<string, Observed> {
    const seen = new Map<string, Observed>();
    const entry = (urn: string): Observed => {
        let o = seen.get(urn);
        if (o === undefined) {
            o = { urn };
            seen.set(urn, o);
        }
        return o;
    };
    for (const event of events) {
        const pre = event.resourcePreEvent?.metadata;
        const outputs = event.resOutputsEvent?.metadata;
        for (const meta of [pre, outputs]) {
            if (meta === undefined || meta.type !== MEMBERCARD_CALLBACK_TYPE) continue;
            const o = entry(meta.urn);
            if (meta.op === "refresh") {
                // The refresh step's outputs are what `read` returned: the live setting. No new state: it is gone.
                if (meta === outputs) o.refreshedUrl = stringOrNull(meta.new?.outputs?.notifyUrl);
                continue;
            }
            if (meta === pre && (o.plannedOp === undefined || o.plannedOp === "same")) {
                o.plannedOp = meta.op;
                o.plan = meta;
            }
        }
    }
    return seen;
}

/**
 * Builds the report for the MembercardCallback named `name` (or the only one). Throws when there is none, or when
 * there are several and no name was given.
 */
export function buildReport(stack: string, events: Iterable<EngineEvent>, name?: string): DriftReport {
    const all = [...observe(events).values()];
    const candidates = name === undefined ? all : all.filter((o) => resourceName(o.urn) === name);
    const names = all.map((o) => resourceName(o.urn)).join(", ");
    if (candidates.length === 0) {
        throw new Error(
            name === undefined
                ? `stack ${stack} has no MembercardCallback`
                : `stack ${stack} has no MembercardCallback named ${name}${names ? ` (it has: ${names})` : ""}`,
        );
    }
    const [found, ...more] = candidates;
    if (found === undefined || more.length > 0) {
        throw new Error(`stack ${stack} has several MembercardCallbacks (${names}): choose one with --resource`);
    }
    // After a refresh the plan's old state is the refreshed one, so it holds the live URL too.
    const liveNotifyUrl =
        found.refreshedUrl !== undefined ? found.refreshedUrl : stringOrNull(found.plan?.old?.outputs?.notifyUrl);
    // Only refreshed, with no step of its own: an engine that does not report unchanged steps; nothing to do.
    const plannedOp = found.plannedOp ?? "same";
    const declared: unknown = found.plan === undefined ? liveNotifyUrl : found.plan.new?.inputs?.notifyUrl;
    const report: DriftReport = {
        stack,
        resource: found.urn,
        expectedNotifyUrl: plannedOp === "delete" ? null : stringOrNull(declared),
        liveNotifyUrl,
        drift: plannedOp !== "same",
        plannedOp,
    };
    if (declared === UNKNOWN) {
        report.note = "notifyUrl depends on a resource that does not exist yet; run `pulumi up` first";
    } else if (plannedOp === "delete") {
        report.note = "the program no longer declares this resource: `pulumi up` would destroy it";
    }
    return report;
}
