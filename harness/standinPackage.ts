/**
 * A tiny dynamic-provider package written from strings (so it is reproducible), for proving the harness and for the
 * bench's empty provider: `prepareConsumer` packs and installs it like the real one.
 */

import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(__dirname, "..");

export interface StandinPackage {
    name: string;
    version: string;
    /** File name → source, written under `dist/`; `index.js` is the entry. */
    dist: Record<string, string>;
}

/** Writes the package into a new temporary folder (`prefix` + random) and returns it; the caller removes it. */
export async function writeStandinPackage(prefix: string, pkg: StandinPackage): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    try {
        await writeFiles(dir, pkg);
        return dir;
    } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
    }
}

async function writeFiles(dir: string, pkg: StandinPackage): Promise<void> {
    await mkdir(join(dir, "dist"));
    const packageJson = {
        name: pkg.name,
        version: pkg.version,
        main: "dist/index.js",
        files: ["dist/"],
        // Nothing to build: the files are already there.
        scripts: { prepack: 'node -e ""' },
        peerDependencies: { "@pulumi/pulumi": "^3.216.0" },
    };
    await writeFile(join(dir, "package.json"), JSON.stringify(packageJson, null, 2));
    for (const [file, source] of Object.entries(pkg.dist)) {
        await writeFile(join(dir, "dist", file), source);
    }
    // prepareConsumer reads the @pulumi/pulumi version from the package's own node_modules, as in the repo.
    await mkdir(join(dir, "node_modules", "@pulumi"), { recursive: true });
    await symlink(join(REPO, "node_modules", "@pulumi", "pulumi"), join(dir, "node_modules", "@pulumi", "pulumi"));
}
