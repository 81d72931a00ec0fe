/**
 * examples/python through the real CLI (`npm run cli:build`: pulumi v3.276.0, pulumi-language-python v3.68.0) on the
 * SDK generated from the plugin's schema (`npm run plugin:sdks`) and the plugin installed from its tarball: the
 * quick-start story with WeChat Pay calls asserted per step (pluginStory.ts). The SDK is installed with pip into a
 * folder of its own on PYTHONPATH, offline (`--no-index`, its one dependency, pulumi, is in the shared environment
 * `npm run python:venv` makes); a user runs `pip install -r requirements.txt` in the project's venv instead.
 * Skipped with the reason where the CLI, the Python host or the environment is missing.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../../harness/cli";
import { findLanguageHost, findPythonVenv } from "../../harness/languageHosts";
import { pluginSdk } from "../../harness/pluginSdk";
import {
    importCodeTest,
    type PluginProgram,
    pluginRig,
    pluginSkipReason,
    quickStartStory,
    STEP_MS,
} from "./pluginStory";

const venv = findPythonVenv();
const reason = pluginSkipReason(findLanguageHost("python").reason || venv.reason);
if (reason !== "") console.warn(`test/realcli/python.realcli.test.ts: skipped: ${reason}`);

const EXAMPLE = join(REPO, "examples", "python");
let site = "";

const PYTHON: PluginProgram = {
    language: "Python",
    project: "wechatpay-python",
    files: async () => ({
        "Pulumi.yaml": await readFile(join(EXAMPLE, "Pulumi.yaml"), "utf8"),
        "__main__.py": await readFile(join(EXAMPLE, "__main__.py"), "utf8"),
    }),
    // The old host takes its python from PATH (harness/languageHosts.ts, pythonPath).
    host: async () => ({ pathBefore: [venv.binDir ?? ""], env: { PYTHONPATH: site } }),
};

describe.skipIf(reason !== "")(
    reason === "" ? "examples/python through the real CLI" : `examples/python (skipped: ${reason})`,
    () => {
        beforeAll(async () => {
            if (reason !== "") return;
            const sdk = await pluginSdk("python");
            site = await mkdtemp(join(tmpdir(), "wechatpay-python-sdk-"));
            const pip = ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--no-deps"];
            const r = spawnSync(
                venv.python ?? "",
                [...pip, "--no-build-isolation", "--no-index", "--target", site, sdk],
                {
                    encoding: "utf8",
                    timeout: STEP_MS,
                },
            );
            if (r.status !== 0) throw new Error(`pip install ${sdk} failed (exit ${r.status}): ${r.stderr}`);
            return () => rm(site, { recursive: true, force: true });
        }, STEP_MS);

        const rig = pluginRig(PYTHON, reason);
        quickStartStory(PYTHON, rig);
        importCodeTest(PYTHON, rig, {
            out: "imported.py",
            resource: "wechatpay.ComplaintNotification(",
            main: "__main__.py",
        });

        it("the example's requirements name the generated SDK's folder", async () => {
            const requirements = await readFile(join(EXAMPLE, "requirements.txt"), "utf8");
            expect(requirements).toContain("../../sdk/python");
            expect(requirements).toMatch(/^pulumi>=3/m);
        });
    },
);
