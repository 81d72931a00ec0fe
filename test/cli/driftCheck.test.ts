/**
 * examples/drift-check: the report built from engine events (pure), and the script's exit code 1 with a message
 * when it cannot run the preview. The real-CLI run is in quickstart.cli.test.ts.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { buildReport, MEMBERCARD_CALLBACK_TYPE } from "../../examples/drift-check/report";
import { REPO } from "../../harness";

const URN = `urn:pulumi:dev::wechatpay-quickstart::${MEMBERCARD_CALLBACK_TYPE}::membercard`;
const OURS = "https://api.example.com/wechatpay/membercard";
const DRIFTED = "https://someone-else.example.com/membercard-events";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

let sequence = 0;

function state(urn: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>) {
    return { type: MEMBERCARD_CALLBACK_TYPE, urn, id: "1900000001", parent: "", provider: "", inputs, outputs };
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
        type: MEMBERCARD_CALLBACK_TYPE,
        provider: "",
        ...(opts.old ? { old: state(urn, { ...opts.old.inputs }, { ...opts.old.outputs }) } : {}),
        ...(opts.new ? { new: state(urn, { ...opts.new.inputs }, { ...opts.new.outputs }) } : {}),
    };
    return { sequence: sequence++, timestamp: 0, [kind]: { metadata } };
}

/** The events of `preview --refresh` for one callback: refresh read `live`, then the planned step. */
function previewEvents(live: string | undefined, declared: string, op: OpType, urn = URN): EngineEvent[] {
    const stored = { inputs: { notifyUrl: OURS }, outputs: { notifyUrl: OURS, appliedNotifyUrl: OURS } };
    const refreshed =
        live === undefined
            ? undefined
            : { inputs: { notifyUrl: live }, outputs: { notifyUrl: live, appliedNotifyUrl: OURS } };
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
            new: { inputs: { notifyUrl: declared }, outputs: {} },
        }),
    ];
}

describe("buildReport", () => {
    it("no drift: the live URL is the declared one", () => {
        expect(buildReport("dev", previewEvents(OURS, OURS, "same"))).toEqual({
            stack: "dev",
            resource: URN,
            expectedNotifyUrl: OURS,
            liveNotifyUrl: OURS,
            drift: false,
            plannedOp: "same",
        });
    });

    it("drift: changed outside Pulumi, so the plan updates it", () => {
        expect(buildReport("dev", previewEvents(DRIFTED, OURS, "update"))).toMatchObject({
            expectedNotifyUrl: OURS,
            liveNotifyUrl: DRIFTED,
            drift: true,
            plannedOp: "update",
        });
    });

    it("drift: nothing set any more, so the plan creates it again", () => {
        expect(buildReport("dev", previewEvents(undefined, OURS, "create"))).toMatchObject({
            liveNotifyUrl: null,
            drift: true,
            plannedOp: "create",
        });
    });

    it("takes the live URL from the plan's refreshed old state when no refresh outputs were reported", () => {
        const events = previewEvents(DRIFTED, OURS, "update").filter((e) => e.resOutputsEvent === undefined);
        expect(buildReport("dev", events)).toMatchObject({ liveNotifyUrl: DRIFTED, drift: true });
    });

    it("an expected URL that is still unknown is null, with a note", () => {
        expect(buildReport("dev", previewEvents(OURS, UNKNOWN, "update"))).toMatchObject({
            expectedNotifyUrl: null,
            drift: true,
            note: expect.stringContaining("does not exist yet"),
        });
    });

    it("ignores other resources and picks the callback by name when there are several", () => {
        const other = `urn:pulumi:dev::p::${MEMBERCARD_CALLBACK_TYPE}::second`;
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
        expect(() => buildReport("dev", events)).toThrow("several MembercardCallbacks (membercard, second)");
        expect(buildReport("dev", events, "second")).toMatchObject({ resource: other, drift: true });
        expect(buildReport("dev", events, "membercard")).toMatchObject({ resource: URN, drift: false });
        expect(() => buildReport("dev", events, "third")).toThrow("no MembercardCallback named third");
    });

    it("a stack without a callback is an error", () => {
        expect(() => buildReport("dev", [])).toThrow("stack dev has no MembercardCallback");
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
