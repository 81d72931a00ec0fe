/**
 * `npm run demo` with a Pulumi CLI that fails: the demo must take the CLI path, report the CLI's own error and exit
 * non-zero, not fall back to the harness or claim success. The fake `pulumi` answers `version` (so it is chosen) and
 * fails `up`; its other commands succeed silently.
 */
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, scrubbedEnv } from "../../harness";

const FAILURE = "error: fake pulumi refuses to run up";
const FAKE_PULUMI = `#!/bin/sh
case "$1" in
    version) echo "v3.230.0" ;;
    up) echo "${FAILURE}" >&2; exit 1 ;;
    *) exit 0 ;;
esac
`;

let bin: string;

beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), "fake-pulumi-"));
    await writeFile(join(bin, "pulumi"), FAKE_PULUMI);
    await chmod(join(bin, "pulumi"), 0o755);
});

afterAll(async () => {
    if (bin) await rm(bin, { recursive: true, force: true });
});

describe.skipIf(process.platform === "win32")("npm run demo with a Pulumi CLI whose `up` fails", () => {
    it("reports the CLI's failure and exits non-zero", async () => {
        const tsx = join(REPO, "node_modules", "tsx", "dist", "cli.mjs");
        const env = scrubbedEnv({ PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` });
        const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
            (resolve) => {
                execFile(
                    process.execPath,
                    [tsx, "scripts/demo.ts"],
                    { cwd: REPO, env, timeout: 240_000 },
                    (err, out, e) =>
                        resolve({
                            code: err === null ? 0 : typeof err.code === "number" ? err.code : -1,
                            stdout: out,
                            stderr: e,
                        }),
                );
            },
        );
        expect(stdout).toContain(`pulumi-wechatpay demo with the Pulumi CLI 3.230.0 (${join(bin, "pulumi")})`);
        expect(stdout).toContain(`✗ 1. pulumi up: failed: ${FAILURE}`);
        expect(stdout).toContain("(stopped: 4 more step(s) not run)");
        expect(stdout).not.toContain("WITHOUT the Pulumi CLI");
        expect(stderr).toContain(FAILURE);
        expect(code).toBe(1);
    }, 300_000);
});

describe.skipIf(process.platform === "win32")("npm run demo -- --install-cli where Go is missing", () => {
    it("fails with one line saying why, no stack trace, and no download", async () => {
        const tsx = join(REPO, "node_modules", "tsx", "dist", "cli.mjs");
        const empty = await mkdtemp(join(tmpdir(), "no-cli-"));
        try {
            // PATH: only node's folder (no go, no pulumi); HOME and the build cache: empty, so no CLI is found.
            const env = scrubbedEnv({
                PATH: dirname(process.execPath),
                HOME: empty,
                PULUMI_WECHATPAY_CLI_CACHE: empty,
            });
            const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
                (resolve) => {
                    execFile(
                        process.execPath,
                        [tsx, "scripts/demo.ts", "--install-cli"],
                        { cwd: REPO, env, timeout: 120_000 },
                        (err, out, e) =>
                            resolve({
                                code: err === null ? 0 : typeof err.code === "number" ? err.code : -1,
                                stdout: out,
                                stderr: e,
                            }),
                    );
                },
            );
            expect(stdout).toContain("Building the Pulumi CLI with `npm run cli:build`");
            expect(stderr.trim().split("\n")).toEqual([
                "demo: --install-cli could not build the Pulumi CLI: Go was not found on PATH: install Go >= 1.26.6 (cli/go.mod's go line; " +
                    "https://go.dev/doc/install) or put a `pulumi` CLI on PATH",
            ]);
            expect(stderr).not.toMatch(/\n\s+at /);
            expect(code).toBe(1);
        } finally {
            await rm(empty, { recursive: true, force: true });
        }
    }, 180_000);
});
