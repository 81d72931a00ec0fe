/**
 * examples/quickstart with the real Pulumi CLI, against the emulator, on a throwaway local file backend with the
 * passphrase secrets provider, the package installed from its packed tarball:
 *
 *   up → preview --refresh --expect-no-changes passes → out-of-band change → the same preview fails and writes
 *   nothing → examples/drift-check reports it → up --refresh corrects it → destroy restores the previous URL.
 *
 * It needs a `pulumi` binary (3.216 or newer) on PATH, in ~/.pulumi/bin or in ~/.pulumi/versions/*. Without one the
 * whole suite is reported as skipped, with the reason in its name and on stderr; it never passes vacuously.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    compareVersions,
    findPulumiClis,
    MIN_CLI_VERSION,
    NO_CLI_REASON,
    prepareConsumer,
    prepareExampleWorkDir,
    pulumiEnv,
    REPO,
    STORY,
    scrubbedEnv,
} from "../../harness";
import { type Emulator, startEmulator } from "../../provider/testing";

const { type: TYPE, mchid: MCHID, before: BEFORE, ours: OURS, drifted: DRIFTED, stack: STACK } = STORY;
const PASSPHRASE = "pulumi-wechatpay-cli-test";
const STEP_TIMEOUT_MS = 300_000;

/** True for a non-empty list of successful GETs: a refresh reads and never writes. */
const onlyReads = (calls: string[]): boolean => calls.length > 0 && calls.every((c) => c === "GET 200");

/** The first CLI that is new enough, and why the suite is skipped when there is none. */
function pickCli(): { cli?: { binary: string; version: string }; reason: string } {
    const tooOld: string[] = [];
    for (const location of findPulumiClis()) {
        let version: string;
        try {
            version = execFileSync(location.binary, ["version"], {
                encoding: "utf8",
                timeout: 30_000,
                env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
            }).trim();
        } catch {
            continue;
        }
        if (compareVersions(version, MIN_CLI_VERSION) >= 0) {
            return { cli: { binary: location.binary, version }, reason: "" };
        }
        tooOld.push(`${location.binary} is ${version}`);
    }
    return tooOld.length === 0
        ? { reason: NO_CLI_REASON }
        : { reason: `skipped: no Pulumi CLI ${MIN_CLI_VERSION} or newer (${tooOld.join(", ")})` };
}

const { cli, reason } = pickCli();
if (cli === undefined) {
    console.warn(`test/realcli/quickstart.realcli.test.ts: ${reason}`);
}

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a command to completion; a non-zero exit is a result, not an exception. */
function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
    return new Promise((resolve, reject) => {
        execFile(
            file,
            args,
            { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: STEP_TIMEOUT_MS - 10_000 },
            (error, stdout, stderr) => {
                if (error === null) return resolve({ code: 0, stdout, stderr });
                if (typeof error.code === "number") return resolve({ code: error.code, stdout, stderr });
                reject(new Error(`${file} ${args.join(" ")}: ${error.message}\n${stdout}\n${stderr}`));
            },
        );
    });
}

