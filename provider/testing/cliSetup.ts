/**
 * The testable parts of the `wechatpay-emulator` command: argument parsing, key files, and the setup text.
 * cli.ts only wires them to the process.
 */

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_MCHID } from "./server";
import type { MerchantKind } from "./state";
import type { StateRequest } from "./stateDir";
import type { MerchantCredentials, RecordedRequest } from "./types";

/** Usage text for `--help` and argument errors. */
export const USAGE = `Usage: wechatpay-emulator [--port N] [--mchid ID] [--notify-url URL] [--partner]
                          [--dir DIR | --state-dir DIR]

Starts a WeChat Pay APIv3 emulator (member-card callback, complaint notification, merchant-coupon
callback and violation notification APIs) on 127.0.0.1 and prints the Pulumi config and environment
lines that point pulumi-wechatpay at it.

  --port N          port to listen on (default: 0, the OS picks one)
  --mchid ID        merchant id (default: ${DEFAULT_MCHID})
  --notify-url URL  member-card callback URL the merchant already has set (default: none)
  --partner         make the merchant a service provider (服务商), which may also set
                    ViolationNotification (default: a direct merchant)
  --dir DIR         where to write the key files (default: a new temporary folder)
  --state-dir DIR   keep keys, port and settings in DIR (created, mode 0700): the first start
                    makes them, every later start with the same DIR reuses them, so a stack
                    deployed against the emulator can still refresh and destroy after a restart.
                    Later starts need no other flag; one that differs from DIR's is an error.
                    Delete DIR to start over with new keys.
  -h, --help        show this text`;

/** Parsed command line. */
export interface CliOptions {
    port: number;
    mchid: string;
    notifyUrl?: string;
    /** The merchant is a service provider (only then does the violation API answer). */
    partner?: true;
    dir?: string;
    /** `--state-dir`: keep keys and settings across restarts (see stateDir.ts). */
    stateDir?: string;
    /**
     * The flags given explicitly, recorded with `--state-dir` only: a later start checks them against what the folder
     * holds, and takes the folder's values for the rest.
     */
    given?: StateRequest;
    help: boolean;
}

