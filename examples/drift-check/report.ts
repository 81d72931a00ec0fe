/**
 * Turns the engine events of a `pulumi preview --refresh` into a drift report for every WeChat Pay notification
 * resource in the stack: MembercardCallback, ComplaintNotification, BusifavorCallback and ViolationNotification.
 * Pure: no CLI, no I/O, so it is tested on its own.
 */
import type { EngineEvent, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";

/** The resource types this report covers. Their type tokens are part of every URN (`TYPE_PREFIX` + name). */
export const RESOURCE_TYPES = [
    "MembercardCallback",
    "ComplaintNotification",
    "BusifavorCallback",
    "ViolationNotification",
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** What comes before the type name in the type token of each of them. */
export const TYPE_PREFIX = "pulumi-nodejs:dynamic/wechatpay:";

/** The type token of every MembercardCallback (part of its URN). */
export const MEMBERCARD_CALLBACK_TYPE = `${TYPE_PREFIX}MembercardCallback`;

/** What the engine shows for a value that is not known during a preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Plans that put a new resource in place of the old one: for these resources, only another merchant does that. */
const REPLACING: ReadonlySet<OpType> = new Set<OpType>([
    "replace",
    "create-replacement",
    "delete-replaced",
    "discard-replaced",
]);

/** What the report says about one resource. */
export interface ResourceReport {
    /** The resource's name in the program (the last part of its URN). */
    resource: string;
    type: ResourceType;
    urn: string;
    /** The input the comparison is about: `notifyUrl`, or `mchid` when the plan replaces the resource. */
    field: "notifyUrl" | "mchid";
    /** The value the program declares (after config); null when it no longer declares the resource or it is unknown. */
    expected: string | null;
    /** The value WeChat Pay has now, as the refresh read it; null when none is set. */
    live: string | null;
    /** True when `pulumi up` would change this resource: the live setting is not what the program declares. */
    drift: boolean;
    /** What `pulumi up` would do to the resource after the refresh: `same`, `update`, `create`, … */
    plannedOp: OpType;
    /** Set when something needs explaining (e.g. an expected URL unknown until another resource exists). */
    note?: string;
}

/** The report the script prints, one JSON object. */
export interface DriftReport {
    stack: string;
    /** True when any resource in `resources` drifted. */
    drift: boolean;
    /** One entry per notification resource, in the order the engine reported them. */
    resources: ResourceReport[];
}

interface Observed {
    urn: string;
    type: ResourceType;
    /** The first step the plan has for it, other than the refresh itself. `same` if all steps are `same`. */
    plannedOp?: OpType;
    plan?: StepEventMetadata;
    /** Set once the refresh step's outputs were seen: the live outputs, or null when the resource is gone. */
    refreshed?: Record<string, unknown> | null;
}

/** The name part of a URN, `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function resourceName(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/** The resource type named by a type token, or undefined for anything that is not one of ours. */
export function resourceType(token: string): ResourceType | undefined {
    if (!token.startsWith(TYPE_PREFIX)) return undefined;
    const name = token.slice(TYPE_PREFIX.length);
    return RESOURCE_TYPES.find((t) => t === name);
}

function stringOrNull(value: unknown): string | null {
    return typeof value === "string" && value !== "" && value !== UNKNOWN ? value : null;
}

/** Collects what the events say about every notification resource, keyed by URN, in the order first seen. */
export function observe(events: Iterable<EngineEvent>): Map<string, Observed> {
    const seen = new Map<string, Observed>();
    for (const event of events) {
        const pre = event.resourcePreEvent?.metadata;
        const outputs = event.resOutputsEvent?.metadata;
        for (const meta of [pre, outputs]) {
            const type = meta === undefined ? undefined : resourceType(meta.type);
            if (meta === undefined || type === undefined) continue;
            let o = seen.get(meta.urn);
            if (o === undefined) {
                o = { urn: meta.urn, type };
                seen.set(meta.urn, o);
            }
            if (meta.op === "refresh") {
                // The refresh step's outputs are what `read` returned: the live setting. No new state: it is gone.
                if (meta === outputs) o.refreshed = meta.new?.outputs ?? null;
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

/** The report for one observed resource. */
function describeResource(o: Observed): ResourceReport {
    // After a refresh the plan's old state is the refreshed one, so it holds the live values too.
    const live = o.refreshed !== undefined ? o.refreshed : (o.plan?.old?.outputs ?? null);
    // Only refreshed, with no step of its own: an engine that does not report unchanged steps; nothing to do.
    const plannedOp = o.plannedOp ?? "same";
    // A replacement comes from another merchant (DESIGN: a changed `mchid` replaces); anything else is the URL.
    const field = REPLACING.has(plannedOp) ? "mchid" : "notifyUrl";
    const liveValue = stringOrNull(live?.[field]);
    const declared: unknown = o.plan === undefined ? liveValue : o.plan.new?.inputs?.[field];
    const report: ResourceReport = {
        resource: resourceName(o.urn),
        type: o.type,
        urn: o.urn,
        field,
        expected: plannedOp === "delete" ? null : stringOrNull(declared),
        live: liveValue,
        drift: plannedOp !== "same",
        plannedOp,
    };
    if (declared === UNKNOWN) {
        report.note = `${field} depends on a resource that does not exist yet; run \`pulumi up\` first`;
    } else if (plannedOp === "delete") {
        report.note = "the program no longer declares this resource: `pulumi up` would destroy it";
    } else if (field === "mchid" && declared === undefined) {
        report.note = "the program takes the merchant from `wechatpay:mchid`, which names another merchant now";
    }
    return report;
}

/**
 * Builds the report for every notification resource of the stack, or only those named `name`. Throws when there is
 * none (so a misconfigured check fails instead of passing on an empty report).
 */
export function buildReport(stack: string, events: Iterable<EngineEvent>, name?: string): DriftReport {
    const all = [...observe(events).values()];
    const chosen = name === undefined ? all : all.filter((o) => resourceName(o.urn) === name);
    if (chosen.length === 0) {
        const names = all.map((o) => `${resourceName(o.urn)} (${o.type})`).join(", ");
        throw new Error(
            name === undefined
                ? `stack ${stack} has no WeChat Pay notification resource (${RESOURCE_TYPES.join(", ")})`
                : `stack ${stack} has no notification resource named ${name}${names ? `; it has: ${names}` : ""}`,
        );
    }
    const resources = chosen.map(describeResource);
    return { stack, drift: resources.some((r) => r.drift), resources };
}
