/**
 * What the real-CLI test and `npm run demo` share: finding a `pulumi` binary, and a work dir in which
 * `examples/quickstart` runs against the packed package the way a user's project would.
 */

import { accessSync, constants, readdirSync } from "node:fs";
import { cp, mkdir, symlink } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, delimiter, join, resolve } from "node:path";
import type { Consumer } from "./consumer";
import { cliBinDir } from "./realCliBuild";

/** The repository root. */
export const REPO = resolve(__dirname, "..");

/** Oldest CLI the package supports: `read` returning `inputs` (so a refresh feeds the next diff) needs 3.216. */
export const MIN_CLI_VERSION = "3.216.0";

/** The message both the skipped test and the demo print when no CLI is found. */
export const NO_CLI_REASON = "skipped: no Pulumi CLI on PATH, in ~/.pulumi or built by `npm run cli:build` (needs Go)";

/**
 * Where a `pulumi` binary was found: `path` (PATH lookup), `built` (`npm run cli:build`'s cache), `home`
 * (~/.pulumi/bin), `versions` (~/.pulumi/versions).
 */
export interface CliLocation {
    source: "path" | "built" | "home" | "versions";
    /** Absolute path of the binary. */
    binary: string;
    /** For `PulumiCommand.get({ root })`, the folder that holds `bin/pulumi`; undefined for a PATH lookup. */
    root: string | undefined;
}

const EXE = process.platform === "win32" ? "pulumi.exe" : "pulumi";

function isExecutable(path: string): boolean {
    try {
        accessSync(path, process.platform === "win32" ? constants.F_OK : constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

/** Compares dotted version strings numerically ("3.9.0" < "3.10.0"); non-numeric parts count as 0. */
export function compareVersions(a: string, b: string): number {
    const parts = (v: string) => v.replace(/^v/, "").split(/[.+-]/).slice(0, 3).map(Number);
    const [x, y] = [parts(a), parts(b)];
    for (let i = 0; i < 3; i++) {
        const d = (x[i] || 0) - (y[i] || 0);
        if (d !== 0) return d;
    }
    return 0;
}

/**
 * Every `pulumi` binary in the places the official installers use, best first: PATH, then the one `npm run cli:build`
 * built (.cache/pulumi-cli/<release>/bin), then `~/.pulumi/bin` (get.pulumi.com's install.sh), then `~/.pulumi/versions/<v>/bin` (Automation API's `PulumiCommand.install()`),
 * newest version first.
 */
export function findPulumiClis(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): CliLocation[] {
    const found: CliLocation[] = [];
    const seen = new Set<string>();
    const add = (source: CliLocation["source"], binary: string, root: string | undefined) => {
        if (!seen.has(binary) && isExecutable(binary)) {
            seen.add(binary);
            found.push({ source, binary, root });
        }
    };
    for (const dir of (env.PATH ?? "").split(delimiter)) {
        // A `<root>/bin/pulumi` on PATH can be named by its root; another layout only as "the `pulumi` on PATH".
        if (dir !== "") add("path", join(dir, EXE), basename(dir) === "bin" ? resolve(dir, "..") : undefined);
    }
    const built = cliBinDir(REPO);
    add("built", join(built, EXE), resolve(built, ".."));
    const pulumiHome = join(home, ".pulumi");
    add("home", join(pulumiHome, "bin", EXE), pulumiHome);
    let versions: string[] = [];
    try {
        versions = readdirSync(join(pulumiHome, "versions"));
    } catch {
        // no ~/.pulumi/versions: nothing installed by the Automation API
    }
    for (const v of versions.sort((a, b) => compareVersions(b, a))) {
        const root = join(pulumiHome, "versions", v);
        add("versions", join(root, "bin", EXE), root);
    }
    return found;
}

/**
 * Copies `examples/<example>` into `<parent>/<example>` and links the consumer's `node_modules` (the packed package
 * and @pulumi/pulumi, installed as a user's `npm install` would) into it. Returns the work dir.
 */
export async function prepareExampleWorkDir(
    consumer: Consumer,
    parent: string,
    example = "quickstart",
): Promise<string> {
    const workDir = join(parent, example);
    await mkdir(workDir, { recursive: true });
    // Not its tsconfig.json: the consumer has no `typescript`, so Pulumi compiles with its vendored TypeScript 3.8,
    // which rejects options newer TypeScript wants (`module: nodenext`, TS6046). Without a tsconfig Pulumi picks
    // options that TypeScript version knows (cmd/run/run.ts `skipProject`).
    for (const file of ["Pulumi.yaml", "index.ts", "package.json"]) {
        await cp(join(REPO, "examples", example, file), join(workDir, file));
    }
    // A link, not a copy: the consumer is ~90 MB and cached across runs. Node resolves modules by their real path,
    // so the program, the package and the provider host all load the consumer's single @pulumi/pulumi.
    await symlink(join(consumer.dir, "node_modules"), join(workDir, "node_modules"), "junction");
    return workDir;
}

/**
 * The variables that point a CLI at a throwaway setup: a local file backend, a fixed passphrase for the passphrase
 * secrets provider, a PULUMI_HOME of its own, no update check and no plugin downloads.
 */
export function pulumiEnv(stateDir: string, pulumiHome: string, passphrase: string): Record<string, string> {
    return {
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        // Keeps the machine's ~/.pulumi (credentials, workspace settings) out of it and untouched.
        PULUMI_HOME: pulumiHome,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // A missing plugin is an error, never a download (sdk/go/common/env/env.go,
        // DisableAutomaticPluginAcquisition): the runs talk to nothing but the emulator.
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // The consumer has no `typescript`, so Pulumi would type-check with its vendored TypeScript 3.8, which cannot
        // parse today's @types/node. The examples are type-checked with the repo's TypeScript in examples.test.ts.
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    };
}
