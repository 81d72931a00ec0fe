import type { Emulator } from "../../provider/testing";

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
