import { MembercardCallbackProvider } from "../../provider/provider";
import type { Emulator } from "../../provider/testing";

/** Stack config (namespaced keys, as `configure` receives it) pointing at the emulator's first merchant. */
export function stackConfig(emulator: Emulator, overrides: Record<string, string | undefined> = {}) {
    const c = emulator.credentials();
    return {
        "wechatpay:mchid": c.mchid,
        "wechatpay:serial": c.serial,
        "wechatpay:privateKey": c.privateKey,
        "wechatpay:publicKeyId": c.publicKeyId,
        "wechatpay:publicKey": c.publicKey,
        "wechatpay:baseUrl": emulator.baseUrl,
        ...overrides,
    } as Record<string, string | undefined>;
}

/** A provider configured the way the provider host configures it, with `configure({ config })`. */
export async function configuredProvider(
    emulator: Emulator,
    overrides: Record<string, string | undefined> = {},
): Promise<MembercardCallbackProvider> {
    const values = stackConfig(emulator, overrides);
    const provider = new MembercardCallbackProvider();
    await provider.configure({ config: { get: (key: string) => values[key] } });
    return provider;
}

/** `METHOD status` of every request the emulator saw, e.g. `GET 200`. */
export const calls = (emulator: Emulator): string[] => emulator.requests.map((r) => `${r.method} ${r.status}`);
