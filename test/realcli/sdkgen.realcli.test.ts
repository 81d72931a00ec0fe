/**
 * SDK generation (harness/sdkGen.ts → `pulumi package gen-sdk`, answered by our host shim cli/langshim with Pulumi's
 * code generators at v3.276.0) for a fixture schema with one custom resource and a secret config key
 * (fixtures/sdkgen-schema.json), in the three languages: the Node.js SDK type-checks with `tsc`, the Python SDK
 * installs and imports in the virtual environment, the Go SDK passes `go vet` and `go build` against
 * github.com/pulumi/pulumi/sdk/v3 v3.276.0. The secret stays marked secret in each.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../../harness/cli";
import { HostProject } from "../../harness/hostProject";
import { findPythonVenv } from "../../harness/languageHosts";
import { nodeSdkDeps } from "../../harness/pluginSdk";
import { findRealCli } from "../../harness/realCli";
import { generateSdk } from "../../harness/sdkGen";

const STEP_MS = 600_000;
const SCHEMA = join(__dirname, "fixtures", "sdkgen-schema.json");
const { cli, reason } = findRealCli();
if (reason !== "") console.warn(`test/realcli/sdkgen.realcli.test.ts: skipped: ${reason}`);
const venv = findPythonVenv();
const hasGo = spawnSync("go", ["version"]).status === 0;

describe.skipIf(reason !== "")(
    reason === "" ? "SDK generation with Pulumi's code generators" : `SDK generation (skipped: ${reason})`,
    () => {
        let tmp: string;
        beforeAll(async () => {
            tmp = await mkdtemp(join(tmpdir(), "sdkgen-"));
        });
        afterAll(async () => {
            if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
        });

        it(
            "`pulumi package gen-sdk` itself writes each language's SDK through our hosts",
            async () => {
                if (cli === undefined) return;
                const project = await HostProject.create({ binDir: cli.binDir, files: {} });
                try {
                    const out = join(tmp, "direct");
                    for (const [language, file, text] of [
                        ["nodejs", "greeting.ts", "class Greeting extends pulumi.CustomResource"],
                        ["python", join("pulumi_sdkfixture", "greeting.py"), "class Greeting(pulumi.CustomResource)"],
                        ["go", join("sdkfixture", "greeting.go"), "type Greeting struct"],
                    ]) {
                        const args = ["package", "gen-sdk", SCHEMA, "--language", `${language}`, "--out", out];
                        const r = await project.run(args);
                        expect(r.code, `${language}: ${r.stdout}${r.stderr}`).toBe(0);
                        const code = await readFile(join(out, `${language}`, `${file}`), "utf8");
                        expect(code).toContain(text);
                        // The header names the host the CLI asked, the way the official host writes it.
                        expect(code).toContain(`pulumi-language-${language}`);
                    }
                } finally {
                    await project.dispose();
                }
            },
            STEP_MS,
        );

        it("a bad schema is an error that names the file", async () => {
            const bad = join(tmp, "bad.json");
            await writeFile(bad, "{ not json");
            await expect(generateSdk(bad, "nodejs", join(tmp, "bad"))).rejects.toThrow(
                /gen-sdk \S*bad\.json --language nodejs failed.*invalid character/s,
            );
        });

        it(
            "the Node.js SDK type-checks against @pulumi/pulumi and keeps the secret secret",
            async () => {
                const out = join(tmp, "nodejs");
                const files = await generateSdk(SCHEMA, "nodejs", out);
                expect(files).toEqual(expect.arrayContaining(["greeting.ts", "provider.ts", "config/vars.ts"]));
                expect(await readFile(join(out, "provider.ts"), "utf8")).toContain("pulumi.secret(args.token)");
                await symlink(await nodeSdkDeps(), join(out, "node_modules"));
                const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
                const r = spawnSync(process.execPath, [tsc, "-p", join(out, "tsconfig.json"), "--noEmit"], {
                    encoding: "utf8",
                    timeout: STEP_MS,
                });
                expect(r.status, r.stdout + r.stderr).toBe(0);
            },
            STEP_MS,
        );

        it.skipIf(venv.python === undefined)(
            `the Python SDK installs and imports in the virtual environment${venv.python === undefined ? ` (skipped: ${venv.reason})` : ""}`,
            async () => {
                const out = join(tmp, "python");
                const files = await generateSdk(SCHEMA, "python", out);
                expect(files).toEqual(expect.arrayContaining(["setup.py", "pulumi_sdkfixture/greeting.py"]));
                const provider = await readFile(join(out, "pulumi_sdkfixture", "provider.py"), "utf8");
                expect(provider).toContain("pulumi.Output.secret(token)");
                // Installed into a folder of its own (the shared environment stays as the requirements say), offline:
                // the environment's setuptools builds it, and its one dependency, pulumi, is there already.
                const site = join(tmp, "python-site");
                const pip = ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--no-deps"];
                const install = spawnSync(
                    venv.python ?? "",
                    [...pip, "--no-build-isolation", "--no-index", "--target", site, out],
                    { encoding: "utf8", timeout: STEP_MS },
                );
                expect(install.status, install.stdout + install.stderr).toBe(0);
                const probe = [
                    "import pulumi_sdkfixture as s",
                    "from pulumi_sdkfixture import config",
                    "print(s.Greeting.__name__, s.Provider.__name__, type(config.token).__name__)",
                ].join("; ");
                const r = spawnSync(venv.python ?? "", ["-c", probe], {
                    encoding: "utf8",
                    env: { ...process.env, PYTHONPATH: site },
                    timeout: STEP_MS,
                });
                expect(r.status, r.stdout + r.stderr).toBe(0);
                expect(r.stdout.trim()).toBe("Greeting Provider NoneType");
            },
            STEP_MS,
        );

        it.skipIf(!hasGo)(
            `the Go SDK passes go vet and go build against sdk/v3 v3.276.0${hasGo ? "" : " (skipped: Go is not on PATH)"}`,
            async () => {
                const out = join(tmp, "go");
                const files = await generateSdk(SCHEMA, "go", out);
                expect(files).toEqual(expect.arrayContaining(["sdkfixture/greeting.go", "sdkfixture/provider.go"]));
                expect(await readFile(join(out, "sdkfixture", "provider.go"), "utf8")).toContain("pulumi.ToSecret");
                // The schema's importBasePath is example.invalid/sdkfixture/go/sdkfixture: the module is the folder.
                await writeFile(
                    join(out, "go.mod"),
                    "module example.invalid/sdkfixture/go\n\ngo 1.25.11\n\nrequire github.com/pulumi/pulumi/sdk/v3 v3.276.0\n",
                );
                const env = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" };
                for (const args of [
                    ["mod", "tidy"],
                    ["vet", "./..."],
                    ["build", "./..."],
                ]) {
                    const r = spawnSync("go", args, { cwd: out, env, encoding: "utf8", timeout: STEP_MS });
                    expect(r.status, `go ${args.join(" ")}: ${r.stdout}${r.stderr}`).toBe(0);
                }
                const mod = await readFile(join(out, "go.mod"), "utf8");
                expect(mod).toContain("github.com/pulumi/pulumi/sdk/v3 v3.276.0");
            },
            STEP_MS,
        );
    },
);
