#!/usr/bin/env node

/**
 * `wechatpay-emulator`: runs the WeChat Pay emulator for a demo or a manual test, prints how to point
 * pulumi-wechatpay at it, logs one line per request to stderr, and stops cleanly on SIGINT/SIGTERM.
 */

import { join } from "node:path";
import { parseCliArgs, requestLine, setupText, USAGE, writeKeyFiles } from "./cliSetup";
import { startEmulator } from "./server";
import type { MerchantKind } from "./state";
import { IDENTITY_FILE, type OpenedState, openStateDir, SETTINGS_FILE, type StateMerchant } from "./stateDir";

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

    const requested: StateMerchant = {
        mchid: options.mchid,
        kind: options.partner ? "partner" : "merchant",
        ...(options.notifyUrl === undefined ? {} : { notifyUrl: options.notifyUrl }),
    };
    const kept =
        options.stateDir === undefined
            ? undefined
            : await openStateDir(options.stateDir, [requested], options.port, options.given ?? {});
    const merchants = kept?.merchants ?? [requested];
    const kind: MerchantKind = merchants[0]?.kind ?? requested.kind;
    const emulator = await startEmulator({
        merchants: [...merchants],
        port: kept?.port ?? options.port,
        onRequest: (request) => process.stderr.write(`${requestLine(request)}\n`),
        ...(kept === undefined ? {} : { keys: kept.keys, onSettingsChange: saveOrSay(kept) }),
    }).catch((error: unknown) => {
        throw kept === undefined || kept.fresh ? error : portTaken(error, kept);
    });
    const credentials = emulator.credentials();
    let files: Awaited<ReturnType<typeof writeKeyFiles>>;
    try {
        files = await writeKeyFiles(credentials, kept?.dir ?? options.dir);
        if (kept?.fresh === true) {
            // Last: only a folder with identity.json is a kept state, so a start killed before this one starts over.
            kept.saveIdentity(Number(new URL(emulator.baseUrl).port));
        }
    } catch (error) {
        // Without the key files the emulator is of no use; do not leave it listening.
        await emulator.close();
        throw error;
    }
    if (kept !== undefined) {
        process.stderr.write(
            kept.fresh ? `New keys kept in ${kept.dir}.\n` : `Keys, port and settings restored from ${kept.dir}.\n`,
        );
    }
    process.stdout.write(`${setupText(emulator.baseUrl, credentials, files, kind, kept?.dir)}\n`);

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

/** Saves through `kept`; a failure (a full disk) refuses the change, and the operator is told why here. */
function saveOrSay(kept: OpenedState): OpenedState["saveSettings"] {
    return (settings) => {
        try {
            kept.saveSettings(settings);
        } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            process.stderr.write(`Could not save ${join(kept.dir, SETTINGS_FILE)} (${reason}); change refused.\n`);
            throw error;
        }
    };
}

/** A restart cannot move to another port: the stack's `wechatpay:baseUrl` names the kept one. */
function portTaken(error: unknown, kept: OpenedState): unknown {
    if ((error as NodeJS.ErrnoException | undefined)?.code !== "EADDRINUSE") {
        return error;
    }
    return new Error(
        `Port ${kept.port}, kept in ${join(kept.dir, IDENTITY_FILE)}, is in use (another wechatpay-emulator with ` +
            "this --state-dir?). Stop what holds it, or delete the folder to start over with new keys and a new port.",
    );
}

main().catch((error: unknown) => {
    process.stderr.write(`wechatpay-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
});
