/** What the bench ran on, and how busy the machine was during each phase (it may be shared). */

import { readFile } from "node:fs/promises";
import { availableParallelism, loadavg, release } from "node:os";
import { join } from "node:path";
import { REPO } from "./settings";

/** The 1-minute load average at the start and end of each phase. */
export const PHASE_LOAD: { phase: string; load1Start: number; load1End: number }[] = [];

export async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const load1Start = Number((loadavg()[0] ?? 0).toFixed(2));
    const result = await fn();
    PHASE_LOAD.push({ phase: name, load1Start, load1End: Number((loadavg()[0] ?? 0).toFixed(2)) });
    return result;
}

export type Machine = Awaited<ReturnType<typeof machine>>;

export async function machine() {
    const cpuinfo = await readFile("/proc/cpuinfo", "utf8");
    const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
    const processors = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
    const version = async (pkg: string) =>
        (JSON.parse(await readFile(join(REPO, "node_modules", pkg, "package.json"), "utf8")) as { version: string })
            .version;
    return {
        cpu: model,
        cores: availableParallelism(),
        processors,
        node: process.version,
        kernel: release(),
        loadavgAtStart: loadavg().map((x) => Number(x.toFixed(2))),
        pulumi: await version("@pulumi/pulumi"),
        wechatpayAxiosPlugin: await version("wechatpay-axios-plugin"),
        axios: await version("axios"),
    };
}
