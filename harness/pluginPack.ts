/**
 * The `wechatpay` plugin as a tarball that `pulumi plugin install resource wechatpay <version> --file <tgz>` installs:
 * the engine extracts a gzip tarball into `$PULUMI_HOME/plugins/resource-wechatpay-v<version>/`
 * (pkg/cmd/pulumi/plugin/plugin_install.go v3.276.0, getFilePayload: a compressed file is a TarPlugin) and runs the
 * `pulumi-resource-wechatpay` executable it finds there (sdk/go/common/workspace/plugins.go v3.276.0, GetPluginPath:
 * a `pulumi-resource-wechatpay` on `PATH` overrides the cache unless PULUMI_IGNORE_AMBIENT_PLUGINS is set). That
 * executable is a shell launcher that runs the compiled plugin with the `node` on `PATH`; the tarball carries the
 * plugin's runtime dependencies.
 */
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO } from "./cli";
import { run } from "./run";

/** The launcher the engine executes: the engine's address is its argument; the port goes to stdout. */
const LAUNCHER = `#!/bin/sh
# pulumi-resource-wechatpay: runs the wechatpay provider plugin (Node.js >= 20 on PATH).
self="$0"
[ -L "$self" ] && self="$(readlink -f "$self")"
exec node "$(dirname "$self")/dist/plugin/main.js" "$@"
`;

/** The runtime dependencies (from the repository's package.json) the plugin loads. */
const RUNTIME_DEPENDENCIES = ["@grpc/grpc-js", "axios", "google-protobuf", "ipaddr.js", "wechatpay-axios-plugin"];

export interface PackedPlugin {
    /** The tarball's absolute path. */
    tarball: string;
    version: string;
    /** The tarball's size in bytes. */
    bytes: number;
}

/** The parts of the repository's package.json that the plugin's build reads. */
interface Manifest {
    version: string;
    dependencies: Record<string, string>;
}

/**
 * Builds the plugin into a staging folder and packs it into `.cache/plugin/`. The staging folder (about 10 MB) is
 * removed again, whether packing succeeded or not: the tarball carries all of it.
 * @param log Progress lines.
 */
export async function packPlugin(log: (line: string) => void = () => {}): Promise<PackedPlugin> {
    const pkg = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as Manifest;
    const { version } = pkg;
    const out = join(REPO, ".cache", "plugin");
    await mkdir(out, { recursive: true });
    // A folder of its own per call: test files in parallel workers pack at the same time.
    const stage = await mkdtemp(join(out, `stage-${version}-`));
    // Packed beside, then renamed: a concurrent install never reads a half-written tarball.
    const partial = `${stage}.tar.gz`;
    try {
        log(`building in ${stage} …`);
        await fillStage(stage, pkg, log);
        const tarball = join(out, `pulumi-resource-wechatpay-v${version}.tar.gz`);
        log("packing …");
        await run("tar", ["-czf", partial, "-C", stage, "."], { cwd: out, timeoutMs: 120_000 });
        await rename(partial, tarball);
        return { tarball, version, bytes: (await stat(tarball)).size };
    } finally {
        // The partial tarball is left only when tar or the rename failed.
        await Promise.all([rm(stage, { recursive: true, force: true }), rm(partial, { force: true })]);
    }
}

/**
 * Fills `stage` with what the tarball carries: the compiled package (tsc), the runtime dependencies installed with npm,
 * the proto bindings of `@pulumi/pulumi` copied from this repository's copy, the licence and the launcher.
 */
async function fillStage(stage: string, pkg: Manifest, log: (line: string) => void): Promise<void> {
    const { version } = pkg;
    log("compiling provider/ …");
    await run(
        process.execPath,
        [
            join(REPO, "node_modules", "typescript", "bin", "tsc"),
            "-p",
            "tsconfig.json",
            "--outDir",
            join(stage, "dist"),
            "--declaration",
            "false",
        ],
        {
            cwd: REPO,
            timeoutMs: 300_000,
        },
    );
    const dependencies = Object.fromEntries(
        RUNTIME_DEPENDENCIES.map((name) => {
            const range = pkg.dependencies[name];
            if (range === undefined) throw new Error(`package.json has no dependency ${name}`);
            return [name, range];
        }),
    );
    await writeFile(
        join(stage, "package.json"),
        `${JSON.stringify({ name: "pulumi-resource-wechatpay", version, private: true, license: "MIT", dependencies }, null, 2)}\n`,
    );
    log("installing the runtime dependencies …");
    await run(
        "npm",
        [
            "install",
            "--omit=dev",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--ignore-scripts",
            "--no-package-lock",
        ],
        {
            cwd: stage,
            timeoutMs: 300_000,
        },
    );
    // Only the generated gRPC/protobuf bindings of @pulumi/pulumi are loaded (provider/plugin/server.ts): they need
    // @grpc/grpc-js and google-protobuf alone, so the rest of the SDK (and its many dependencies) stays out.
    const pulumi = join(REPO, "node_modules", "@pulumi", "pulumi");
    const target = join(stage, "node_modules", "@pulumi", "pulumi");
    await mkdir(target, { recursive: true });
    await cp(join(pulumi, "proto"), join(target, "proto"), { recursive: true });
    await cp(join(pulumi, "LICENSE"), join(target, "LICENSE")).catch(() => undefined);
    const pulumiVersion = (JSON.parse(await readFile(join(pulumi, "package.json"), "utf8")) as { version: string })
        .version;
    await writeFile(
        join(target, "package.json"),
        `${JSON.stringify({ name: "@pulumi/pulumi", version: pulumiVersion, license: "Apache-2.0", description: "The proto bindings of @pulumi/pulumi only" }, null, 2)}\n`,
    );
    await cp(join(REPO, "LICENSE"), join(stage, "LICENSE"));
    await writeFile(join(stage, "pulumi-resource-wechatpay"), LAUNCHER);
    await chmod(join(stage, "pulumi-resource-wechatpay"), 0o755);
}
