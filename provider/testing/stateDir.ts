/**
 * The `--state-dir` folder of the `wechatpay-emulator` command: the emulator's keys and notify settings kept across
 * restarts, so a restarted emulator answers as the same WeChat Pay (same port, serials and `PUB_KEY_ID_…`, same
 * settings) and a stack deployed against it can still refresh and destroy.
 *
 * - `identity.json` (0600): what the first start fixed (port, merchants, every key), written once.
 * - `settings.json` (0600): every merchant's settings, rewritten before each change takes effect.
 * Both are replaced by a rename, never written in place, so a kill at any moment leaves the old or the new file.
 */

import {
    chmodSync,
    closeSync,
    fsyncSync,
    mkdirSync,
    openSync,
    readdirSync,
    readFileSync,
    renameSync,
    rmSync,
    writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
    type EmulatorKeys,
    generateMerchantKeys,
    merchantKeysFrom,
    privateKeyPem,
    type SigningIdentity,
    signingIdentity,
    wechatpayIdentitiesAt,
} from "./keys";
import { assertMchid, type MerchantKind, SETTING_NAMES, type SettingName, type Settings } from "./state";

/** Written once, at the first start. */
export const IDENTITY_FILE = "identity.json";
/** Rewritten on every change. */
export const SETTINGS_FILE = "settings.json";
/** The user-facing key files the CLI writes next to them (see cliSetup.ts). */
const KEY_FILES = ["apiclient_key.pem", "pub_key.pem", "platform_pub_key.pem"];
const OWN_FILES = new Set([IDENTITY_FILE, SETTINGS_FILE, ...KEY_FILES].flatMap((name) => [name, `${name}.tmp`]));

/** Bumped when a file's shape changes; a folder of another version is refused, never guessed at. */
const VERSION = 1;
const IDENTITY_FORMAT = "wechatpay-emulator/identity";
const SETTINGS_FORMAT = "wechatpay-emulator/settings";

/** One merchant as the emulator is started with it. */
export interface StateMerchant {
    readonly mchid: string;
    readonly kind: MerchantKind;
    /** The member-card URL the first start was given (`--notify-url`), if any. */
    readonly notifyUrl?: string;
}

/** What the command line asked for explicitly; on a later start each must match what the folder holds. */
export interface StateRequest {
    port?: number;
    mchid?: string;
    partner?: true;
    notifyUrl?: string;
}

/** A state folder, ready to start an emulator from. */
export interface OpenedState {
    readonly dir: string;
    /** True at the first start: keys were just made, and {@link OpenedState.saveIdentity} must be called. */
    readonly fresh: boolean;
    /** The port to listen on: the stored one on a later start. */
    readonly port: number;
    /** As `startEmulator`'s `merchants` option takes them, with the kept settings. */
    readonly merchants: ReadonlyArray<{ mchid: string; kind: MerchantKind; settings: Settings }>;
    /** By merchant position, as `startEmulator`'s `keys` option takes them. */
    readonly keys: readonly EmulatorKeys[];
    /** Saves the settings (as `startEmulator`'s `onSettingsChange`). */
    saveSettings(settings: ReadonlyMap<string, Settings>): void;
    /** At the first start, once the port is known: writes identity.json, which makes the folder a kept state. */
    saveIdentity(port: number): void;
}

function fix(dir: string): string {
    return `Delete ${dir} to start over with new keys, or choose another --state-dir.`;
}

/** A state-folder problem: the message names the file and the fix. */
export class StateDirError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StateDirError";
    }
}

/**
 * Opens `dir` for `--state-dir`: loads what an earlier start kept (checking it against `request`), or, when there is
 * none, makes the folder (0700) and new keys for `merchants` and saves their settings.
 */
