/**
 * The story `wechatpay-emulator --state-dir` exists for, through the real Pulumi CLI (Node 20, the lockfile's
 * @pulumi/pulumi): a stack configured with the lines the emulator printed is deployed, the emulator is killed
 * (SIGKILL: no clean shutdown) and started again with the same folder, and `refresh` and `destroy` still work; the
 * CLI configures them from the provider inputs it recorded at `up`. Skipped, with the reason, without a CLI.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { killEmulatorClis, MCHID, OLD_URL, SECRET_KEYS, startEmulatorCli, URL_A } from "../../harness";
import { findRealCli, node20, prepareRuntimeConsumer, RealCliProject } from "../../harness/realCli";
import { STEP_MS } from "./examples";

const { cli, reason } = findRealCli();
if (cli === undefined) console.warn(`test/realcli/emulatorRestart.realcli.test.ts: skipped: ${reason}`);

/** The member-card URL the emulator kept in its state folder. */
async function keptMembercardUrl(dir: string): Promise<unknown> {
    const settings = JSON.parse(await readFile(join(dir, "settings.json"), "utf8")) as {
        merchants: Record<string, { membercard?: string }>;
    };
    return settings.merchants[MCHID]?.membercard;
}

describe.skipIf(cli === undefined)(
    cli === undefined
        ? `a stack outlives a restart of wechatpay-emulator --state-dir (skipped: ${reason})`
        : `a stack outlives a restart of wechatpay-emulator --state-dir, through pulumi ${cli.version}`,
    () => {
        let project: RealCliProject | undefined;

        afterEach(killEmulatorClis);
        afterAll(async () => {
            await project?.dispose();
        });

        it(
            "up against the first start; the emulator is killed and restarted; refresh and destroy succeed",
            async () => {
                if (cli === undefined) return;
                const runtime = node20();
                const consumer = await prepareRuntimeConsumer(runtime);
                project = await RealCliProject.create({ cli, runtime, consumer, example: "quickstart" });
                const dir = join(project.tmp, "emulator");
                const first = await startEmulatorCli(["--state-dir", dir, "--notify-url", OLD_URL]);
                // The printed lines as a user runs them: the public key as the path of a file in the kept folder.
                await project.init({ ...first.config, "wechatpay-quickstart:notifyUrl": URL_A }, SECRET_KEYS);
                await project.ok(["up", "--stack", "dev", "--yes"]);
                expect(await keptMembercardUrl(dir)).toBe(URL_A);
                expect(await first.stop("SIGKILL")).toBe("SIGKILL");

                const second = await startEmulatorCli(["--state-dir", dir]);
                expect(second.config).toEqual(first.config);
                const check = await project.run(["preview", "--stack", "dev", "--refresh", "--expect-no-changes"]);
                expect(check.code, `${check.stdout}\n${check.stderr}`).toBe(0);
                await project.ok(["refresh", "--stack", "dev", "--yes"]);
                await project.ok(["destroy", "--stack", "dev", "--yes"]);
                expect(await keptMembercardUrl(dir)).toBe(OLD_URL);
                expect(await second.stop("SIGTERM")).toBe(0);
            },
            STEP_MS * 3,
        );
    },
);
