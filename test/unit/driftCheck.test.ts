/**
 * examples/drift-check: the report built from engine events (pure) for each of the four resource types, and the
 * script's exit code 1 with a message when it cannot run the preview. The real-CLI run is in test/realcli/quickstart.realcli.test.ts.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import {
    buildReport,
    MEMBERCARD_CALLBACK_TYPE,
    RESOURCE_TYPES,
    type ResourceType,
    TYPE_PREFIX,
} from "../../examples/drift-check/report";
import { MCHID, REPO } from "../../harness";
import { UNKNOWN } from "../../provider/validate";

const OURS = "https://api.example.com/wechatpay/events";
const DRIFTED = "https://someone-else.example.com/events";

/** The URN of a resource of `type` named `name` in stack dev. */
const urnOf = (type: ResourceType, name: string) => `urn:pulumi:dev::infra::${TYPE_PREFIX}${type}::${name}`;
const URN = urnOf("MembercardCallback", "membercard");

let sequence = 0;

function state(urn: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>) {
    return { type: typeOf(urn), urn, id: MCHID, parent: "", provider: "", inputs, outputs };
}

/** The type token inside a URN. */
function typeOf(urn: string): string {
    return urn.split("::")[2] ?? "";
}

/** A step event as the CLI's event log carries it. */
function stepEvent(
    kind: "resourcePreEvent" | "resOutputsEvent",
    op: OpType,
    opts: { urn?: string; old?: { inputs: object; outputs: object }; new?: { inputs: object; outputs: object } },
): EngineEvent {
    const urn = opts.urn ?? URN;
    const metadata = {
        op,
        urn,
        type: typeOf(urn),
        provider: "",
        ...(opts.old ? { old: state(urn, { ...opts.old.inputs }, { ...opts.old.outputs }) } : {}),
        ...(opts.new ? { new: state(urn, { ...opts.new.inputs }, { ...opts.new.outputs }) } : {}),
    };
    return { sequence: sequence++, timestamp: 0, [kind]: { metadata } };
}

/**
 * The events of `preview --refresh` for one resource: refresh read `live` (undefined: nothing set), then the planned
 * step with the `declared` inputs.
 */
function previewEvents(
    live: string | undefined,
    declared: Record<string, unknown> | string,
    op: OpType,
    urn = URN,
): EngineEvent[] {
    const stored = {
        inputs: { notifyUrl: OURS },
        outputs: { notifyUrl: OURS, appliedNotifyUrl: OURS, mchid: MCHID },
    };
    const refreshed =
        live === undefined
            ? undefined
            : { inputs: { notifyUrl: live }, outputs: { notifyUrl: live, appliedNotifyUrl: OURS, mchid: MCHID } };
    const inputs = typeof declared === "string" ? { notifyUrl: declared } : declared;
    return [
        stepEvent("resourcePreEvent", "refresh", { urn, old: stored }),
        stepEvent(
            "resOutputsEvent",
            "refresh",
            refreshed ? { urn, old: stored, new: refreshed } : { urn, old: stored },
        ),
        stepEvent("resourcePreEvent", op, {
            urn,
            ...(refreshed ? { old: refreshed } : {}),
            new: { inputs, outputs: {} },
        }),
    ];
}

