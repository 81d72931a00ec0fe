// Where `npm run cli:build` (scripts/cliBuild.ts) puts the Pulumi CLI, and what it pins. Shared by the build script,
// the real-CLI harness (harness/realCli.ts) and the demo, so that all three agree on one folder.
import { join } from "node:path";

/** The CLI release built from github.com/pulumi/pulumi/pkg/v3 (matches the newest @pulumi/pulumi tested with). */
export const CLI_RELEASE = "v3.276.0";
/**
 * The Node.js language host's release. Not the CLI's: the Go module proxy refuses every version of
 * github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 ("403 Forbidden: This module version is not
 * available"), and v3.68.0 is the newest sdk/v3 release that still contains the host as a package.
 */
export const LANGUAGE_HOST_RELEASE = "v3.68.0";
/**
 * The Go language host's release: v3.66.0 is the newest sdk/v3 release with the host as a package of the sdk module
 * (from v3.67.0 it is its own module, github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3, which the proxy refuses
 * at every version: "403 Forbidden").
 */
export const GO_HOST_RELEASE = "v3.66.0";
/**
 * The YAML language host's release, from github.com/pulumi/pulumi-yaml: the one the CLI v3.276.0 bundles
 * (pulumi/pulumi scripts/get-language-providers.sh at a05d88f24d05, `"yaml v1.38.3"`).
 */
export const YAML_HOST_RELEASE = "v1.38.3";

/** The languages whose hosts `npm run cli:build` puts next to the CLI. */
export type HostLanguage = "nodejs" | "python" | "go" | "yaml";

/** A language host's executable in the bin folder (the CLI finds `pulumi-language-<name>` on PATH or beside itself). */
export function languageHostPath(binDir: string, language: HostLanguage): string {
    return join(binDir, `pulumi-language-${language}`);
}

/**
 * The name under which `npm run cli:build` installs an old language host (nodejs, python, go) that our shim
 * (cli/langshim, installed as `pulumi-language-<language>`) wraps: `pulumi-language-python-v3.68.0`.
 */
export function wrappedHostName(language: "nodejs" | "python" | "go", release: string): string {
    return `pulumi-language-${language}-${release}`;
}

/**
 * The git-ignored folder holding pulumi, the language hosts (yaml; nodejs, python with its exec script and go as our
 * shim beside the old host it wraps) and pulumi-resource-pulumi-nodejs:
 * `<repo>/.cache/pulumi-cli/<release>/bin`, or under `$PULUMI_WECHATPAY_CLI_CACHE` (tests point it at an empty
 * folder to see the demo without a built CLI while other tests use the real one).
 */
export function cliBinDir(repoRoot: string): string {
    const cache = process.env.PULUMI_WECHATPAY_CLI_CACHE || join(repoRoot, ".cache", "pulumi-cli");
    return join(cache, CLI_RELEASE, "bin");
}

/**
 * The dynamic provider's launcher. Pulumi ships one as a shell script next to the CLI; the host itself is JavaScript
 * inside @pulumi/pulumi, resolved from the plugin's working directory (the program's folder) so that the program's
 * own @pulumi/pulumi runs it, with whichever `node` is first on PATH.
 */
export const dynamicProviderLauncher = `#!/bin/sh
# Written by scripts/cliBuild.ts. Runs @pulumi/pulumi's dynamic provider host from the program's node_modules.
script=$(node -p "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')") || exit 1
exec node "$script" "$@"
`;
