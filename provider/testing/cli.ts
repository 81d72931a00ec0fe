#!/usr/bin/env node
/**
 * `wechatpay-emulator`: runs the WeChat Pay emulator for a demo or a manual test, prints how to point
 * pulumi-wechatpay at it, logs one line per request to stderr, and stops cleanly on SIGINT/SIGTERM.
 */

import { parseCliArgs, requestLine, setupText, USAGE, writeKeyFiles } from "./cliSetup";
import { startEmulator } from "./server";
import type { MerchantKind } from "./state";

async function main(): Promise<void> {
    let options: ReturnType<typeof parseCliArgs>;
    try {
        options = parseCliArgs(process.argv.slice(2));
    } catch (error) {
        process.stderr.write(`wechatpay-emulator: ${error instanceof Error ? error.message : String(error)}\n\n`);
        process.stderr.write(`${USAGE}\n`);
        process.exitCode = 2;
        return;
    }
    if (options.help) {
        process.stdout.write(`${USAGE}\n`);
        return;
    }

    const kind: MerchantKind = options.partner ? "partner" : "merchant";
    const merchant =
        options.notifyUrl === undefined
            ? { mchid: options.mchid, kind }
            : { mchid: options.mchid, notifyUrl: options.notifyUrl, kind };
    const emulator = await startEmulator({
        merchants: [merchant],
        port: options.port,
        onRequest: (request) => process.stderr.write(`${requestLine(request)}\n`),
    });
    const credentials = emulator.credentials();
    let files: Awaited<ReturnType<typeof writeKeyFiles>>;
    try {
        files = await writeKeyFiles(credentials, options.dir);
    } catch (error) {
        // Without the key files the emulator is of no use; do not leave it listening.
        await emulator.close();
        throw error;
    }
    process.stdout.write(`${setupText(emulator.baseUrl, credentials, files, kind)}\n`);

    const stop = (signal: NodeJS.Signals): void => {
        process.stderr.write(`Received ${signal}, stopping.\n`);
        // A second signal means "now": do not wait for close() again.
        process.once(signal, () => process.exit(130));
        emulator.close().then(
            () => process.stderr.write("Emulator stopped.\n"),
            (error: unknown) => {
                process.stderr.write(`Emulator did not close cleanly: ${String(error)}\n`);
                process.exitCode = 1;
            },
        );
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
    process.stderr.write(`wechatpay-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
});