function parseFlags(argv: readonly string[]) {
    try {
        return parseArgs({
            args: [...argv],
            options: {
                port: { type: "string" },
                mchid: { type: "string" },
                "notify-url": { type: "string" },
                dir: { type: "string" },
                "state-dir": { type: "string" },
                partner: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (error) {
        // parseArgs' own errors read well ("Unknown option '--prot'"); only their type changes.
        throw new TypeError(error instanceof Error ? error.message : String(error));
    }
}

/** Parses the command line; throws a TypeError with a readable message on bad input. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
    const values = parseFlags(argv);
    const portText = values.port ?? "0";
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) {
        throw new TypeError(`--port must be a number from 0 to 65535, got ${portText}`);
    }
    const options: CliOptions = { port, mchid: values.mchid ?? DEFAULT_MCHID, help: values.help === true };
    if (values["notify-url"] !== undefined) {
        options.notifyUrl = values["notify-url"];
    }
    if (values.dir !== undefined) {
        options.dir = resolve(values.dir);
    }
    if (values.partner === true) {
        options.partner = true;
    }
    if (values["state-dir"] !== undefined) {
        if (values.dir !== undefined) {
            throw new TypeError("--dir and --state-dir do not go together: with --state-dir the key files are in DIR.");
        }
        options.stateDir = resolve(values["state-dir"]);
        const given: StateRequest = {};
        if (values.port !== undefined) given.port = port;
        if (values.mchid !== undefined) given.mchid = values.mchid;
        if (values.partner === true) given.partner = true;
        if (values["notify-url"] !== undefined) given.notifyUrl = values["notify-url"];
        options.given = given;
    }
    return options;
}

/** Where the key files went. */
export interface KeyFiles {
    dir: string;
    /** The merchant private key (mode 0600). */
    privateKey: string;
    /** WeChat Pay's public key (public-key mode). */
    publicKey: string;
    /** The platform-certificate identity's public key (platform-certificate mode). */
    platformPublicKey: string;
}

/** Writes the key files into `dir` (created if needed) or into a new temporary folder. */
export async function writeKeyFiles(credentials: MerchantCredentials, dir?: string): Promise<KeyFiles> {
    let target: string;
    if (dir === undefined) {
        // mkdtemp creates the folder with mode 0700.
        target = await mkdtemp(join(tmpdir(), "wechatpay-emulator-"));
    } else {
        target = dir;
        await mkdir(target, { recursive: true, mode: 0o700 });
    }
    const files: KeyFiles = {
        dir: target,
        privateKey: join(target, "apiclient_key.pem"),
        publicKey: join(target, "pub_key.pem"),
        platformPublicKey: join(target, "platform_pub_key.pem"),
    };
    // Created fresh with 0600 so the private key is never readable by others, not even for a moment
    // (writeFile's mode does not apply to a file that already exists).
    await rm(files.privateKey, { force: true });
    await writeFile(files.privateKey, credentials.privateKey, { mode: 0o600, flag: "wx" });
    await writeFile(files.publicKey, credentials.publicKey);
    await writeFile(files.platformPublicKey, credentials.platformPublicKey);
    return files;
}

/** Quotes a word for POSIX shells when it needs it. */
export function shellQuote(word: string): string {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The text printed at start-up: base URL, Pulumi config lines and env lines. Holds no key material. */
export function setupText(
    baseUrl: string,
    credentials: MerchantCredentials,
    files: KeyFiles,
    kind: MerchantKind = "merchant",
    stateDir?: string,
): string {
    const q = shellQuote;
    return [
        `WeChat Pay emulator listening on ${baseUrl} (merchant ${credentials.mchid})`,
        `Key files: ${files.dir}`,
        ...(stateDir === undefined
            ? []
            : [`State kept in ${stateDir}: restart with --state-dir ${q(stateDir)} for the same keys and settings.`]),
        "",
        "# Pulumi stack config:",
        `pulumi config set wechatpay:baseUrl ${q(baseUrl)}`,
        `pulumi config set wechatpay:mchid ${q(credentials.mchid)}`,
        `pulumi config set wechatpay:serial ${q(credentials.serial)}`,
        `pulumi config set --secret wechatpay:privateKey "$(cat ${q(files.privateKey)})"`,
        `pulumi config set wechatpay:publicKeyId ${q(credentials.publicKeyId)}`,
        `pulumi config set wechatpay:publicKey ${q(files.publicKey)}`,
        "",
        "# Or environment variables:",
        `export WECHATPAY_BASE_URL=${q(baseUrl)}`,
        `export WECHATPAY_MCHID=${q(credentials.mchid)}`,
        `export WECHATPAY_SERIAL=${q(credentials.serial)}`,
        `export WECHATPAY_PRIVATE_KEY=${q(files.privateKey)}`,
        `export WECHATPAY_PUBLIC_KEY_ID=${q(credentials.publicKeyId)}`,
        `export WECHATPAY_PUBLIC_KEY=${q(files.publicKey)}`,
        "",
        "# Platform-certificate mode instead: use these two in place of the public key ones.",
        `#   wechatpay:publicKeyId / WECHATPAY_PUBLIC_KEY_ID = ${credentials.platformSerial}`,
        `#   wechatpay:publicKey / WECHATPAY_PUBLIC_KEY = ${files.platformPublicKey}`,
        "",
        "# The same config serves every resource: MembercardCallback, ComplaintNotification, BusifavorCallback,",
        kind === "partner"
            ? "# and ViolationNotification (this merchant is a service provider)."
            : "# and ViolationNotification only for service providers: restart with --partner to use it.",
        "",
        "Ctrl-C stops the emulator.",
    ].join("\n");
}

/** One log line per request: no body, no headers, so nothing secret. */
export function requestLine(request: RecordedRequest): string {
    const code = request.code === undefined ? "" : ` ${request.code}`;
    const fault = request.fault === undefined ? "" : ` [fault: ${request.fault}]`;
    const status = request.status === 0 ? "dropped" : String(request.status);
    return `${new Date(request.at).toISOString()} ${request.method} ${request.path} → ${status}${code}${fault}`;
}
