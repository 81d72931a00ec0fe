/**
 * `npm run plugin:pack`'s tarball, extracted the way `pulumi plugin install --file` extracts it, started through its
 * `pulumi-resource-wechatpay` launcher: it must run on what it carries (no repository around it).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, emulatorStackConfig, pluginUrn } from "../../harness";
import { startPlugin } from "../../harness/plugin";
import { type PackedPlugin, packPlugin } from "../../harness/pluginPack";
import { run } from "../../harness/run";
import { type Emulator, startEmulator } from "../../provider/testing";

let packed: PackedPlugin;
/** What packPlugin said while packing. */
const progress: string[] = [];
let dir: string;
let emulator: Emulator;

beforeAll(async () => {
    packed = await packPlugin((line) => progress.push(line));
    dir = await mkdtemp(join(tmpdir(), "wechatpay-plugin-"));
    await run("tar", ["-xzf", packed.tarball, "-C", dir], { cwd: dir, timeoutMs: 60_000 });
    emulator = await startEmulator({ merchants: [{ mchid: "1900000001" }] });
}, 300_000);
afterAll(async () => {
    await emulator?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe("the packed plugin", () => {
    it("is a gzip tarball of a few MB", () => {
        expect(packed.tarball).toMatch(/\/pulumi-resource-wechatpay-v\d+\.\d+\.\d+\.tar\.gz$/);
        expect(packed.bytes).toBeGreaterThan(500_000);
        expect(packed.bytes).toBeLessThan(15_000_000);
    });

    it("leaves no staging folder (about 10 MB a pack) or partial tarball behind", () => {
        const stage = progress.map((line) => /^building in (.+) …$/.exec(line)?.[1]).find((s) => s !== undefined);
        expect(stage).toMatch(/\/\.cache\/plugin\/stage-\d+\.\d+\.\d+-\w+$/);
        expect(existsSync(stage ?? "")).toBe(false);
        expect(existsSync(`${stage}.tar.gz`)).toBe(false);
        expect(existsSync(packed.tarball)).toBe(true);
    });

    it("runs from its launcher outside the repository and manages a setting", async () => {
        const plugin = await startPlugin({ launcher: join(dir, "pulumi-resource-wechatpay") });
        try {
            await expect(plugin.getPluginInfo()).resolves.toEqual({ version: packed.version });
            await plugin.configure(emulatorStackConfig(emulator), ["wechatpay:privateKey"]);
            const created = await plugin.create(pluginUrn("MembercardCallback", "packed"), {
                notifyUrl: "https://api.example.com/wechatpay/membercard",
            });
            expect(created.id).toBe("1900000001");
            expect(calls(emulator)).toEqual(["GET 404", "PATCH 200"]);
        } finally {
            await plugin.close();
        }
    });
});
