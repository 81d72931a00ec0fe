/**
 * The quick-start story for a program on the wechatpay plugin, in any language, through the real CLI against the
 * emulator, with the plugin installed from `npm run plugin:pack`'s tarball:
 *
 *   up (adopts the live URL, sets ours) → a change in the Pay platform → preview --refresh --expect-no-changes exits 7
 *   and shows it → up --refresh puts ours back → destroy restores the URL from before.
 *
 * The WeChat Pay calls (the emulator's log) are asserted per step. Every example exports `notifyUrl` and
 * `previousNotifyUrl`, and reads the URL from its project's `notifyUrl` config.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIFTED_URL, emulatorStackConfig, MCHID, OLD_URL, SECRET_KEYS, URL_A } from "../../harness";
import { HostProject, type HostProjectOptions } from "../../harness/hostProject";
import { type PackedPlugin, packPlugin } from "../../harness/pluginPack";
import { findRealCli } from "../../harness/realCli";
import { type Emulator, startEmulator } from "../../provider/testing";
import { callLog } from "./examples";

export const STEP_MS = 600_000;

export interface PluginProgram {
    /** The example's language, for titles and the timing line. */
    language: string;
    /** The project name in its Pulumi.yaml (the `notifyUrl` config key is `<project>:notifyUrl`). */
    project: string;
    /** The program's files (Pulumi.yaml among them). */
    files: () => Promise<Record<string, string>>;
    /** PATH entries and environment the program's language needs. */
    host?: () => Promise<Pick<HostProjectOptions, "pathBefore" | "env">>;
    /** Runs in the program's folder before `stack init` (installing the SDK, say). */
    prepare?: (p: HostProject) => Promise<void>;
}

/** The real CLI's bin folder, or why a plugin program cannot run (`extra` adds the language's own requirement). */
export function pluginSkipReason(extra = ""): string {
    const { cli, reason } = findRealCli();
    if (cli === undefined) return reason;
    if (cli.source !== "built") return `the CLI on PATH (${cli.binary}) is not the one \`npm run cli:build\` makes`;
    return extra;
}

/** What a test file gets: a project factory on one emulator and one packed plugin. */
export interface PluginRig {
    emulator: Emulator;
    /** A fresh copy of the program with the plugin installed and stack `stack` configured for the emulator. */
    project(stack: string): Promise<HostProject>;
}

/**
 * Starts the emulator and packs the plugin before the file's tests, stops and removes everything after.
 * @returns The rig, filled in by `beforeAll`.
 */
export function pluginRig(program: PluginProgram, skip: string): PluginRig {
    const projects: HostProject[] = [];
    let packed: PackedPlugin;
    let emulator: Emulator | undefined;
    const rig: PluginRig = {
        get emulator() {
            if (emulator === undefined) throw new Error("the emulator starts in the file's beforeAll");
            return emulator;
        },
        async project(stack) {
            const { cli, reason } = findRealCli();
            if (cli === undefined) throw new Error(reason);
            const p = await HostProject.create({
                binDir: cli.binDir,
                files: await program.files(),
                ...(await program.host?.()),
            });
            projects.push(p);
            await program.prepare?.(p);
            await p.ok(["plugin", "install", "resource", "wechatpay", packed.version, "--file", packed.tarball]);
            const config = emulatorStackConfig(rig.emulator, { [`${program.project}:notifyUrl`]: URL_A });
            await p.init(stack, config, SECRET_KEYS);
            return p;
        },
    };
    beforeAll(async () => {
        if (skip !== "") return;
        [packed, emulator] = await Promise.all([
            packPlugin(),
            startEmulator({ merchants: [{ mchid: MCHID, notifyUrl: OLD_URL, kind: "partner" }] }),
        ]);
    }, STEP_MS);
    afterAll(async () => {
        await emulator?.close();
        await Promise.all(projects.map((p) => p.dispose()));
    });
    return rig;
}

