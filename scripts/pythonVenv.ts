// `npm run python:venv`: the Python virtual environment for the real-CLI tier's Python programs, in the git-ignored
// .cache/python-venv, with cli/python-requirements.txt installed from the Python package index. A second run with
// the same requirements only compares them. The last output line is the environment's folder.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PYTHON_REQUIREMENTS, PYTHON_VENV } from "../harness/languageHosts";

function fail(line: string): never {
    process.stderr.write(`python:venv: ${line}\n`);
    process.exit(1);
}

function main(): void {
    const wanted = readFileSync(PYTHON_REQUIREMENTS, "utf8");
    const stamp = join(PYTHON_VENV, ".requirements");
    if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) {
        process.stdout.write(`python:venv: up to date\n${PYTHON_VENV}\n`);
        return;
    }
    const started = Date.now();
    rmSync(PYTHON_VENV, { recursive: true, force: true });
    const python = process.env.PULUMI_PYTHON_CMD || "python3";
    const venv = spawnSync(python, ["-m", "venv", PYTHON_VENV], { stdio: "inherit" });
    if (venv.error || venv.status !== 0) {
        fail(`\`${python} -m venv\` failed: install Python >= 3.9 with its venv module, or set PULUMI_PYTHON_CMD`);
    }
    const pip = join(PYTHON_VENV, "bin", "pip");
    const args = ["install", "--disable-pip-version-check", "--quiet", "-r", PYTHON_REQUIREMENTS];
    const r = spawnSync(pip, args, { stdio: "inherit" });
    if (r.status !== 0) fail(`pip install -r ${PYTHON_REQUIREMENTS} failed (exit ${r.status})`);
    writeFileSync(stamp, wanted);
    process.stdout.write(`python:venv: ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n${PYTHON_VENV}\n`);
}

main();
