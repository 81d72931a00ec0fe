/**
 * examples/go through the real CLI (`npm run cli:build`: pulumi v3.276.0, pulumi-language-go v3.66.0) on the SDK
 * generated from the plugin's schema (`npm run plugin:sdks`, which writes its go.mod) and the plugin installed from
 * its tarball: the quick-start story with WeChat Pay calls asserted per step (pluginStory.ts). The example's `replace`
 * points at `../../sdk/go`; the copy in a temp folder points at the same folder by its absolute path. Modules come
 * from the Go module proxy (go.sum is committed). Skipped with the reason where the CLI, the Go host or Go is missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../harness/cli";
import { findLanguageHost } from "../../harness/languageHosts";
import { pluginSdk, SCHEMA } from "../../harness/pluginSdk";
import {
    importCodeTest,
    type PluginProgram,
    pluginRig,
    pluginSkipReason,
    quickStartStory,
    STEP_MS,
} from "./pluginStory";

const hasGo = spawnSync("go", ["version"]).status === 0;
const reason = pluginSkipReason(
    findLanguageHost("go").reason || (hasGo ? "" : "Go is not on PATH (the Go host builds the program with it)"),
);
if (reason !== "") console.warn(`test/realcli/go.realcli.test.ts: skipped: ${reason}`);

const EXAMPLE = join(REPO, "examples", "go");
/** The replace target naming the generated SDK (test/unit/pluginExamples.test.ts checks it). */
const REPLACE = "=> ../../sdk/go";

const GO: PluginProgram = {
    language: "Go",
    project: "wechatpay-go",
    files: async () => {
        const sdk = await pluginSdk("go");
        const read = (name: string) => readFile(join(EXAMPLE, name), "utf8");
        return {
            "Pulumi.yaml": await read("Pulumi.yaml"),
            "main.go": await read("main.go"),
            "go.mod": (await read("go.mod")).replace(REPLACE, `=> ${sdk}`),
            "go.sum": await read("go.sum"),
        };
    },
    host: async () => ({ env: { GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly" } }),
};

describe.skipIf(reason !== "")(
    reason === "" ? "examples/go through the real CLI" : `examples/go (skipped: ${reason})`,
    () => {
        const rig = pluginRig(GO, reason);
        quickStartStory(GO, rig);
        importCodeTest(GO, rig, {
            out: "imported.go",
            resource: "wechatpay.NewComplaintNotification(",
            main: "main.go",
        });

        it(
            "pulumi package add generates the Go SDK into the program and points go.mod at it",
            async () => {
                const p = await rig.project("add");
                // Link (go.mod's replace) is the shim's own; installing dependencies is the old host's.
                const r = await p.ok(["package", "add", SCHEMA], STEP_MS);
                expect(r.stdout).toContain('"github.com/pulumi-wechatpay/pulumi-wechatpay/sdk/go/wechatpay"');
                const mod = await readFile(join(p.workDir, "go.mod"), "utf8");
                expect(mod).toContain("github.com/pulumi-wechatpay/pulumi-wechatpay/sdk/go => ./sdks/wechatpay");
                const sdk = join(p.workDir, "sdks", "wechatpay");
                expect(existsSync(join(sdk, "go.mod"))).toBe(true);
                expect(existsSync(join(sdk, "wechatpay", "complaintNotification.go"))).toBe(true);
                // The program builds and runs on the added SDK.
                const preview = await p.run(["preview"], STEP_MS);
                expect(preview.code, `${preview.stdout}\n${preview.stderr}`).toBe(0);
                expect(preview.stdout).toContain("wechatpay:index:MembercardCallback");
            },
            STEP_MS,
        );
    },
);
