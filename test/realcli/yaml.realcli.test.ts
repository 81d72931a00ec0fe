/**
 * examples/yaml through the real CLI (`npm run cli:build`: pulumi v3.276.0 and pulumi-language-yaml v1.38.3) and the
 * wechatpay plugin installed from `npm run plugin:pack`'s tarball: the quick-start story with the emulator's requests
 * asserted per step, and `pulumi import` with YAML code generation (the generated program previews clean). Skipped with the reason where the CLI or the YAML
 * host is missing.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIFTED_URL, emulatorStackConfig, MCHID, OLD_URL, SECRET_KEYS, URL_A } from "../../harness";
import { REPO } from "../../harness/cli";
import { HostProject } from "../../harness/hostProject";
import { findLanguageHost } from "../../harness/languageHosts";
import { type PackedPlugin, packPlugin } from "../../harness/pluginPack";
import { findRealCli } from "../../harness/realCli";
import { type Emulator, startEmulator } from "../../provider/testing";
import { callLog, STEP_MS } from "./examples";

const { cli, reason: cliReason } = findRealCli();
const yamlHost = findLanguageHost("yaml");
const reason =
    cli === undefined
        ? cliReason
        : cli.source !== "built"
          ? `the CLI on PATH (${cli.binary}) is not the one \`npm run cli:build\` makes`
          : yamlHost.host === undefined
            ? yamlHost.reason
            : "";
if (reason !== "") console.warn(`test/realcli/yaml.realcli.test.ts: skipped: ${reason}`);

describe.skipIf(reason !== "")(
    reason === "" ? `examples/yaml through pulumi ${cli?.version}` : `examples/yaml (skipped: ${reason})`,
    () => {
        let emulator: Emulator;
        let packed: PackedPlugin;
        let program: string;
        const projects: HostProject[] = [];

        /** The example in a fresh folder, the plugin installed, stack `stack` with the emulator's config. */
        async function project(stack: string): Promise<HostProject> {
            if (cli === undefined) throw new Error(reason);
            const p = await HostProject.create({ binDir: cli.binDir, files: { "Pulumi.yaml": program } });
            projects.push(p);
            await p.ok(["plugin", "install", "resource", "wechatpay", packed.version, "--file", packed.tarball]);
            await p.ok(["stack", "init", stack, "--secrets-provider", "passphrase"]);
            const config = emulatorStackConfig(emulator, { "wechatpay-yaml:notifyUrl": URL_A });
            for (const [key, value] of Object.entries(config)) {
                const kind = SECRET_KEYS.includes(key) ? "--secret" : "--plaintext";
                await p.ok(["config", "set", key, kind, "--", value]);
            }
            return p;
        }

        beforeAll(async () => {
            if (reason !== "") return;
            program = await readFile(join(REPO, "examples", "yaml", "Pulumi.yaml"), "utf8");
            [packed, emulator] = await Promise.all([
                packPlugin(),
                startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD_URL, kind: "partner" }] }),
            ]);
        }, STEP_MS);

        afterAll(async () => {
            await emulator?.close();
            await Promise.all(projects.map((p) => p.dispose()));
        });

        describe("the quick-start story", () => {
            let p: HostProject;
            let newCalls: () => Record<string, string[]>;
            beforeAll(async () => {
                emulator.reset();
                emulator.setSetting("membercard", OLD_URL, MCHID);
                newCalls = callLog(emulator);
                p = await project("dev");
            }, STEP_MS);

            it(
                "up adopts the live URL and sets ours: one read, one write",
                async () => {
                    await p.ok(["up", "--yes", "--skip-preview"], STEP_MS);
                    expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] });
                    expect(emulator.setting("membercard", MCHID)).toBe(URL_A);
                    const out = JSON.parse((await p.ok(["stack", "output", "--json"])).stdout);
                    expect(out).toEqual({ notifyUrl: URL_A, previousNotifyUrl: OLD_URL });
                },
                STEP_MS,
            );

            it(
                "a change in the Pay platform: preview --refresh --expect-no-changes exits 7 and shows it",
                async () => {
                    emulator.setSetting("membercard", DRIFTED_URL, MCHID);
                    const r = await p.run(["preview", "--refresh", "--expect-no-changes", "--diff"], STEP_MS);
                    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(7);
                    expect(r.stdout).toContain(`~ notifyUrl: "${DRIFTED_URL}" => "${URL_A}"`);
                    expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200"] });
                },
                STEP_MS,
            );

            it(
                "up --refresh puts our URL back with one write; destroy restores the URL from before",
                async () => {
                    await p.ok(["up", "--refresh", "--yes", "--skip-preview"], STEP_MS);
                    expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] });
                    expect(emulator.setting("membercard", MCHID)).toBe(URL_A);
                    await p.ok(["destroy", "--yes", "--skip-preview"], STEP_MS);
                    expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] });
                    expect(emulator.setting("membercard", MCHID)).toBe(OLD_URL);
                },
                STEP_MS,
            );
        });

        it(
            "pulumi import writes the YAML for a live setting: one read, no write",
            async () => {
                emulator.reset();
                const IMPORTED = "https://merchant.example.com/wechatpay/complaints";
                emulator.setSetting("complaint", IMPORTED, MCHID);
                const newCalls = callLog(emulator);
                const p = await project("imports");
                const args = ["import", "wechatpay:index:ComplaintNotification", "complaints", MCHID];
                await p.ok([...args, "--out", "imported.yaml", "--protect=false", "--yes", "--skip-preview"], STEP_MS);
                const code = await readFile(join(p.workDir, "imported.yaml"), "utf8");
                // Pulumi YAML writes the short token (the `index` module elided).
                expect(code).toContain("type: wechatpay:ComplaintNotification");
                expect(code).toContain(`notifyUrl: ${IMPORTED}`);
                expect(newCalls()).toEqual({ [`complaints ${MCHID}`]: ["GET 200"] });
                expect(emulator.setting("complaint", MCHID)).toBe(IMPORTED);
                // The generated program is the imported state: a preview of it proposes nothing.
                await writeFile(join(p.workDir, "Pulumi.yaml"), `name: wechatpay-yaml\nruntime: yaml\n${code}`);
                const preview = await p.run(["preview", "--expect-no-changes"], STEP_MS);
                expect(preview.code, `${preview.stdout}\n${preview.stderr}`).toBe(0);
                expect(
                    Object.values(newCalls())
                        .flat()
                        .filter((c) => !c.startsWith("GET")),
                ).toEqual([]);
            },
            STEP_MS,
        );
    },
);
