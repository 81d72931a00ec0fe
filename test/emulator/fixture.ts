import { configureRequest, emulatorStackConfig } from "../../harness";
import { MEMBERCARD_CALLBACK } from "../../provider/endpoints";
import type { NotifyEndpoint } from "../../provider/notifyEndpoint";
import { forgetCreatesInThisProcess, NotifySettingProvider } from "../../provider/provider";
import type { Emulator } from "../../provider/testing";

/** Stack config (namespaced keys, as `configure` receives it) pointing at the emulator's first merchant. */
export const stackConfig = emulatorStackConfig;

/** A member-card provider configured the way the provider host configures it, with `configure({ config })`. */
export async function configuredProvider(
    emulator: Emulator,
    overrides: Record<string, string | undefined> = {},
): Promise<NotifySettingProvider> {
    const values: Record<string, string | undefined> = stackConfig(emulator, overrides);
    // Each configured provider stands for a new deployment's provider host.
    forgetCreatesInThisProcess();
    const provider = new NotifySettingProvider(MEMBERCARD_CALLBACK);
    await provider.configure(configureRequest(values));
    return provider;
}

/** A provider for any notify-URL API, configured like {@link configuredProvider}, as merchant `mchid`. */
export async function configuredNotifyProvider(
    endpoint: NotifyEndpoint,
    emulator: Emulator,
    mchid?: string,
    overrides: Record<string, string | undefined> = {},
): Promise<NotifySettingProvider> {
    const values: Record<string, string | undefined> = stackConfig(emulator, overrides, mchid);
    forgetCreatesInThisProcess();
    const provider = new NotifySettingProvider(endpoint);
    await provider.configure(configureRequest(values));
    return provider;
}

/** `METHOD path status` of every request, query kept, e.g. `GET /v3/…?mchid=1 200`. */
export const pathCalls = (emulator: Emulator): string[] =>
    emulator.requests.map((r) => `${r.method} ${r.path} ${r.status}`);

export { calls } from "../../harness";
