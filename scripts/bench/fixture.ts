/**
 * What every phase works with: the packed provider and the empty one installed, their serialized `__provider`s
 * captured, the emulator running, the direct baseline ready; and the provider hosts the phases open.
 */

import { mkdir } from "node:fs/promises";
import {
    type Consumer,
    captureRegistration,
    type ProviderHost,
    type ProviderHostOptions,
    prepareConsumer,
    startProviderHost,
    urnFor,
} from "../../harness";
import { createDirect, type DirectClient, type DirectTarget } from "./direct";
import { bundleDirectChild } from "./directProcess";
import { prepareEmptyConsumer } from "./emptyProvider";
import { EmulatorProcess } from "./emulatorProcess";
import { hostEnv } from "./env";
import { log } from "./log";
import { BENCH_DIR, REPO } from "./settings";

const TYPE = "pulumi-nodejs:dynamic/wechatpay:MembercardCallback";
export const EMPTY_TYPE = "pulumi-nodejs:dynamic/empty:Empty";
const PROJECT = "wechatpay-bench";
const STACK = "bench";

/** The URN of a top-level resource of the bench's stack; by default one of the provider's. */
export function urnOf(name: string, type = TYPE): string {
    return urnFor(type, name, PROJECT, STACK);
}

export const URN = urnOf("membercard");
export const EMPTY_URN = urnOf("empty", EMPTY_TYPE);
export const URL_A = "https://api.example.com/wechatpay/membercard";
const URL_B = "https://api.example.com/wechatpay/membercard-v2";
export const URLS: [string, string] = [URL_A, URL_B];
export const SECRET_KEYS = ["wechatpay:privateKey"];

export interface Fixture {
    consumer: Consumer;
    emptyConsumer: Consumer;
    provider: string;
    emptyProvider: string;
    emulator: EmulatorProcess;
    stackConfig: Record<string, string>;
    direct: DirectClient;
    directTarget: DirectTarget;
    /** The bundled baseline child (directProcess.ts). */
    directChild: string;
    /** Hosts still open, closed by closeFixture if a phase fails. */
    hosts: Set<ProviderHost>;
}

export async function setUpFixture(): Promise<Fixture> {
    await mkdir(BENCH_DIR, { recursive: true });
    log("packing and installing the package into a consumer (cached when unchanged)…");
    const consumer = await prepareConsumer({ packageDir: REPO });
    const emptyConsumer = await prepareEmptyConsumer();
    log(
        `consumers ready (${consumer.fromCache ? "cached" : "installed"}, ${emptyConsumer.fromCache ? "cached" : "installed"})`,
    );

    const directChild = bundleDirectChild();

    const [registration, emptyRegistration, emulator] = await Promise.all([
        captureRegistration(
            consumer,
            `const { MembercardCallback } = require("pulumi-wechatpay");
new MembercardCallback("membercard", { notifyUrl: ${JSON.stringify(URL_A)} });`,
            { project: PROJECT, stack: STACK },
        ),
        captureRegistration(
            emptyConsumer,
            `const { Empty } = require("empty-dynamic-provider");
new Empty("empty", { value: "x" });`,
            { project: PROJECT, stack: STACK },
        ),
        EmulatorProcess.start(),
    ]);
    const provider = registration.resources[0]?.serializedProvider;
    const emptyProvider = emptyRegistration.resources[0]?.serializedProvider;
    if (provider === undefined || emptyProvider === undefined) {
        emulator.close();
        throw new Error(`no serialized __provider was captured:\n${registration.output}\n${emptyRegistration.output}`);
    }
    const { ready } = emulator;
    const f: Fixture = {
        consumer,
        emptyConsumer,
        provider,
        emptyProvider,
        emulator,
        stackConfig: {
            "wechatpay:mchid": ready.provider.mchid,
            "wechatpay:serial": ready.provider.serial,
            "wechatpay:privateKey": ready.provider.privateKey,
            "wechatpay:publicKeyId": ready.provider.publicKeyId,
            "wechatpay:publicKey": ready.provider.publicKey,
            "wechatpay:baseUrl": ready.baseUrl,
        },
        directTarget: { baseUrl: ready.baseUrl, ...ready.direct },
        direct: createDirect({ baseUrl: ready.baseUrl, ...ready.direct }),
        directChild,
        hosts: new Set(),
    };
    log(`emulator at ${ready.baseUrl}; __provider ${Buffer.byteLength(provider)} bytes`);
    return f;
}

export async function closeFixture(f: Fixture): Promise<void> {
    await Promise.all([...f.hosts].map((h) => h.close()));
    f.emulator.close();
}

export async function openHost(
    f: Fixture,
    consumer = f.consumer,
    extra: ProviderHostOptions = {},
): Promise<ProviderHost> {
    const h = await startProviderHost(consumer, { project: PROJECT, stack: STACK, env: hostEnv(), ...extra });
    f.hosts.add(h);
    return h;
}

export async function closeHost(f: Fixture, h: ProviderHost): Promise<void> {
    f.hosts.delete(h);
    await h.close();
}

/** The provider's resource as it stands after a create with URL_A, and new inputs for both URLs. */
export function providerState(f: Fixture) {
    const mchid = f.emulator.ready.provider.mchid;
    const props = { notifyUrl: URL_A, mchid, appliedNotifyUrl: URL_A, __provider: f.provider };
    const inputs = { notifyUrl: URL_A, __provider: f.provider };
    const news = URLS.map((url) => ({ notifyUrl: url, __provider: f.provider }));
    return { mchid, props, inputs, news };
}
