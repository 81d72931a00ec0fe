/**
 * The language hosts that `npm run cli:build` puts next to the CLI, and the Python virtual
 * environment that `npm run python:venv` makes: where they are, or why not (for skip messages), and the environment a
 * Python program needs under our host.
 */
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { REPO } from "./cli";
import { cliBinDir, type HostLanguage, languageHostPath } from "./realCliBuild";

export { type HostLanguage, languageHostPath } from "./realCliBuild";

/** Where `npm run python:venv` (scripts/pythonVenv.ts) makes the virtual environment with cli/python-requirements.txt. */
export const PYTHON_VENV = join(REPO, ".cache", "python-venv");
/** The pinned requirements of that environment. */
export const PYTHON_REQUIREMENTS = join(REPO, "cli", "python-requirements.txt");

/** The built bin folder's host for `language` (and, for Python, its exec script), or why it is missing. */
export function findLanguageHost(language: HostLanguage): { host?: string; binDir: string; reason: string } {
    const binDir = cliBinDir(REPO);
    const host = languageHostPath(binDir, language);
    const needed = language === "python" ? [host, join(binDir, "pulumi-language-python-exec")] : [host];
    const missing = needed.filter((f) => !existsSync(f));
    if (missing.length > 0) return { binDir, reason: `${missing.join(", ")} not built: run \`npm run cli:build\`` };
    return { host, binDir, reason: "" };
}

/** The virtual environment's bin folder and python, or why it is not there. */
export function findPythonVenv(): { binDir?: string; python?: string; reason: string } {
    const binDir = join(PYTHON_VENV, "bin");
    const python = join(binDir, "python");
    if (!existsSync(join(PYTHON_VENV, ".requirements"))) {
        return { reason: `no Python virtual environment at ${PYTHON_VENV}: run \`npm run python:venv\`` };
    }
    return { binDir, python, reason: "" };
}

/**
 * What a Python program needs, beyond the CLI's hermetic environment, to run under our pulumi-language-python
 * v3.68.0: the virtual environment's bin folder first on PATH.
 *
 * Why not only `runtime.options.virtualenv` in Pulumi.yaml: the v3.68 host reads it from a `-virtualenv` flag
 * (python/cmd/pulumi-language-python/main.go, `flag.StringVar(&virtualenv, "virtualenv", …)`), which the CLI of that
 * era built from the runtime options (sdk/go/common/resource/plugin/langruntime_plugin.go v3.68.0,
 * buildArgsForNewPlugin). The v3.276.0 CLI passes only the engine address (buildArgsForNewPlugin(host)) and sends the
 * options in each request's ProgramInfo, which the old host does not read. Without the flag the host runs `python3`
 * from PATH (sdk/python/python.go, CommandPath; or $PULUMI_PYTHON_CMD), so the environment's python comes first.
 * Pulumi.yaml keeps the option for the official CLI, whose host reads it.
 */
export function pythonPath(venvBin: string, rest: string): string {
    return [venvBin, rest].filter((p) => p !== "").join(delimiter);
}
