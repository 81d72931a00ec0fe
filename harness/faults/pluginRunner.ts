/**
 * Runs the fault table's cells against the `wechatpay` provider plugin: the same rig, steps and judge as the
 * dynamic-provider host (hostRunner.ts), with two plugin processes (the normal configuration, and the one whose primary
 * base URL is a closed port with the emulator as backup) in place of two hosts.
 */
import { type StartPluginOptions, startPlugin } from "../plugin";
import { type PluginHost, urnFor } from "../providerHost";
import { type Matrix, peakRssMb, prepareSteps } from "./hostRunner";
import type { CellResult } from "./judge";
import { startRig } from "./rig";
import type { Cell } from "./table";
import { URL_A } from "./table";

/** Starts the rig and two plugin processes, configured like the provider hosts of the dynamic runner. */
export async function startPluginMatrix(opts: StartPluginOptions = {}): Promise<Matrix> {
    const rig = await startRig();
    const plugins: PluginHost[] = [];
    try {
        const t = performance.now();
        const [plugin, failoverPlugin] = await Promise.all([startPlugin(opts), startPlugin(opts)]);
        plugins.push(plugin, failoverPlugin);
        await plugin.configure(rig.config(false), ["wechatpay:privateKey"]);
        await failoverPlugin.configure(rig.config(true), ["wechatpay:privateKey"]);
        const hostsMs = performance.now() - t;
        // The plugin's resources take the inputs a program declares (no `__provider`).
        const runStep = await prepareSteps(rig, plugin, failoverPlugin, (resource) => ({
            urn: urnFor(`wechatpay:index:${resource.className}`, resource.name, "fault-matrix", "dev"),
            news: { notifyUrl: URL_A },
        }));
        return {
            emulator: rig.emulator,
            setup: {
                consumerMs: 0,
                captureMs: 0,
                hostsMs,
                fromCache: false,
                hostPeakRssMbAtStart: peakRssMb(plugin.pid),
            },
            run: (cell: Cell): Promise<CellResult> =>
                rig.runCell(cell, runStep, (failover) => peakRssMb((failover ? failoverPlugin : plugin).pid)),
            hostOutput: () => plugins.map((p) => p.output()).join("\n"),
            async close() {
                await Promise.all(plugins.map((p) => p.close()));
                await rig.close();
            },
        };
    } catch (err) {
        await Promise.all(plugins.map((p) => p.close()));
        await rig.close();
        throw err;
    }
}
