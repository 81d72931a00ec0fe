import { configureRequest, emulatorStackConfig } from "../../harness";
import { MembercardCallbackProvider } from "../../provider/provider";
import type { Emulator } from "../../provider/testing";

/** Stack config (namespaced keys, as `configure` receives it) pointing at the emulator's first merchant. */
export const stackConfig = emulatorStackConfig;

/** A provider configured the way the provider host configures it, with `configure({ config })`. */
export async function configuredProvider(
    emulator: Emulator,
    overrides: Record<string, string | undefined> = {},
): Promise<MembercardCallbackProvider> {
    const values: Record<string, string | undefined> = stackConfig(emulator, overrides);
    const provider = new MembercardCallbackProvider();
    await provider.configure(configureRequest(values));
    return provider;
}

export { calls } from "../../harness";
