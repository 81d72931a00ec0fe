/**
 * The `wechatpay` provider plugin started the way the engine starts it (a process that prints its port), from this
 * repository's source (through tsx) or from a launcher, e.g. the packed plugin's `pulumi-resource-wechatpay`.
 */
import { join } from "node:path";
import { REPO } from "./cli";
import { withoutWechatpayEnv } from "./fixtures";
import { type PluginHost, type PropertyMap, startPluginHost, urnFor } from "./providerHost";

/** The plugin's package name and the project/stack its test URNs use. */
export const PLUGIN_PACKAGE = "wechatpay";
const PROJECT = "plugin-test";
const STACK = "dev";

export interface StartPluginOptions {
    /** A launcher to run instead of the source (e.g. an installed `pulumi-resource-wechatpay`). */
    launcher?: string;
    /** Added to the environment (which has no `WECHATPAY_*` of the machine running the tests). */
    env?: NodeJS.ProcessEnv;
}

/** Starts the plugin. The caller closes it. */
export function startPlugin(opts: StartPluginOptions = {}): Promise<PluginHost> {
    const command =
        opts.launcher !== undefined
            ? [opts.launcher]
            : [
                  process.execPath,
                  "--import",
                  join(REPO, "node_modules", "tsx", "dist", "loader.mjs"),
                  join(REPO, "provider", "plugin", "main.ts"),
              ];
    return startPluginHost({
        command,
        package: PLUGIN_PACKAGE,
        project: PROJECT,
        stack: STACK,
        env: { ...withoutWechatpayEnv(), ...opts.env },
    });
}

/**
 * The type token of resource `name` (`MembercardCallback`) in the schema the running plugin serves, which the plugin
 * makes from the package's endpoint table: harness may not import that table (README.md, import rule).
 */
export async function pluginTypeToken(plugin: PluginHost, name: string): Promise<string> {
    const { resources } = JSON.parse(await plugin.getSchema()) as { resources?: Record<string, unknown> };
    const tokens = Object.keys(resources ?? {});
    // A type's name is what follows the token's second `:` (`<package>:<module>:<name>`; sdk/go/common/tokens/tokens.go
    // v3.276.0, `Type.Name`).
    const token = tokens.find((t) => t.split(":").slice(2).join(":") === name);
    if (token === undefined) {
        throw new Error(`The plugin's schema has no resource named ${name}; it has ${tokens.join(", ")}`);
    }
    return token;
}

/** The URN of a plugin resource (`MembercardCallback`) named `name`. */
export const pluginUrn = (resource: string, name: string): string =>
    urnFor(`${PLUGIN_PACKAGE}:index:${resource}`, name, PROJECT, STACK);

/** Stack config (`wechatpay:` keys) as a provider resource's inputs (bare keys), e.g. for CheckConfig. */
export const providerInputs = (config: Record<string, string>): PropertyMap =>
    Object.fromEntries(Object.entries(config).map(([k, v]) => [k.slice(k.indexOf(":") + 1), v]));
