/**
 * What every phase works with: the settings, the real and the null provider installed from packed tarballs with
 * their serialized `__provider`s, the emulator, the hosts the phases open, and `/proc` readings of a process.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
    type Consumer,
    captureRegistration,
    type PropertyMap,
    type ProviderHost,
    prepareConsumer,
    startProviderHost,
    urnFor,
    writeStandinPackage,
} from "..";
import { Child, NULL_PACKAGE_DIST, NULL_TYPE } from "./children";

const REPO = resolve(__dirname, "..", "..");

/** `--name=value` or `--name value` → "value", a bare `--name` → "", absent → undefined. */
function arg(name: string): string | undefined {
    const args = process.argv.slice(2);
    for (const [i, a] of args.entries()) {
        if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
        if (a === `--${name}`) {
            const next = args[i + 1];
            return next !== undefined && !next.startsWith("--") ? next : "";
        }
    }
    return undefined;
}

const QUICK = arg("quick") !== undefined;
/** The run's layout; `--quick` keeps the shape (every row) with tiny counts, for a smoke test. */
export const SETTINGS = {
    quick: QUICK,
    check: arg("check") !== undefined,
    out: arg("out") || undefined,
    /** The package to bench (default this repo); another checkout gives the before figures. */
    packageDir: resolve(arg("package") ?? REPO),
    rounds: 5,
    warmup: QUICK ? 20 : 1000,
    /** Calls per step per round. */
    perRound: QUICK ? 3 : 60,
    coldRuns: QUICK ? 1 : 5,
    burst: QUICK ? 10 : 100,
    burstRuns: QUICK ? 1 : 5,
    memory: QUICK ? 20 : 500,
    memoryRuns: QUICK ? 1 : 3,
};

export const PROJECT = "wechatpay-bench";
const STACK = "bench";
const REAL_TYPE = "pulumi-nodejs:dynamic/wechatpay:MembercardCallback";
export const URL_A = "https://api.example.com/wechatpay/membercard";
export const URL_B = "https://api.example.com/wechatpay/membercard-v2";
export const SECRET_KEYS = ["wechatpay:privateKey"];

export interface Credentials {
    mchid: string;
    serial: string;
    privateKey: string;
    publicKeyId: string;
    publicKey: string;
}
export interface EmulatorReady {
    baseUrl: string;
    initialUrl: string;
    provider: Credentials;
    direct: Credentials;
}

/** One provider under test: the real one or the null floor. */
export interface Side {
    consumer: Consumer;
    urn: string;
    /** The serialized `__provider` the engine stores in state. */
    provider: string;
}

export interface Fixture {
    real: Side;
    null: Side;
    emulator: Child<EmulatorReady>;
    /** Stack config as the engine passes it to Configure. */
    config: Record<string, string>;
    /** baseUrl and the direct baseline's merchant. */
    target: Credentials & { baseUrl: string };
    hosts: Set<ProviderHost>;
}

export const log = (line: string): void => {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

/** The inherited environment without `WECHATPAY_*` (the host must see only the stack config) or NODE_OPTIONS. */
export function plainEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!k.startsWith("WECHATPAY_") && k !== "NODE_OPTIONS") env[k] = v;
    }
    return { ...env, ...extra };
}

