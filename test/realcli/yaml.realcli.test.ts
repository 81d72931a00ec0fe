/**
 * examples/yaml through the real CLI (`npm run cli:build`: pulumi v3.276.0 and pulumi-language-yaml v1.38.3) and the
 * wechatpay plugin installed from `npm run plugin:pack`'s tarball: the quick-start story with the emulator's requests
 * asserted per step (pluginStory.ts), and `pulumi import` with YAML code generation (the generated program previews
 * clean). Skipped with the reason where the CLI or the YAML host is missing.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "vitest";
import { REPO } from "../../harness/cli";
import { findLanguageHost } from "../../harness/languageHosts";
import { importCodeTest, type PluginProgram, pluginRig, pluginSkipReason, quickStartStory } from "./pluginStory";

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

        importCodeTest(YAML, rig, {
            out: "imported.yaml",
            // Pulumi YAML writes the short token (the `index` module elided).
            resource: "type: wechatpay:ComplaintNotification",
            main: "Pulumi.yaml",
            program: (generated) => `name: wechatpay-yaml\nruntime: yaml\n${generated}`,
        });
    },
);
