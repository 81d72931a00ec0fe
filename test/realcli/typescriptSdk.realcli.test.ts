/**
 * examples/typescript-sdk through the real CLI (`npm run cli:build`: pulumi v3.276.0, pulumi-language-nodejs v3.68.0)
 * on Node.js 24, with the Node.js SDK generated from the plugin's schema (`npm run plugin:sdks`:
 * sdk/nodejs/wechatpay.tgz) and the plugin installed from its tarball: the quick-start story with WeChat Pay calls
 * asserted per step (pluginStory.ts). The example is installed as a user installs it, `npm install` in its folder
 * (the SDK's dependency, @pulumi/pulumi ^3.269.0, from the registry or npm's cache). Skipped with the reason where the
 * CLI, the Node.js host or Node 24 is missing.
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe } from "vitest";
import { REPO } from "../../harness/cli";
import { findLanguageHost } from "../../harness/languageHosts";
import { NODE_SDK_TARBALL, pluginSdk } from "../../harness/pluginSdk";
import { node24 } from "../../harness/realCli";
import { run } from "../../harness/run";
import { type PluginProgram, pluginRig, pluginSkipReason, quickStartStory, STEP_MS } from "./pluginStory";

const { runtime, reason: nodeReason } = node24();
const reason = pluginSkipReason(findLanguageHost("nodejs").reason || nodeReason);
if (reason !== "") console.warn(`test/realcli/typescriptSdk.realcli.test.ts: skipped: ${reason}`);

const EXAMPLE = join(REPO, "examples", "typescript-sdk");
/** The dependency naming the generated SDK (test/unit/pluginExamples.test.ts checks it). */
const SDK_DEPENDENCY = `file:../../sdk/nodejs/${NODE_SDK_TARBALL}`;

const TYPESCRIPT: PluginProgram = {
    language: "TypeScript (generated SDK)",
    project: "wechatpay-typescript-sdk",
    files: async () => {
        const sdk = await pluginSdk("nodejs");
        const read = (name: string) => readFile(join(EXAMPLE, name), "utf8");
        return {
            "Pulumi.yaml": await read("Pulumi.yaml"),
            "index.ts": await read("index.ts"),
            "tsconfig.json": await read("tsconfig.json"),
            "package.json": (await read("package.json")).replace(SDK_DEPENDENCY, `file:${join(sdk, NODE_SDK_TARBALL)}`),
        };
    },
    // The Node.js host runs the `node` first on PATH.
    host: async () => ({ pathBefore: [dirname(runtime?.node ?? "")] }),
    prepare: async (p) => {
        const args = ["install", "--no-audit", "--no-fund", "--no-update-notifier", "--no-package-lock"];
        await run("npm", args, { cwd: p.workDir, timeoutMs: STEP_MS });
    },
};

describe.skipIf(reason !== "")(
    reason === "" ? "examples/typescript-sdk through the real CLI" : `examples/typescript-sdk (skipped: ${reason})`,
    () => {
        const rig = pluginRig(TYPESCRIPT, reason);
        quickStartStory(TYPESCRIPT, rig);
    },
);
