/**
 * examples/yaml through the real CLI (`npm run cli:build`: pulumi v3.276.0 and pulumi-language-yaml v1.38.3) and the
 * wechatpay plugin installed from `npm run plugin:pack`'s tarball: the quick-start story with the emulator's requests
 * asserted per step (pluginStory.ts), and `pulumi import` with YAML code generation (the generated program previews
 * clean). Skipped with the reason where the CLI or the YAML host is missing.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MCHID } from "../../harness";
import { REPO } from "../../harness/cli";
import { findLanguageHost } from "../../harness/languageHosts";
import { callLog } from "./examples";
import { type PluginProgram, pluginRig, pluginSkipReason, quickStartStory, STEP_MS } from "./pluginStory";

const yamlHost = findLanguageHost("yaml");
const reason = pluginSkipReason(yamlHost.reason);
if (reason !== "") console.warn(`test/realcli/yaml.realcli.test.ts: skipped: ${reason}`);

const YAML: PluginProgram = {
    language: "YAML",
    project: "wechatpay-yaml",
    files: async () => ({ "Pulumi.yaml": await readFile(join(REPO, "examples", "yaml", "Pulumi.yaml"), "utf8") }),
};

describe.skipIf(reason !== "")(
    reason === "" ? "examples/yaml through the real CLI" : `examples/yaml (skipped: ${reason})`,
    () => {
        const rig = pluginRig(YAML, reason);
        quickStartStory(YAML, rig);

        it(
            "pulumi import writes the YAML for a live setting: one read, no write",
            async () => {
                const { emulator } = rig;
                emulator.reset();
                const IMPORTED = "https://merchant.example.com/wechatpay/complaints";
                emulator.setSetting("complaint", IMPORTED, MCHID);
                const newCalls = callLog(emulator);
                const p = await rig.project("imports");
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