export async function openStateDir(
    dir: string,
    merchants: readonly StateMerchant[],
    port: number,
    request: StateRequest,
): Promise<OpenedState> {
    const entries = listFolder(dir);
    if (entries?.includes(IDENTITY_FILE)) {
        tighten(dir, 0o700);
        const stored = readIdentity(dir);
        checkRequest(dir, stored, request);
        const settings = readSettings(dir, stored.merchants);
        return opened(dir, false, stored.port, stored.merchants, settings, stored.keys);
    }
    const strangers = (entries ?? []).filter((name) => !OWN_FILES.has(name));
    if (strangers.length > 0) {
        throw new StateDirError(
            `--state-dir ${dir} is not empty and holds no wechatpay-emulator state (it has ${strangers.slice(0, 3).join(", ")}` +
                `${strangers.length > 3 ? ", …" : ""}): choose an empty or new folder.`,
        );
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    tighten(dir, 0o700);
    // Keys as the emulator makes them anyway (per merchant), only now written down.
    const keys = await Promise.all(
        merchants.map(
            async ({ mchid }, i): Promise<EmulatorKeys> => ({
                merchant: await generateMerchantKeys(mchid),
                wechatpay: await wechatpayIdentitiesAt(i),
            }),
        ),
    );
    const settings = new Map(
        merchants.map(({ mchid, notifyUrl }): [string, Settings] => [
            mchid,
            notifyUrl === undefined ? {} : { membercard: notifyUrl },
        ]),
    );
    const state = opened(dir, true, port, merchants, settings, keys);
    // Before the emulator listens: once it does, only its changes may write this file.
    state.saveSettings(settings);
    return state;
}

function opened(
    dir: string,
    fresh: boolean,
    port: number,
    merchants: readonly StateMerchant[],
    settings: ReadonlyMap<string, Settings>,
    keys: readonly EmulatorKeys[],
): OpenedState {
    return {
        dir,
        fresh,
        port,
        // Without notifyUrl: it would override the kept member-card setting.
        merchants: merchants.map(({ mchid, kind }) => ({ mchid, kind, settings: { ...settings.get(mchid) } })),
        keys,
        saveSettings: (next) => {
            const body: Record<string, Settings> = {};
            for (const [mchid, value] of next) {
                body[mchid] = value;
            }
            writeAtomically(join(dir, SETTINGS_FILE), { format: SETTINGS_FORMAT, version: VERSION, merchants: body });
        },
        saveIdentity: (actualPort) => {
            writeAtomically(join(dir, IDENTITY_FILE), {
                format: IDENTITY_FORMAT,
                version: VERSION,
                port: actualPort,
                merchants: merchants.map((merchant, i) => identityRecord(merchant, keys[i])),
            });
        },
    };
}

/** The folder's entries; `undefined` when it does not exist yet. */
function listFolder(dir: string): string[] | undefined {
    try {
        return readdirSync(dir);
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") {
            return undefined;
        }
        if (code === "ENOTDIR") {
            throw new StateDirError(`--state-dir ${dir} is a file, not a folder: choose a folder.`);
        }
        throw new StateDirError(`Cannot read --state-dir ${dir} (${code ?? String(error)}): choose another folder.`);
    }
}

/** Private keys live here: others get no access, whatever the umask or an earlier chmod left. */
function tighten(path: string, mode: number): void {
    chmodSync(path, mode);
}

/**
 * Writes `value` as JSON to a fresh temporary file (mode 0600), flushes it to disk, then renames it over `file`:
 * the rename is atomic (POSIX rename(2)), so a reader or a crash sees the old file or the new one, never half of
 * one. Synchronous on purpose: the change it records is only answered after it returns.
 */
function writeAtomically(file: string, value: unknown): void {
    const temporary = `${file}.tmp`;
    // A leftover from a killed write: removed so that the new file is created with mode 0600 (open's mode applies
    // only to a file it creates).
    rmSync(temporary, { force: true });
    const fd = openSync(temporary, "wx", 0o600);
    try {
        writeFileSync(fd, `${JSON.stringify(value, null, 2)}\n`);
        fsyncSync(fd);
    } finally {
        closeSync(fd);
    }
    renameSync(temporary, file);
}

interface StoredIdentity {
    port: number;
    merchants: StateMerchant[];
    keys: EmulatorKeys[];
}

interface StoredKey {
    serial: string;
    privateKey: string;
}

