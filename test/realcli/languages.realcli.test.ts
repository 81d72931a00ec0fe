/**
 * Programs in YAML, Python and Go through the real CLI with the language hosts `npm run cli:build` builds
 * (pulumi-language-yaml v1.38.3, pulumi-language-python v3.68.0, pulumi-language-go v3.66.0): each program reads a
 * config value and a secret, exports both, and goes through `up` and `destroy`. Skipped with the reason where the CLI,
 * a host, the Python virtual environment (`npm run python:venv`) or Go is missing.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostProject } from "../../harness/hostProject";
import { findLanguageHost, findPythonVenv, PYTHON_VENV } from "../../harness/languageHosts";
import { findRealCli } from "../../harness/realCli";

const STEP_MS = 600_000;
const { cli, reason: cliReason } = findRealCli();
const hasGo = spawnSync("go", ["version"]).status === 0;

/** Why a language's test cannot run, or "" when it can. */
function skipReason(language: "yaml" | "python" | "go"): string {
    if (cli === undefined) return cliReason;
    if (cli.source !== "built") return `the CLI on PATH (${cli.binary}) is not the one \`npm run cli:build\` makes`;
    const host = findLanguageHost(language);
    if (host.host === undefined) return host.reason;
    if (language === "python") return findPythonVenv().reason;
    if (language === "go" && !hasGo) return "Go is not on PATH (the Go host builds the program with it)";
    return "";
}

/** The story each program goes through: init, config (one secret), up, the outputs, destroy. */
function story(
    language: "yaml" | "python" | "go",
    files: () => Record<string, string>,
    prepare?: (workDir: string) => void,
) {
    const reason = skipReason(language);
    if (reason !== "") console.warn(`test/realcli/languages.realcli.test.ts: ${language} skipped: ${reason}`);
    describe.skipIf(reason !== "")(
        reason === ""
            ? `a ${language} program through pulumi ${cli?.version}`
            : `a ${language} program (skipped: ${reason})`,
        () => {
            let project: HostProject;
            beforeAll(async () => {
                if (reason !== "" || cli === undefined) return;
                const venv = findPythonVenv();
                project = await HostProject.create({
                    binDir: cli.binDir,
                    files: files(),
                    // See harness/languageHosts.ts pythonPath: our Python host takes the environment from PATH.
                    pathBefore: language === "python" && venv.binDir !== undefined ? [venv.binDir] : [],
                });
                prepare?.(project.workDir);
                await project.ok(["stack", "init", "dev", "--secrets-provider", "passphrase"]);
                await project.ok(["config", "set", "who", "merchant"]);
                await project.ok(["config", "set", "--secret", "token", "s3cr3t-token"]);
            }, STEP_MS);
            afterAll(async () => {
                await project?.dispose();
            });

            it(
                "up creates the stack and exports the outputs; the secret stays secret",
                async () => {
                    const up = await project.ok(["up", "--yes", "--skip-preview"], STEP_MS);
                    expect(up.stdout).toMatch(/\+ 1 created/);
                    expect(up.stdout).not.toContain("s3cr3t-token");
                    const out = JSON.parse((await project.ok(["stack", "output", "--json"])).stdout);
                    expect(out.greeting).toBe(`hello-merchant from ${language}`);
                    expect(out.token).toBe("[secret]");
                    const shown = JSON.parse(
                        (await project.ok(["stack", "output", "--json", "--show-secrets"])).stdout,
                    );
                    expect(shown.token).toBe("s3cr3t-token");
                    if (language === "python") expect(out.prefix).toBe(PYTHON_VENV);
                },
                STEP_MS,
            );

            it(
                "destroy empties the stack",
                async () => {
                    await project.ok(["destroy", "--yes", "--skip-preview"], STEP_MS);
                    const state = JSON.parse((await project.ok(["stack", "export"])).stdout);
                    expect(state.deployment.resources ?? []).toEqual([]);
                },
                STEP_MS,
            );
        },
    );
}

/** A Pulumi YAML interpolation, `${name}` (written this way: a `${` in a plain string reads as a template mistake). */
const ref = (name: string) => `\${${name}}`;

story("yaml", () => ({
    "Pulumi.yaml": [
        "name: yaml-host",
        "runtime: yaml",
        "config:",
        "  who: { type: string }",
        "  token: { type: string, secret: true }",
        "outputs:",
        `  greeting: hello-${ref("who")} from yaml`,
        `  token: ${ref("token")}`,
        "",
    ].join("\n"),
}));

story("python", () => ({
    // The virtualenv option is for the official CLI; ours takes the environment from PATH (harness/languageHosts.ts).
    "Pulumi.yaml": `name: python-host\nruntime:\n  name: python\n  options:\n    virtualenv: ${PYTHON_VENV}\n`,
    "__main__.py": [
        "import sys",
        "import pulumi",
        "",
        "config = pulumi.Config()",
        'pulumi.export("greeting", f"hello-{config.require(\'who\')} from python")',
        'pulumi.export("token", config.require_secret("token"))',
        'pulumi.export("prefix", sys.prefix)',
        "",
    ].join("\n"),
}));

story(
    "go",
    () => ({
        "Pulumi.yaml": "name: go-host\nruntime: go\n",
        "main.go": [
            "package main",
            "",
            "import (",
            '\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi"',
            '\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"',
            ")",
            "",
            "func main() {",
            "\tpulumi.Run(func(ctx *pulumi.Context) error {",
            '\t\tctx.Export("greeting", pulumi.String("hello-"+config.Require(ctx, "who")+" from go"))',
            '\t\tctx.Export("token", config.RequireSecret(ctx, "token"))',
            "\t\treturn nil",
            "\t})",
            "}",
            "",
        ].join("\n"),
        "go.mod": "module example.invalid/go-host\n\ngo 1.25.11\n\nrequire github.com/pulumi/pulumi/sdk/v3 v3.276.0\n",
    }),
    goModTidy,
);

/** The program's go.sum: `go mod tidy` (the Go host's `go build` refuses missing sums), modules from the proxy. */
function goModTidy(workDir: string): void {
    const env = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" };
    const r = spawnSync("go", ["mod", "tidy"], { cwd: workDir, env, encoding: "utf8", timeout: STEP_MS });
    if (r.status !== 0) throw new Error(`go mod tidy failed in the Go program (exit ${r.status}): ${r.stderr}`);
}