/** The quick-start story's tests for `program` on `rig`. */
export function quickStartStory(program: PluginProgram, rig: PluginRig): void {
    describe(`the quick-start story (${program.language})`, () => {
        let p: HostProject;
        let newCalls: () => Record<string, string[]>;
        let started: number;
        beforeAll(async () => {
            rig.emulator.reset();
            rig.emulator.setSetting("membercard", OLD_URL, MCHID);
            newCalls = callLog(rig.emulator);
            started = Date.now();
            p = await rig.project("dev");
        }, STEP_MS);

        it(
            "up adopts the live URL and sets ours: one read, one write",
            async () => {
                await p.ok(["up", "--yes", "--skip-preview"], STEP_MS);
                expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] });
                expect(rig.emulator.setting("membercard", MCHID)).toBe(URL_A);
                const out = JSON.parse((await p.ok(["stack", "output", "--json"])).stdout);
                expect(out).toEqual({ notifyUrl: URL_A, previousNotifyUrl: OLD_URL });
            },
            STEP_MS,
        );

        it(
            "a change in the Pay platform: preview --refresh --expect-no-changes exits 7 and shows it",
            async () => {
                rig.emulator.setSetting("membercard", DRIFTED_URL, MCHID);
                const r = await p.run(["preview", "--refresh", "--expect-no-changes", "--diff"], STEP_MS);
                expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(7);
                expect(r.stdout).toContain(`~ notifyUrl: "${DRIFTED_URL}" => "${URL_A}"`);
                expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200"] });
            },
            STEP_MS,
        );

        it(
            "up --refresh puts our URL back with one write; destroy restores the URL from before",
            async () => {
                await p.ok(["up", "--refresh", "--yes", "--skip-preview"], STEP_MS);
                expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] });
                expect(rig.emulator.setting("membercard", MCHID)).toBe(URL_A);
                await p.ok(["destroy", "--yes", "--skip-preview"], STEP_MS);
                expect(newCalls()).toEqual({ [`membercard ${MCHID}`]: ["GET 200", "PATCH 200"] });
                expect(rig.emulator.setting("membercard", MCHID)).toBe(OLD_URL);
                // The figure docs/plugin.md quotes: setup (SDK install, plugin install, config) and the story.
                const seconds = ((Date.now() - started) / 1000).toFixed(1);
                console.info(`${program.language} example: quick-start story in ${seconds} s`);
            },
            STEP_MS,
        );
    });
}

/** How `pulumi import --out` writes a program in one language, and how that program replaces the example's. */
export interface ImportedCode {
    /** The file `--out` names: `imported.py`, `imported.go`, `imported.ts`. */
    out: string;
    /** What the generated code must contain besides the URL (the resource's class, in the language's spelling). */
    resource: string;
    /** The program file the generated code replaces (`__main__.py`, `main.go`, `Pulumi.yaml`). */
    main: string;
    /** The program file's text made from the generated code; the code as it is when absent. */
    program?: (generated: string) => string;
}

/**
 * `pulumi import --out` for a live ComplaintNotification generates code through the language host (GenerateProgram,
 * which our shim cli/langshim answers): one read and no write; then the generated code replaces the program and a
 * preview of it proposes nothing, because it is the imported state.
 */
export function importCodeTest(program: PluginProgram, rig: PluginRig, code: ImportedCode): void {
    it(
        `pulumi import writes the ${program.language} code for a live setting: one read, no write`,
        async () => {
            const { emulator } = rig;
            emulator.reset();
            const IMPORTED = "https://merchant.example.com/wechatpay/complaints";
            emulator.setSetting("complaint", IMPORTED, MCHID);
            const newCalls = callLog(emulator);
            const p = await rig.project("imports");
            const args = ["import", "wechatpay:index:ComplaintNotification", "complaints", MCHID];
            await p.ok([...args, "--out", code.out, "--protect=false", "--yes", "--skip-preview"], STEP_MS);
            const text = await readFile(join(p.workDir, code.out), "utf8");
            expect(text).toContain(code.resource);
            expect(text).toContain(IMPORTED);
            expect(newCalls()).toEqual({ [`complaints ${MCHID}`]: ["GET 200"] });
            expect(emulator.setting("complaint", MCHID)).toBe(IMPORTED);

            // Moved, not copied: a second `main` beside the first would not compile in Go.
            await rm(join(p.workDir, code.out));
            await writeFile(join(p.workDir, code.main), code.program?.(text) ?? text);
            const preview = await p.run(["preview", "--expect-no-changes"], STEP_MS);
            expect(preview.code, `${text}\n${preview.stdout}\n${preview.stderr}`).toBe(0);
            expect(
                Object.values(newCalls())
                    .flat()
                    .filter((c) => !c.startsWith("GET")),
            ).toEqual([]);
            expect(emulator.setting("complaint", MCHID)).toBe(IMPORTED);
        },
        STEP_MS,
    );
}
