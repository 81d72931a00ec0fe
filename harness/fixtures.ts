/**
 * The values every test, the demo and the scripts share, defined once: the type token, the merchant and URLs of the
 * quick-start story, the environment without `WECHATPAY_*`, the emulator's stack config, and the resource capture.
 */

import type { Emulator } from "../provider/testing";
import type { RegisteredResource, Registration } from "./registration";

/** The resource's type token; part of every URN, so it never changes. */
export const TYPE = "pulumi-nodejs:dynamic/wechatpay:MembercardCallback";

/** The stack's merchant (`wechatpay:mchid`) in the emulator; the emulator's first default merchant. */
export const MCHID = "1900000001";
/** Two more merchants, for multi-merchant stacks. */
export const OTHER_MCHIDS = ["1900000002", "1900000003"] as const;

/** What the merchant had set before Pulumi: destroy must put it back. */
export const OLD_URL = "https://old.example.com/wechatpay/membercard";
/** What the program sets. */
export const URL_A = "https://api.example.com/wechatpay/membercard";
/** What an update sets. */
export const URL_B = "https://api.example.com/wechatpay/membercard-v2";
/** Someone's change in the Pay platform, outside Pulumi. */
export const DRIFTED_URL = "https://someone-else.example.com/membercard-events";

/** Neutral URLs for stories about any of the four APIs: what was set before, then what the program sets. */
export const NOTIFY_URLS = {
    old: "https://old.example.com/wechatpay/notify",
    a: "https://api.example.com/wechatpay/notify",
    b: "https://api.example.com/wechatpay/notify-v2",
    c: "https://api.example.com/wechatpay/notify-v3",
} as const;

/**
 * examples/notification-addresses' merchant, a service provider (the only kind that may call all four APIs), the
 * base of its URLs, and the complaint URL it had set before.
 */
export const SERVICE_PROVIDER = {
    mchid: "1900000007",
    base: "https://api.example.com/wechatpay",
    oldComplaints: "https://old.example.com/wechatpay/complaints",
} as const;

/** The stack config keys whose values are secrets (`pulumi config set --secret`). */
export const SECRET_KEYS = ["wechatpay:privateKey"];

/** The quick-start story the demo and the real-CLI test tell. */
export const STORY = {
    type: TYPE,
    mchid: MCHID,
    stack: "dev",
    before: OLD_URL,
    ours: URL_A,
    drifted: DRIFTED_URL,
} as const;

/**
 * The caller's environment without `WECHATPAY_*`: stack config, not the machine running the tests, must decide.
 * `extra` is added last.
 */
export function scrubbedEnv(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (v !== undefined && !k.startsWith("WECHATPAY_")) env[k] = v;
    }
    return { ...env, ...extra };
}

/** For `startProviderHost({ env })`, which adds to what the host inherits: removes every `WECHATPAY_*`. */
export function withoutWechatpayEnv(): NodeJS.ProcessEnv {
    return Object.fromEntries(
        Object.keys(process.env)
            .filter((k) => k.startsWith("WECHATPAY_"))
            .map((k) => [k, undefined]),
    );
}

/**
 * Stack config, as `pulumi config` holds it (namespaced keys), for one of the emulator's merchants: its credentials
 * and the emulator's base URL. `overrides` add settings; an `undefined` override leaves that key out.
 */
export function emulatorStackConfig(
    emulator: Emulator,
    overrides: Record<string, string | undefined> = {},
    mchid?: string,
): Record<string, string> {
    const c = emulator.credentials(mchid);
    const all: Record<string, string | undefined> = {
        "wechatpay:mchid": c.mchid,
        "wechatpay:serial": c.serial,
        "wechatpay:privateKey": c.privateKey,
        "wechatpay:publicKeyId": c.publicKeyId,
        "wechatpay:publicKey": c.publicKey,
        "wechatpay:baseUrl": emulator.baseUrl,
        ...overrides,
    };
    return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * What a dynamic provider's `configure` receives from Pulumi's provider host (sdk/nodejs/cmd/dynamic-provider:
 * `config.get(key)` over the stack config), for calling a provider in-process.
 */
export function configureRequest(values: Record<string, string | undefined>): {
    config: { get(key: string): string | undefined };
} {
    return { config: { get: (key: string) => values[key] } };
}

/**
 * The first registered resource of `type` with its serialized `__provider`, or an error with the program's output.
 */
export function capturedResource(
    registration: Registration,
    type: string = TYPE,
): RegisteredResource & { serializedProvider: string } {
    const resource = registration.resources.find((r) => r.type === type);
    const serializedProvider = resource?.serializedProvider;
    if (resource === undefined || serializedProvider === undefined) {
        throw new Error(`no serialized __provider was registered for ${type}:\n${registration.output}`);
    }
    return { ...resource, serializedProvider };
}

/** `METHOD status` of every request the emulator saw, e.g. `GET 200`. */
export function calls(emulator: Emulator): string[] {
    return emulator.requests.map((r) => `${r.method} ${r.status}`);
}

/**
 * `wechatpay:merchants` for the emulator's merchants `mchids`: what
 * `pulumi config set [--secret] --path 'wechatpay:merchants.<id>.<field>' …` produces, one JSON value (a secret key).
 */
export function merchantProfiles(emulator: Emulator, mchids: readonly string[]): string {
    return JSON.stringify(
        Object.fromEntries(
            mchids.map((m) => {
                const c = emulator.credentials(m);
                return [
                    m,
                    { serial: c.serial, privateKey: c.privateKey, publicKeyId: c.publicKeyId, publicKey: c.publicKey },
                ];
            }),
        ),
    );
}

/**
 * The environment additions for programs run by `Stack` from a consumer folder: no `WECHATPAY_*`, and
 * `PULUMI_NODEJS_TRANSPILE_ONLY` (read by cmd/run), because the consumer has no `typescript` and Pulumi's vendored
 * TypeScript 3.8 cannot type-check against today's type definitions; the examples are type-checked in
 * test/engine/examplesMocked.engine.test.ts with the repository's TypeScript. The real-CLI runs set the same (`pulumiEnv`).
 */
export function programEnv(): NodeJS.ProcessEnv {
    return { ...withoutWechatpayEnv(), PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
}