describe.skipIf(cli === undefined)(
    cli === undefined
        ? `examples/quickstart with the real Pulumi CLI (${reason})`
        : `examples/quickstart with the real Pulumi CLI ${cli.version}`,
    () => {
        let emulator: Emulator;
        let tmp: string;
        let workDir: string;
        let env: NodeJS.ProcessEnv;
        let seen = 0;

        /**
         * `pulumi <command…> --non-interactive --stack dev <args…>` in the work dir. The common flags go right after
         * the command words, so that `args` may end with `-- <value>`.
         */
        const pulumi = (command: string[], args: string[] = []) =>
            run(cli?.binary ?? "pulumi", [...command, "--non-interactive", "--stack", STACK, ...args], workDir, env);

        /** Like `pulumi`, but a non-zero exit fails the test with the CLI's output. */
        async function pulumiOk(command: string[], args: string[] = []): Promise<Run> {
            const result = await pulumi(command, args);
            if (result.code !== 0) {
                const line = [...command, ...args].join(" ");
                throw new Error(`pulumi ${line} exited with ${result.code}\n${result.stdout}\n${result.stderr}`);
            }
            return result;
        }

        /** The requests WeChat Pay (the emulator) got since the last call, as `METHOD status`. */
        const newCalls = (): string[] => {
            const calls = emulator.requests.slice(seen).map((r) => `${r.method} ${r.status}`);
            seen = emulator.requests.length;
            return calls;
        };

        /** The notifyUrl output stored in the stack's state (what `pulumi stack export` shows). */
        async function storedNotifyUrl(): Promise<unknown> {
            const exported = JSON.parse((await pulumiOk(["stack", "export"])).stdout) as {
                deployment?: { resources?: Array<{ type?: string; outputs?: Record<string, unknown> }> };
            };
            return exported.deployment?.resources?.find((r) => r.type === TYPE)?.outputs?.notifyUrl;
        }

        /** examples/drift-check/drift-check.ts against this stack. */
        async function driftCheck(): Promise<{ code: number; report: Record<string, unknown> }> {
            const tsx = join(REPO, "node_modules", ".bin", "tsx");
            const script = join(REPO, "examples", "drift-check", "drift-check.ts");
            const result = await run(tsx, [script, "--stack", STACK, "--work-dir", workDir], REPO, env);
            if (result.code === 1) throw new Error(`drift-check failed:\n${result.stderr}`);
            return { code: result.code, report: JSON.parse(result.stdout) as Record<string, unknown> };
        }

        beforeAll(async () => {
            const [consumer, started] = await Promise.all([
                prepareConsumer({ packageDir: REPO }),
                startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: BEFORE }] }),
            ]);
            emulator = started;
            tmp = await mkdtemp(join(tmpdir(), "pulumi-wechatpay-cli-"));
            const stateDir = join(tmp, "state");
            const pulumiHome = join(tmp, "pulumi-home");
            await Promise.all([mkdir(stateDir), mkdir(pulumiHome)]);
            workDir = await prepareExampleWorkDir(consumer, tmp);
            env = scrubbedEnv({
                ...pulumiEnv(stateDir, pulumiHome, PASSPHRASE),
                // The CLI finds its language and dynamic-provider plugins next to itself; drift-check finds the CLI.
                PATH: `${dirname(cli?.binary ?? "pulumi")}${delimiter}${process.env.PATH ?? ""}`,
            });

            const init = await run(
                cli?.binary ?? "pulumi",
                ["stack", "init", STACK, "--secrets-provider", "passphrase", "--non-interactive"],
                workDir,
                env,
            );
            if (init.code !== 0) throw new Error(`pulumi stack init failed:\n${init.stdout}\n${init.stderr}`);
            const c = emulator.credentials(MCHID);
            const set = (key: string, value: string, secret = false) =>
                // `--` before the value, as the Automation API does: a PEM starts with dashes.
                pulumiOk(["config", "set"], [key, secret ? "--secret" : "--plaintext", "--", value]);
            await set("wechatpay:baseUrl", emulator.baseUrl);
            await set("wechatpay:mchid", c.mchid);
            await set("wechatpay:serial", c.serial);
            await set("wechatpay:privateKey", c.privateKey, true);
            await set("wechatpay:publicKeyId", c.publicKeyId);
            await set("wechatpay:publicKey", c.publicKey);
            await set("notifyUrl", OURS);
        }, STEP_TIMEOUT_MS);

        afterAll(async () => {
            await emulator?.close();
            if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
        });

        it(
            "pulumi up creates it: adopts the merchant's setting, records the previous URL, sets ours",
            async () => {
                await pulumiOk(["up"], ["--yes"]);
                // The preview part of `up` only checks and diffs; creating adopts (GET) and sets (PATCH).
                expect(newCalls()).toEqual(["GET 200", "PATCH 200"]);
                expect(emulator.notifyUrl(MCHID)).toBe(OURS);
                const outputs = JSON.parse((await pulumiOk(["stack", "output"], ["--json"])).stdout) as Record<
                    string,
                    unknown
                >;
                expect(outputs).toMatchObject({ mchid: MCHID, notifyUrl: OURS, previousNotifyUrl: BEFORE });
            },
            STEP_TIMEOUT_MS,
        );

        it(
            "pulumi preview --refresh --expect-no-changes passes while nothing drifted (reads only)",
            async () => {
                const preview = await pulumi(["preview"], ["--refresh", "--expect-no-changes"]);
                expect(preview.code, `${preview.stdout}\n${preview.stderr}`).toBe(0);
                expect(onlyReads(newCalls())).toBe(true);
            },
            STEP_TIMEOUT_MS,
        );

        it(
            "after an out-of-band change the same preview fails, and writes neither WeChat Pay nor the state",
            async () => {
                emulator.setNotifyUrl(DRIFTED, MCHID);
                const preview = await pulumi(["preview"], ["--refresh", "--expect-no-changes"]);
                expect(preview.code, `${preview.stdout}\n${preview.stderr}`).not.toBe(0);
                // The documented exit-code mapping (CLI 3.226.1+) gives "expected no changes" its own code.
                if (cli !== undefined && compareVersions(cli.version, "3.226.1") >= 0) expect(preview.code).toBe(7);
                expect(onlyReads(newCalls())).toBe(true);
                expect(emulator.notifyUrl(MCHID)).toBe(DRIFTED);
                expect(await storedNotifyUrl()).toBe(OURS);
            },
            STEP_TIMEOUT_MS,
        );

        it(
            "examples/drift-check reports the drift as JSON and exits with 2",
            async () => {
                const { code, report } = await driftCheck();
                expect(report).toMatchObject({
                    stack: STACK,
                    drift: true,
                    resources: [
                        {
                            type: "MembercardCallback",
                            field: "notifyUrl",
                            expected: OURS,
                            live: DRIFTED,
                            drift: true,
                            plannedOp: "update",
                        },
                    ],
                });
                expect(code).toBe(2);
                newCalls();
            },
            STEP_TIMEOUT_MS,
        );

        it(
            "pulumi up --refresh sets our URL again",
            async () => {
                await pulumiOk(["up"], ["--refresh", "--yes"]);
                // Reads (the preview's refresh, then the update's), then one PATCH.
                const calls = newCalls();
                expect(calls.at(-1)).toBe("PATCH 200");
                expect(onlyReads(calls.slice(0, -1))).toBe(true);
                expect(emulator.notifyUrl(MCHID)).toBe(OURS);
                const { code, report } = await driftCheck();
                expect(report).toMatchObject({
                    drift: false,
                    resources: [{ live: OURS, drift: false, plannedOp: "same" }],
                });
                expect(code).toBe(0);
                newCalls();
            },
            STEP_TIMEOUT_MS,
        );

        it(
            "pulumi destroy restores the URL that was set before",
            async () => {
                await pulumiOk(["destroy"], ["--yes"]);
                expect(newCalls()).toEqual(["GET 200", "PATCH 200"]);
                expect(emulator.notifyUrl(MCHID)).toBe(BEFORE);
            },
            STEP_TIMEOUT_MS,
        );
    },
);
