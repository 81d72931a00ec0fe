/**
 * Runs the fault table's cells against the `wechatpay` provider plugin: the same rig, steps and judge as the
 * dynamic-provider host (hostRunner.ts), with two plugin processes (the normal configuration, and the one whose primary
 * base URL is a closed port with the emulator as backup) in place of two hosts.
 */
import { pluginTypeToken, type StartPluginOptions, startPlugin } from "../plugin";
import { urnFor } from "../providerHost";
import { type Matrix, matrixOf } from "./matrix";
import { URL_A } from "./table";

/** Starts the rig and two plugin processes, configured like the provider hosts of the dynamic runner. */
export function startPluginMatrix(opts: StartPluginOptions = {}): Promise<Matrix> {
    return matrixOf(async () => ({
        setup: { consumerMs: 0, captureMs: 0, fromCache: false },
        startHost: () => startPlugin(opts),
        // The plugin's resources take the inputs a program declares (no `__provider`).
        inputsOf: async (resource, plugin) => ({
            urn: urnFor(await pluginTypeToken(plugin, resource.className), resource.name, "fault-matrix", "dev"),
            news: { notifyUrl: URL_A },
        }),
    }));
}
