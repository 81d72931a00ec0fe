/**
 * The WeChat Pay emulator for `npm run bench`, in a process of its own.
 *
 * Why a child process rather than a worker thread: the emulator signs every reply with RSA-2048, and the bench
 * measures latency in its own event loop and peak RSS of other processes. A child process keeps the emulator's CPU
 * off the measuring event loop (as a worker would) and also keeps its heap, its request log and its libuv thread
 * pool out of the bench process, whose `rss` the in-process numbers would otherwise include.
 *
 * Run on its own (`npx tsx scripts/bench/emulator.ts`) it prints one JSON line (base URL and both merchants'
 * credentials) and serves until interrupted. Forked with an IPC channel it also answers {@link EmulatorCommand}s.
 */

import { startEmulator } from "../../provider/testing";

// Not exported: the bench imports only this file's types, so that importing it never starts a second emulator.
/** The merchant the provider (through Pulumi's provider host) acts as. */
const PROVIDER_MCHID = "1900000001";
/** The merchant the direct baseline acts as: its requests are counted apart, by the mchid of their signature. */
const DIRECT_MCHID = "1900000002";
/** The URL both merchants have set when the emulator starts or is reset. */
const INITIAL_URL = "https://old.example.com/wechatpay/membercard";

/** What one merchant needs to sign requests to the emulator. */
export interface BenchCredentials {
    mchid: string;
    serial: string;
    privateKey: string;
    publicKeyId: string;
    publicKey: string;
}

/** The first (and only) stdout line. */
export interface EmulatorReady {
    baseUrl: string;
    /** What both merchants have set at start and after every reset. */
    initialUrl: string;
    provider: BenchCredentials;
    direct: BenchCredentials;
}

export type EmulatorCommand =
    /** Requests answered since the last reset, keyed `<mchid> <METHOD> <status>`. */
    | { id: number; op: "counts" }
    /** Settings back to the initial URL, request log and nonces cleared. */
    | { id: number; op: "reset" }
    /** The next `times` requests are answered `ms` later (the emulator's `delay` fault), like a distant API. */
    | { id: number; op: "delay"; ms: number; times: number };

export interface EmulatorAnswer {
    id: number;
    counts?: Record<string, number>;
    error?: string;
}

async function main(): Promise<void> {
    const counts = new Map<string, number>();
    const emulator = await startEmulator({
        merchants: [
            { mchid: PROVIDER_MCHID, notifyUrl: INITIAL_URL },
            { mchid: DIRECT_MCHID, notifyUrl: INITIAL_URL },
        ],
        onRequest: (r) => {
            const key = `${r.mchid ?? "?"} ${r.method} ${r.status}`;
            counts.set(key, (counts.get(key) ?? 0) + 1);
        },
    });
    const pick = (mchid: string): BenchCredentials => {
        const c = emulator.credentials(mchid);
        return {
            mchid: c.mchid,
            serial: c.serial,
            privateKey: c.privateKey,
            publicKeyId: c.publicKeyId,
            publicKey: c.publicKey,
        };
    };
    const ready: EmulatorReady = {
        baseUrl: emulator.baseUrl,
        initialUrl: INITIAL_URL,
        provider: pick(PROVIDER_MCHID),
        direct: pick(DIRECT_MCHID),
    };
    process.stdout.write(`${JSON.stringify(ready)}\n`);

    const stop = (): void => {
        emulator.close().then(
            () => process.exit(0),
            () => process.exit(1),
        );
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);

    const send = process.send?.bind(process);
    if (send === undefined) {
        return;
    }
    process.on("message", (message: EmulatorCommand) => {
        const answer: EmulatorAnswer = { id: message.id };
        switch (message.op) {
            case "counts":
                answer.counts = Object.fromEntries(counts);
                break;
            case "reset":
                // The request log grows with every request; the bench resets between phases to keep it small.
                emulator.reset();
                counts.clear();
                break;
            case "delay":
                emulator.failNext({ kind: "delay", ms: message.ms }, message.times);
                break;
            default:
                answer.error = `unknown command ${JSON.stringify(message)}`;
        }
        send(answer);
    });
    // The parent going away (even killed) closes the channel: do not outlive it.
    process.once("disconnect", stop);
}

main().catch((error: unknown) => {
    process.stderr.write(
        `bench emulator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
});