describe("buildReport", () => {
    it("the membercard type token is the one in DESIGN.md", () => {
        expect(MEMBERCARD_CALLBACK_TYPE).toBe("pulumi-nodejs:dynamic/wechatpay:MembercardCallback");
    });

    describe.each(RESOURCE_TYPES)("a stack with only a %s", (type) => {
        const urn = urnOf(type, "events");

        it("no drift: the live URL is the declared one; exit 0", () => {
            expect(buildReport("dev", previewEvents(OURS, OURS, "same", urn))).toEqual({
                stack: "dev",
                drift: false,
                resources: [
                    {
                        resource: "events",
                        type,
                        urn,
                        field: "notifyUrl",
                        expected: OURS,
                        live: OURS,
                        drift: false,
                        plannedOp: "same",
                    },
                ],
            });
        });

        it("drift: changed outside Pulumi, so the plan updates it; the report names resource, type and field", () => {
            expect(buildReport("dev", previewEvents(DRIFTED, OURS, "update", urn))).toEqual({
                stack: "dev",
                drift: true,
                resources: [
                    {
                        resource: "events",
                        type,
                        urn,
                        field: "notifyUrl",
                        expected: OURS,
                        live: DRIFTED,
                        drift: true,
                        plannedOp: "update",
                    },
                ],
            });
        });

        it("drift: nothing set any more, so the plan creates it again", () => {
            expect(buildReport("dev", previewEvents(undefined, OURS, "create", urn))).toMatchObject({
                drift: true,
                resources: [{ type, field: "notifyUrl", expected: OURS, live: null, plannedOp: "create" }],
            });
        });
    });

    it("complaint drift with a clean member card is drift, and names the complaint resource", () => {
        const complaints = urnOf("ComplaintNotification", "complaints");
        const report = buildReport("dev", [
            ...previewEvents(OURS, OURS, "same"),
            ...previewEvents(DRIFTED, OURS, "update", complaints),
        ]);
        expect(report.drift).toBe(true);
        expect(report.resources.map((r) => [r.resource, r.type, r.drift])).toEqual([
            ["membercard", "MembercardCallback", false],
            ["complaints", "ComplaintNotification", true],
        ]);
    });

    it("all four in one stack, one drifted: one entry each, in the engine's order", () => {
        const events = RESOURCE_TYPES.flatMap((type) =>
            previewEvents(
                type === "BusifavorCallback" ? DRIFTED : OURS,
                OURS,
                type === "BusifavorCallback" ? "update" : "same",
                urnOf(type, type.toLowerCase()),
            ),
        );
        const report = buildReport("dev", events);
        expect(report.drift).toBe(true);
        expect(report.resources.map((r) => `${r.type}:${r.drift}`)).toEqual([
            "MembercardCallback:false",
            "ComplaintNotification:false",
            "BusifavorCallback:true",
            "ViolationNotification:false",
        ]);
    });

    it("takes the live URL from the plan's refreshed old state when no refresh outputs were reported", () => {
        const events = previewEvents(DRIFTED, OURS, "update").filter((e) => e.resOutputsEvent === undefined);
        expect(buildReport("dev", events).resources).toMatchObject([{ live: DRIFTED, drift: true }]);
    });

    it("an expected URL that is still unknown is null, with a note", () => {
        expect(buildReport("dev", previewEvents(OURS, UNKNOWN, "update")).resources).toMatchObject([
            { expected: null, drift: true, note: expect.stringContaining("does not exist yet") },
        ]);
    });

    it("another merchant replaces the resource: the field is mchid", () => {
        const events = previewEvents(OURS, { notifyUrl: OURS, mchid: "1900000002" }, "replace");
        expect(buildReport("dev", events).resources).toMatchObject([
            { field: "mchid", expected: "1900000002", live: MCHID, drift: true, plannedOp: "replace" },
        ]);
    });

    it("a resource the program no longer declares: expected is null, with a note", () => {
        expect(buildReport("dev", previewEvents(OURS, OURS, "delete")).resources).toMatchObject([
            { expected: null, live: OURS, drift: true, note: expect.stringContaining("would destroy it") },
        ]);
    });

    it("ignores other resources and reports only the named ones with --resource", () => {
        const other = urnOf("ViolationNotification", "second");
        const events = [
            ...previewEvents(OURS, OURS, "same"),
            ...previewEvents(DRIFTED, OURS, "update", other),
            {
                sequence: sequence++,
                timestamp: 0,
                resourcePreEvent: {
                    metadata: {
                        op: "update",
                        urn: "urn:pulumi:dev::p::random:index:Pet::x",
                        type: "random:index:Pet",
                        provider: "",
                    },
                },
            } satisfies EngineEvent,
        ];
        expect(buildReport("dev", events).resources.map((r) => r.resource)).toEqual(["membercard", "second"]);
        expect(buildReport("dev", events, "second")).toMatchObject({ drift: true, resources: [{ urn: other }] });
        expect(buildReport("dev", events, "membercard")).toMatchObject({ drift: false, resources: [{ urn: URN }] });
        expect(() => buildReport("dev", events, "third")).toThrow(
            "no notification resource named third; it has: membercard (MembercardCallback), second (ViolationNotification)",
        );
    });

    it("a stack without any of the four is an error", () => {
        expect(() => buildReport("dev", [])).toThrow("stack dev has no WeChat Pay notification resource");
    });
});

describe("drift-check.ts", () => {
    it("exits with 1 and says why on stderr when the preview cannot run", async () => {
        const tsx = join(REPO, "node_modules", ".bin", "tsx");
        const script = join(REPO, "examples", "drift-check", "drift-check.ts");
        // No `pulumi` on this PATH (node's own folder only), so this fails the same way with or without a CLI.
        const env = { ...process.env, PATH: join(process.execPath, "..") };
        const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
            execFile(tsx, [script, "--stack", "dev"], { cwd: REPO, env, timeout: 60_000 }, (error, stdout, stderr) => {
                resolve({
                    code: error === null ? 0 : typeof error.code === "number" ? error.code : null,
                    stdout,
                    stderr,
                });
            });
        });
        expect(result).toEqual({
            code: 1,
            stdout: "",
            stderr: expect.stringContaining(
                "drift-check: the Pulumi CLI (`pulumi`, 3.216 or newer) was not found on PATH",
            ),
        });
    }, 60_000);

    it("exits with 1 and shows the usage without --stack", async () => {
        const tsx = join(REPO, "node_modules", ".bin", "tsx");
        const script = join(REPO, "examples", "drift-check", "drift-check.ts");
        const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
            execFile(tsx, [script], { cwd: REPO, timeout: 60_000 }, (error, _stdout, stderr) => {
                resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stderr });
            });
        });
        expect(result).toEqual({ code: 1, stderr: expect.stringContaining("--stack is required. Usage: drift-check") });
    }, 60_000);
});
