/**
 * The longer story `wechatpay-emulator --state-dir` exists for: a stack deployed against the emulator, the emulator
 * restarted, then `refresh` and `destroy` (configured, as the engine does, from the provider inputs recorded in state:
 * the printed config lines of the first start) still work. Without the kept keys the restarted emulator would refuse
 * the stack's signatures and its replies would not verify.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
    type Consumer,
    killEmulatorClis,
    MCHID,
    OLD_URL,
    prepareConsumer,
    prepareExampleWorkDir,
    programEnv,
    REPO,
    SECRET_KEYS,
    Stack,
    startEmulatorCli,
    TYPE,
    URL_A,
} from "../../harness";

const PROJECT = "wechatpay-quickstart";

let consumer: Consumer;
let tmp: string;

beforeAll(async () => {
    consumer = await prepareConsumer({ packageDir: REPO });
    tmp = await mkdtemp(join(tmpdir(), "emulator-restart-engine-"));
});

afterEach(killEmulatorClis);

afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The member-card URL the emulator kept in its state folder. */
async function keptMembercardUrl(dir: string): Promise<unknown> {
    const settings = JSON.parse(await readFile(join(dir, "settings.json"), "utf8")) as {
        merchants: Record<string, { membercard?: string }>;
    };
    return settings.merchants[MCHID]?.membercard;
}

describe("examples/quickstart against wechatpay-emulator --state-dir, across a restart", () => {
    it("up against the first start; refresh and destroy against the restarted emulator", async () => {
        const dir = join(tmp, "emulator-state");
        const programDir = await prepareExampleWorkDir(consumer, tmp, "quickstart");
        const first = await startEmulatorCli(["--state-dir", dir, "--notify-url", OLD_URL]);
        // The stack config exactly as the printed `pulumi config set` lines set it (the public key as a file path).
        expect(first.config["wechatpay:publicKey"]).toBe(join(dir, "pub_key.pem"));
        const stack = new Stack({
            consumer,
            programDir,
            project: PROJECT,
            stack: "dev",
            stateFile: join(tmp, "state.json"),
            config: { ...first.config, [`${PROJECT}:notifyUrl`]: URL_A },
            secretKeys: SECRET_KEYS,
            env: programEnv(),
        });
        const up = await stack.up();
        expect(up.outputs).toEqual({ mchid: MCHID, notifyUrl: URL_A, previousNotifyUrl: OLD_URL });
        expect(await first.stop("SIGTERM")).toBe(0);
        expect(await keptMembercardUrl(dir)).toBe(URL_A);

        const second = await startEmulatorCli(["--state-dir", dir]);
        expect(second.config).toEqual(first.config);

        const refreshed = await stack.refresh();
        expect(refreshed.drift).toEqual([]);
        expect(refreshed.outputs).toEqual(up.outputs);

        const destroyed = await stack.destroy();
        expect(destroyed.steps.map((s) => `${s.op} ${s.name}`)).toEqual(["delete membercard"]);
        expect((await stack.state()).resources.filter((r) => r.type === TYPE)).toEqual([]);
        expect(await second.stop("SIGTERM")).toBe(0);
        // Destroy put back the URL from before the stack, and the emulator kept that too.
        expect(await keptMembercardUrl(dir)).toBe(OLD_URL);
    });
});
