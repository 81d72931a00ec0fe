/** The bench's side of the emulator (emulator.ts), forked so its RSA signing stays off the measuring event loop. */

import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import type { EmulatorAnswer, EmulatorCommand, EmulatorReady } from "./emulator";
import { plainEnv } from "./env";
import { REPO } from "./settings";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class EmulatorProcess {
    private nextId = 1;
    private readonly waiting = new Map<number, (answer: EmulatorAnswer) => void>();

    private constructor(
        private readonly child: ChildProcess,
        readonly ready: EmulatorReady,
    ) {
        child.on("message", (answer: EmulatorAnswer) => {
            this.waiting.get(answer.id)?.(answer);
            this.waiting.delete(answer.id);
        });
    }

    static async start(): Promise<EmulatorProcess> {
        const child = fork(join(__dirname, "emulator.ts"), [], {
            cwd: REPO,
            execArgv: ["--import", "tsx"],
            env: plainEnv(),
            stdio: ["ignore", "pipe", "inherit", "ipc"],
        });
        const ready = await new Promise<EmulatorReady>((done, fail) => {
            let text = "";
            child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
                text += chunk;
                const nl = text.indexOf("\n");
                if (nl >= 0) {
                    done(JSON.parse(text.slice(0, nl)) as EmulatorReady);
                }
            });
            child.once("exit", (code) => fail(new Error(`emulator exited (${code}) before it was ready`)));
        });
        return new EmulatorProcess(child, ready);
    }

    private command(command: DistributiveOmit<EmulatorCommand, "id">): Promise<EmulatorAnswer> {
        const id = this.nextId++;
        return new Promise((done, fail) => {
            this.waiting.set(id, (answer) =>
                answer.error === undefined ? done(answer) : fail(new Error(answer.error)),
            );
            this.child.send({ ...command, id } satisfies EmulatorCommand);
        });
    }

    async reset(): Promise<void> {
        await this.command({ op: "reset" });
    }

    /** The next `times` requests are answered `ms` later. */
    async delay(ms: number, times: number): Promise<void> {
        await this.command({ op: "delay", ms, times });
    }

    /** Requests since the last reset, as `{ "<mchid> <METHOD> <status>": n }`. */
    async counts(): Promise<Record<string, number>> {
        return (await this.command({ op: "counts" })).counts ?? {};
    }

    close(): void {
        if (this.child.exitCode === null && this.child.signalCode === null) {
            this.child.kill("SIGTERM");
        }
    }
}

/** Sums the counts of one merchant: `{ "GET 200": n, … }`. */
export function countsOf(
    counts: Record<string, number>,
    mchid: string,
): { total: number; byCall: Record<string, number> } {
    const byCall: Record<string, number> = {};
    let total = 0;
    for (const [key, n] of Object.entries(counts)) {
        const [who, method, status] = key.split(" ");
        if (who === mchid) {
            byCall[`${method} ${status}`] = n;
            total += n;
        }
    }
    return { total, byCall };
}
