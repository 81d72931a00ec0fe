/**
 * Provider configuration as the engine sends it, turned into the core's `(key) => value` getter, so the plugin
 * resolves settings with the same names, environment fallbacks and errors as the dynamic resources.
 */
import { PACKAGE, SETTINGS } from "./core";

/**
 * The signature key the engine puts on a secret value (sdk/go/common/resource/properties.go, SecretSig, and
 * sdk/nodejs/runtime/rpc.ts `specialSigKey`/`specialSecretSig`).
 */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Whether `value` is the engine's wrapper of a secret value. */
export function isSecret(value: unknown): value is { [SIG_KEY]: string; value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** `value` with every secret wrapper replaced by its plain value (kept in memory only, never logged). */
export function unwrapSecrets(value: unknown): unknown {
    if (isSecret(value)) {
        return unwrapSecrets(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** `value` as a secret the engine keeps encrypted in state. */
export const asSecret = (value: unknown): Record<string, unknown> => ({ [SIG_KEY]: SECRET_SIG, value });

/**
 * The settings whose values are secret: the private key, and the merchant profiles, which carry each merchant's
 * private key (the README's settings table marks both **Secret**).
 */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set([SETTINGS.privateKey.key, SETTINGS.merchants.key]);

/** A setting's name as a provider input: `wechatpay:privateKey` → `privateKey`. */
export const inputName = (key: string): string => key.slice(PACKAGE.length + 1);

/**
 * The getter the core's `resolveSettings` reads, over a provider's inputs (Configure's `args`, CheckConfig's `news`:
 * keys without the namespace, secrets wrapped) and Configure's deprecated `variables` (keyed `wechatpay:config:<key>`,
 * strings, secrets plain; sdk/go/common/resource/plugin/provider_plugin.go v3.276.0, `Configure`). Values that are not
 * strings (a number, or the `merchants` object) are JSON text, the way the engine writes `variables` and the way
 * stack config reaches the dynamic provider.
 */
export function configGetter(
    args: Record<string, unknown> | undefined,
    variables: ReadonlyMap<string, string> | Record<string, string> | undefined,
): (key: string) => unknown {
    const vars = variables instanceof Map ? variables : new Map(Object.entries(variables ?? {}));
    return (key) => {
        const name = inputName(key);
        const fromArgs = args !== undefined ? unwrapSecrets(args[name]) : undefined;
        const value =
            fromArgs !== undefined && fromArgs !== null
                ? fromArgs
                : (vars.get(`${PACKAGE}:config:${name}`) ?? vars.get(key));
        if (value === undefined || value === null || typeof value === "string") {
            return value ?? undefined;
        }
        return JSON.stringify(value);
    };
}

/**
 * The provider input a settings error is about, from the key its message names (`` Missing `wechatpay:serial` `` →
 * `serial`; a profile field `wechatpay:merchants.<id>.serial` → `merchants`), or undefined.
 */
export function failedInput(message: string): string | undefined {
    const key = /`(wechatpay:[A-Za-z]+)/.exec(message)?.[1];
    return key !== undefined ? inputName(key) : undefined;
}
