/** What both paths of `npm run demo` share: the story's values, its output, and a step runner. */

import { STORY } from "../../harness";
import type { Emulator } from "../../provider/testing";

export const { mchid: MCHID, before: BEFORE, ours: OURS, drifted: DRIFTED, stack: STACK } = STORY;

export function say(text: string): void {
    process.stdout.write(`▶ ${text}\n`);
}

/**
 * Runs `work`; from 2 s on, shows that it is still running: one line rewritten in place on a terminal, otherwise a
 * line at 2 s and every 5 s after.
 */
export async function withProgress<T>(label: string, work: Promise<T>): Promise<T> {
    const started = Date.now();
    const tty = process.stdout.isTTY === true;
    let shown = false;
    const tick = () => {
        const text = `  … ${label} (${Math.round((Date.now() - started) / 1000)} s)`;
        process.stdout.write(tty ? `\r${text}` : `${text}\n`);
        shown = true;
    };
    let timer = setTimeout(function next() {
        tick();
        timer = setTimeout(next, tty ? 1_000 : 5_000);
    }, 2_000);
    try {
        return await work;
    } finally {
        clearTimeout(timer);
        if (tty && shown) process.stdout.write("\r\x1b[K");
    }
}

/** The first useful line of an error: a failed CLI command's own stderr rather than the wrapper's dump. */
export function errorText(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    // `commandResult` is private in the Automation API's typings; it is there at run time on every CommandError.
    // When the CLI exits non-zero, its `stderr` holds execa's summary and `err.stderr` the CLI's own output
    // (automation/cmd.ts `exec`).
    const result = (error as { commandResult?: { stderr?: unknown; err?: { stderr?: unknown } } }).commandResult;
    const stderr = [result?.err?.stderr, result?.stderr].find((t) => typeof t === "string" && t.trim() !== "");
    const text = typeof stderr === "string" ? stderr : error.message;
    return (
        text
            .split("\n")
            .map((l) => l.trim())
            .find((l) => l !== "") ?? error.name
    );
}

export interface StepResult {
    title: string;
    ok: boolean;
    outcome: string;
    requests: string[];
    liveAfter: string | undefined;
}

/** Runs one step and records what WeChat Pay (the emulator) saw during it and the live URL afterwards. */
export async function step(
    emulator: Emulator,
    title: string,
    run: () => Promise<{ ok: boolean; outcome: string }>,
): Promise<StepResult> {
    process.stdout.write(`\n━━ ${title} ━━\n`);
    const before = emulator.requests.length;
    let result: { ok: boolean; outcome: string };
    try {
        result = await withProgress(title, run());
    } catch (error) {
        result = { ok: false, outcome: `failed: ${errorText(error)}` };
    }
    const requests = emulator.requests.slice(before).map((r) => `${r.method} ${r.status === 0 ? "dropped" : r.status}`);
    process.stdout.write(`  WeChat Pay API calls: ${requests.length > 0 ? requests.join(", ") : "none"}\n`);
    return { title, ...result, requests, liveAfter: emulator.notifyUrl(MCHID) };
}

/** The change someone makes in the Pay platform, outside Pulumi. */
export function changeOutsidePulumi(emulator: Emulator): StepResult {
    process.stdout.write(`\n━━ someone changes the URL in the WeChat Pay merchant platform ━━\n`);
    emulator.setNotifyUrl(DRIFTED, MCHID);
    process.stdout.write(`  live URL is now ${DRIFTED}\n`);
    return {
        title: "change outside Pulumi",
        ok: true,
        outcome: `the live URL is now ${DRIFTED}`,
        requests: [],
        liveAfter: emulator.notifyUrl(MCHID),
    };
}

/** Runs the steps in order and stops at the first that fails: later ones would only repeat its error. */
export async function runSteps(steps: Array<() => Promise<StepResult> | StepResult>): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const next of steps) {
        const result = await next();
        results.push(result);
        if (!result.ok) break;
    }
    return results;
}

export function printSummary(results: StepResult[], total: number): void {
    const lines = ["", `Summary (WeChat Pay emulator, merchant ${MCHID}; before the demo: ${BEFORE})`];
    results.forEach((r, i) => {
        lines.push(`  ${r.ok ? "✓" : "✗"} ${i + 1}. ${r.title}: ${r.outcome}`);
        lines.push(
            `       WeChat Pay API calls: ${r.requests.length > 0 ? r.requests.join(", ") : "none"} · live URL after: ${r.liveAfter ?? "none"}`,
        );
    });
    if (results.length < total) lines.push(`  (stopped: ${total - results.length} more step(s) not run)`);
    lines.push("");
    process.stdout.write(lines.join("\n"));
}