function identityRecord(merchant: StateMerchant, keys: EmulatorKeys | undefined): unknown {
    if (keys === undefined) {
        throw new Error("unreachable: one set of keys per merchant");
    }
    const key = (identity: SigningIdentity): StoredKey => ({
        serial: identity.serial,
        privateKey: privateKeyPem(identity.privateKey),
    });
    const { publicKey, platform, strangers } = keys.wechatpay;
    return {
        ...merchant,
        merchant: { serial: keys.merchant.serial, privateKey: keys.merchant.pem.privateKey },
        wechatpay: {
            publicKey: key(publicKey),
            platform: key(platform),
            strangers: { publicKey: key(strangers.publicKey), platform: key(strangers.platform) },
        },
    };
}

/** Reads and parses one of the folder's JSON files, checking its format and version. */
function readJson(dir: string, name: string, format: string): Record<string, unknown> {
    const file = join(dir, name);
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const what = code === "ENOENT" ? "is missing" : `cannot be read (${code ?? String(error)})`;
        throw new StateDirError(`${file} ${what}, so the state in ${dir} is incomplete. ${fix(dir)}`);
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        // JSON.parse's message quotes the text, which may hold a private key: not repeated.
        throw new StateDirError(`${file} is not valid JSON (half-written or edited by hand). ${fix(dir)}`);
    }
    if (!isRecord(value) || value.format !== format) {
        throw new StateDirError(`${file} is not a wechatpay-emulator state file. ${fix(dir)}`);
    }
    if (value.version !== VERSION) {
        throw new StateDirError(
            `${file} was written by an incompatible version of wechatpay-emulator (format version ` +
                `${JSON.stringify(value.version)}; this one reads ${VERSION}). ${fix(dir)}`,
        );
    }
    return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Field checks that report the file and the field, never the value (it may be a key). */
class Reader {
    constructor(
        private readonly file: string,
        private readonly dir: string,
    ) {}

    fail(field: string, problem: string): never {
        throw new StateDirError(`${this.file} is damaged: ${field} ${problem}. ${fix(this.dir)}`);
    }

    record(value: unknown, field: string): Record<string, unknown> {
        if (value === undefined) {
            this.fail(field, "is missing");
        }
        return isRecord(value) ? value : this.fail(field, "is not an object");
    }

    string(value: unknown, field: string): string {
        return typeof value === "string" && value !== "" ? value : this.fail(field, "is not a non-empty string");
    }

    key(value: unknown, field: string): StoredKey {
        const record = this.record(value, field);
        return {
            serial: this.string(record.serial, `${field}.serial`),
            privateKey: this.string(record.privateKey, `${field}.privateKey`),
        };
    }

    identity(value: unknown, field: string): SigningIdentity {
        const { serial, privateKey } = this.key(value, field);
        try {
            return signingIdentity(serial, privateKey);
        } catch {
            return this.fail(`${field}.privateKey`, "is not a private key");
        }
    }
}

