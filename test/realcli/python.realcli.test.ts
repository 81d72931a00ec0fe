/**
 * examples/python through the real CLI (`npm run cli:build`: pulumi v3.276.0, pulumi-language-python v3.68.0) on the
 * SDK generated from the plugin's schema (`npm run plugin:sdks`) and the plugin installed from its tarball: the
 * quick-start story with WeChat Pay calls asserted per step (pluginStory.ts). Installed as the example's README says:
 * a `venv` in the project, `pip install -r requirements.txt` (pulumi from the package index or pip's cache, the SDK
 * from a copy of `sdk/python`: pip builds in the source folder), the venv's bin first on PATH. Skipped with the reason
 * where the CLI, the Python host or python3 is missing.
 */
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe } from "vitest";
import { REPO } from "../../harness/cli";
import { findLanguageHost } from "../../harness/languageHosts";
import { pluginSdk } from "../../harness/pluginSdk";
import { run } from "../../harness/run";
import {
    importCodeTest,
    type PluginProgram,
    pluginRig,
    pluginSkipReason,
    quickStartStory,
    STEP_MS,
} from "./pluginStory";

const hasPython = spawnSync("python3", ["-m", "venv", "--help"]).status === 0;
const reason = pluginSkipReason(
    findLanguageHost("python").reason || (hasPython ? "" : "python3 with its venv module is not on PATH"),
);
if (reason !== "") console.warn(`test/realcli/python.realcli.test.ts: skipped: ${reason}`);

const EXAMPLE = join(REPO, "examples", "python");
/** The requirement line naming the generated SDK (test/unit/pluginExamples.test.ts checks it). */
const SDK_REQUIREMENT = "../../sdk/python";
let sdkCopy = "";

const PYTHON: PluginProgram = {
    language: "Python",
    project: "wechatpay-python",
    files: async () => {
        const read = (name: string) => readFile(join(EXAMPLE, name), "utf8");
        return {
            "Pulumi.yaml": await read("Pulumi.yaml"),
            "__main__.py": await read("__main__.py"),
            "requirements.txt": (await read("requirements.txt")).replace(SDK_REQUIREMENT, sdkCopy),
        };
    },
    prepare: async (p) => {
        await run("python3", ["-m", "venv", "venv"], { cwd: p.workDir, timeoutMs: STEP_MS });
        const pip = join(p.workDir, "venv", "bin", "pip");
        const args = ["install", "--disable-pip-version-check", "--quiet", "-r", "requirements.txt"];
        await run(pip, args, { cwd: p.workDir, timeoutMs: STEP_MS });
        // Our v3.68 host runs the first python3 on PATH (harness/languageHosts.ts, pythonPath).
        p.prependPath(join(p.workDir, "venv", "bin"));
    },
};

describe.skipIf(reason !== "")(
    reason === "" ? "examples/python through the real CLI" : `examples/python (skipped: ${reason})`,
    () => {
        beforeAll(async () => {
            if (reason !== "") return;
            const tmp = await mkdtemp(join(tmpdir(), "wechatpay-python-sdk-"));
            sdkCopy = join(tmp, "python");
            await cp(await pluginSdk("python"), sdkCopy, { recursive: true });
            return () => rm(tmp, { recursive: true, force: true });
        }, STEP_MS);

        const rig = pluginRig(PYTHON, reason);
        quickStartStory(PYTHON, rig);
        importCodeTest(PYTHON, rig, {
            out: "imported.py",
            resource: "wechatpay.ComplaintNotification(",
            main: "__main__.py",
        });
    },
);