export async function setUpFixture(): Promise<Fixture> {
    log(`packing and installing ${SETTINGS.packageDir} and the null provider (cached while unchanged)…`);
    const nullDir = await writeStandinPackage("bench-null-provider-", {
        name: "null-dynamic-provider",
        version: "0.0.0-bench",
        dist: NULL_PACKAGE_DIST,
    });
    const [realConsumer, nullConsumer] = await Promise.all([
        prepareConsumer({ packageDir: SETTINGS.packageDir }),
        // A cache of its own, so this never evicts the test suite's consumers.
        prepareConsumer({ packageDir: nullDir, cacheRoot: join(REPO, ".cache", "bench") }).finally(() =>
            rm(nullDir, { recursive: true, force: true }),
        ),
    ]);
    const program = (pkg: string, cls: string) =>
        `const { ${cls} } = require(${JSON.stringify(pkg)});\nnew ${cls}("membercard", { notifyUrl: ${JSON.stringify(URL_A)} });`;
    const opts = { project: PROJECT, stack: STACK };
    const [realReg, nullReg, emulator] = await Promise.all([
        captureRegistration(realConsumer, program("pulumi-wechatpay", "MembercardCallback"), opts),
        captureRegistration(nullConsumer, program("null-dynamic-provider", "NullCallback"), opts),
        Child.start<EmulatorReady>(realConsumer.dir, "emulator", plainEnv()),
    ]);
    const realProvider = realReg.resources[0]?.serializedProvider;
    const nullProvider = nullReg.resources[0]?.serializedProvider;
    if (realProvider === undefined || nullProvider === undefined) {
        emulator.close();
        throw new Error(`no serialized __provider was captured:\n${realReg.output}\n${nullReg.output}`);
    }
    const { baseUrl, provider: creds, direct } = emulator.ready;
    log(`__provider: real ${realProvider.length} bytes, null ${nullProvider.length} bytes; emulator at ${baseUrl}`);
    return {
        real: { consumer: realConsumer, urn: urnFor(REAL_TYPE, "membercard", PROJECT, STACK), provider: realProvider },
        null: { consumer: nullConsumer, urn: urnFor(NULL_TYPE, "membercard", PROJECT, STACK), provider: nullProvider },
        emulator,
        config: {
            "wechatpay:mchid": creds.mchid,
            "wechatpay:serial": creds.serial,
            "wechatpay:privateKey": creds.privateKey,
            "wechatpay:publicKeyId": creds.publicKeyId,
            "wechatpay:publicKey": creds.publicKey,
            "wechatpay:baseUrl": baseUrl,
        },
        target: { baseUrl, ...direct },
        hosts: new Set(),
    };
}

export async function closeFixture(f: Fixture): Promise<void> {
    await Promise.all([...f.hosts].map((h) => h.close()));
    f.emulator.close();
}

/** A fresh provider host (not yet configured), closed by closeFixture if a phase fails. */
export async function openHost(f: Fixture, side: Side, env: NodeJS.ProcessEnv = {}): Promise<ProviderHost> {
    const unset: NodeJS.ProcessEnv = { NODE_OPTIONS: undefined };
    for (const k of Object.keys(process.env)) if (k.startsWith("WECHATPAY_")) unset[k] = undefined;
    const h = await startProviderHost(side.consumer, { project: PROJECT, stack: STACK, env: { ...unset, ...env } });
    f.hosts.add(h);
    return h;
}

export async function closeHost(f: Fixture, h: ProviderHost): Promise<void> {
    f.hosts.delete(h);
    await h.close();
}

/** The resource's state after a create with URL_A over the emulator's initial URL. */
export function stateOf(f: Fixture, side: Side): { props: PropertyMap; inputs: PropertyMap } {
    const props = {
        notifyUrl: URL_A,
        mchid: f.config["wechatpay:mchid"],
        appliedNotifyUrl: URL_A,
        previousNotifyUrl: f.emulator.ready.initialUrl,
        __provider: side.provider,
    };
    return { props, inputs: { notifyUrl: URL_A, __provider: side.provider } };
}

/** CPU time (user + system, all threads) a process has used, ms, from `/proc/<pid>/stat` (USER_HZ = 100). */
export function cpuMs(pid: number): number {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the command name (in parentheses, may hold spaces): utime and stime are fields 14 and 15.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A `/proc/<pid>/status` field in kB (VmRSS: resident now; VmHWM: peak since start or the last reset). */
export function memKb(pid: number, field: "VmRSS" | "VmHWM"): number {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (match?.[1] === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]);
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0), so the next VmHWM is the peak of what runs from now on. */
export function resetPeak(pid: number): boolean {
    try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
        return true;
    } catch {
        return false;
    }
}