function readIdentity(dir: string): StoredIdentity {
    const file = join(dir, IDENTITY_FILE);
    const value = readJson(dir, IDENTITY_FILE, IDENTITY_FORMAT);
    const read: Reader = new Reader(file, dir);
    const port = value.port;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
        read.fail("port", "is not a port number");
    }
    const list = value.merchants;
    if (!Array.isArray(list) || list.length === 0) {
        read.fail("merchants", "is not a list of merchants");
    }
    const merchants: StateMerchant[] = [];
    const keys: EmulatorKeys[] = [];
    list.forEach((item: unknown, i) => {
        const at = `merchants[${i}]`;
        const record = read.record(item, at);
        const mchid = read.string(record.mchid, `${at}.mchid`);
        try {
            assertMchid(mchid);
        } catch {
            read.fail(`${at}.mchid`, "is not a merchant id");
        }
        if (merchants.some((m) => m.mchid === mchid)) {
            read.fail(`${at}.mchid`, "repeats an earlier merchant");
        }
        const kind = record.kind;
        if (kind !== "merchant" && kind !== "partner") {
            read.fail(`${at}.kind`, 'is not "merchant" or "partner"');
        }
        const merchant: StateMerchant =
            record.notifyUrl === undefined
                ? { mchid, kind }
                : { mchid, kind, notifyUrl: read.string(record.notifyUrl, `${at}.notifyUrl`) };
        const own = read.key(record.merchant, `${at}.merchant`);
        let merchantKeys: EmulatorKeys["merchant"];
        try {
            merchantKeys = merchantKeysFrom(own.serial, own.privateKey);
        } catch {
            read.fail(`${at}.merchant.privateKey`, "is not a private key");
        }
        const wechatpay = read.record(record.wechatpay, `${at}.wechatpay`);
        const strangers = read.record(wechatpay.strangers, `${at}.wechatpay.strangers`);
        merchants.push(merchant);
        keys.push({
            merchant: merchantKeys,
            wechatpay: {
                publicKey: read.identity(wechatpay.publicKey, `${at}.wechatpay.publicKey`),
                platform: read.identity(wechatpay.platform, `${at}.wechatpay.platform`),
                strangers: {
                    publicKey: read.identity(strangers.publicKey, `${at}.wechatpay.strangers.publicKey`),
                    platform: read.identity(strangers.platform, `${at}.wechatpay.strangers.platform`),
                },
            },
        });
    });
    return { port, merchants, keys };
}

function readSettings(dir: string, merchants: readonly StateMerchant[]): Map<string, Settings> {
    const value = readJson(dir, SETTINGS_FILE, SETTINGS_FORMAT);
    const read: Reader = new Reader(join(dir, SETTINGS_FILE), dir);
    const stored = read.record(value.merchants, "merchants");
    const settings = new Map<string, Settings>();
    for (const { mchid } of merchants) {
        const record = read.record(stored[mchid], `merchants.${mchid}`);
        const own: Settings = {};
        for (const [name, url] of Object.entries(record)) {
            if (!SETTING_NAMES.includes(name as SettingName)) {
                read.fail(`merchants.${mchid}.${name}`, `is not one of ${SETTING_NAMES.join(", ")}`);
            }
            own[name as SettingName] = read.string(url, `merchants.${mchid}.${name}`);
        }
        settings.set(mchid, own);
    }
    const unknown = Object.keys(stored).find((mchid) => !settings.has(mchid));
    if (unknown !== undefined) {
        read.fail(`merchants.${unknown}`, `names a merchant ${IDENTITY_FILE} does not know`);
    }
    return settings;
}

/** Every flag that contradicts the folder, in one message: the stack's config was made from what is stored. */
function checkRequest(dir: string, stored: StoredIdentity, request: StateRequest): void {
    const first = stored.merchants[0];
    if (first === undefined) {
        throw new Error("unreachable: readIdentity returns at least one merchant");
    }
    const file = join(dir, IDENTITY_FILE);
    const conflicts: string[] = [];
    // Port 0 means "any", which the stored port is.
    if (request.port !== undefined && request.port !== 0 && request.port !== stored.port) {
        conflicts.push(`--port ${request.port}: the kept emulator listens on ${stored.port}`);
    }
    if (request.mchid !== undefined && request.mchid !== first.mchid) {
        conflicts.push(`--mchid ${request.mchid}: the kept merchant is ${first.mchid}`);
    }
    if (request.partner === true && first.kind !== "partner") {
        conflicts.push(`--partner: the kept merchant ${first.mchid} is a direct merchant`);
    }
    if (request.notifyUrl !== undefined && request.notifyUrl !== first.notifyUrl) {
        conflicts.push(
            `--notify-url ${request.notifyUrl}: it sets the URL of a first start only, and the first start had ` +
                `${first.notifyUrl ?? "none"}`,
        );
    }
    if (conflicts.length > 0) {
        throw new StateDirError(
            `Options conflict with the state kept in ${file}:\n  ${conflicts.join("\n  ")}\n` +
                `Leave them out to use the kept state (the stack's config was made from it). ${fix(dir)}`,
        );
    }
}
