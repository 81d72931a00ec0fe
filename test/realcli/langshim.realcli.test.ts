/**
 * Our language-host shim (cli/langshim, installed by `npm run cli:build` as pulumi-language-nodejs, -python and -go)
 * on its own, the way the CLI drives a host: started with an engine address, it prints a port; calls it does not
 * serve reach the old host it wraps; it serves GeneratePackage itself; and the old host never outlives it, however it
 * is stopped. Linux only (the process tree is read from /proc). Skipped with the reason where the shim is not built.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { LanguageRuntimeClient } from "@pulumi/pulumi/proto/language_grpc_pb";
import { GeneratePackageRequest } from "@pulumi/pulumi/proto/language_pb";
import type { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLanguageHost } from "../../harness/languageHosts";
import { GO_HOST_RELEASE, LANGUAGE_HOST_RELEASE, wrappedHostName } from "../../harness/realCliBuild";

const WRAPPED = { nodejs: LANGUAGE_HOST_RELEASE, python: LANGUAGE_HOST_RELEASE, go: GO_HOST_RELEASE } as const;
type Wrapped = keyof typeof WRAPPED;

function skipReason(): string {
    if (process.platform !== "linux") return "reads the process tree from /proc (Linux only)";
    for (const language of Object.keys(WRAPPED) as Wrapped[]) {
        const { host, binDir, reason } = findLanguageHost(language);
        if (host === undefined) return reason;
        const old = join(binDir, wrappedHostName(language, WRAPPED[language]));
        if (!existsSync(old)) return `${old} not built: run \`npm run cli:build\``;
    }
    return "";
}
const reason = skipReason();
if (reason !== "") console.warn(`test/realcli/langshim.realcli.test.ts: skipped: ${reason}`);

/** Nothing listens on port 1: the old hosts' engine health check fails for minutes before they give up. */
const NO_ENGINE = "127.0.0.1:1";

interface Running {
    proc: ChildProcess;
    pid: number;
    port: number;
    /** The old host's pid. */
    child: number;
    exited: Promise<number | null>;
}

/** Live (not zombie) children of `pid`, from /proc/<pid>/task/<tid>/children. */
function childrenOf(pid: number): number[] {
    const tasks = join("/proc", `${pid}`, "task");
    if (!existsSync(tasks)) return [];
    return readdirSync(tasks)
        .flatMap((tid) =>
            readFileSync(join(tasks, tid, "children"), "utf8")
                .trim()
                .split(/\s+/),
        )
        .filter((s) => s !== "")
        .map(Number)
        .filter(alive);
}

function alive(pid: number): boolean {
    try {
        const stat = readFileSync(join("/proc", `${pid}`, "stat"), "utf8");
        // The state follows the parenthesised command name: Z is a zombie, X dead.
        return !/\)\s+[ZX]/.test(stat);
    } catch {
        return false;
    }
}

async function until(what: string, ok: () => boolean, ms = 8_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

describe.skipIf(reason !== "")(
    reason === "" ? "the language-host shim" : `the language-host shim (skipped: ${reason})`,
    () => {
        let cwd: string;
        const started: Running[] = [];
        beforeAll(async () => {
            cwd = await mkdtemp(join(tmpdir(), "langshim-"));
        });
        afterAll(async () => {
            for (const r of started) {
                for (const pid of [r.child, r.pid]) if (alive(pid)) process.kill(pid, "SIGKILL");
            }
            if (cwd !== undefined) await rm(cwd, { recursive: true, force: true });
        });

        /** Starts the shim for `language` in a process group of its own, as the CLI does (Setpgid). */
        async function start(language: Wrapped): Promise<Running> {
            const { host } = findLanguageHost(language);
            const proc = spawn(host ?? "", [NO_ENGINE], { cwd, detached: true, stdio: ["pipe", "pipe", "pipe"] });
            const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
            let stderr = "";
            proc.stderr?.on("data", (c: Buffer) => {
                stderr += c.toString();
            });
            const port = await new Promise<number>((resolve, reject) => {
                let out = "";
                proc.stdout?.on("data", (c: Buffer) => {
                    out += c.toString();
                    const nl = out.indexOf("\n");
                    if (nl >= 0) resolve(Number(out.slice(0, nl).trim()));
                });
                proc.on("exit", (code) => reject(new Error(`the shim exited (${code}) before its port: ${stderr}`)));
            });
            const pid = proc.pid ?? 0;
            const kids = childrenOf(pid);
            expect(kids, "the shim runs exactly one old host").toHaveLength(1);
            const running = { proc, pid, port, child: kids[0] ?? 0, exited };
            started.push(running);
            return running;
        }

        function client(port: number): LanguageRuntimeClient {
            return new LanguageRuntimeClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        }

        it.each(Object.keys(WRAPPED) as Wrapped[])(
            "%s: prints a port; GetPluginInfo reaches the old host; GeneratePackage is the shim's own",
            async (language) => {
                const r = await start(language);
                expect(r.port).toBeGreaterThan(0);
                expect(readFileSync(join("/proc", `${r.child}`, "cmdline"), "utf8")).toContain(
                    wrappedHostName(language, WRAPPED[language]),
                );
                const c = client(r.port);
                try {
                    const info = await new Promise<PluginInfo>((resolve, reject) =>
                        c.getPluginInfo(new Empty(), (err, res) => (err ? reject(err) : resolve(res))),
                    );
                    // The old host reports the release it was built as (scripts/cliBuild.ts sets version.Version).
                    expect(info.getVersion()).toBe(WRAPPED[language]);
                    const req = new GeneratePackageRequest().setSchema("{ not json").setDirectory(cwd);
                    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
                        c.generatePackage(req, (e) => resolve(e)),
                    );
                    // Served, and failing on our input, not "unimplemented" as from the old host.
                    expect(err?.code).not.toBe(grpc.status.UNIMPLEMENTED);
                    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
                    expect(err?.details).toContain("loader_target");
                } finally {
                    c.close();
                }
                process.kill(-r.pid, "SIGINT");
                await until("both are gone", () => !alive(r.pid) && !alive(r.child));
            },
            60_000,
        );

        it("SIGKILL of the shim alone takes the old host with it", async () => {
            const r = await start("python");
            process.kill(r.pid, "SIGKILL");
            await r.exited;
            await until("the old host is gone", () => !alive(r.child));
        }, 30_000);

        it("SIGTERM of the shim alone stops the old host too", async () => {
            const r = await start("go");
            process.kill(r.pid, "SIGTERM");
            await r.exited;
            await until("the old host is gone", () => !alive(r.child));
        }, 30_000);

        it("when the old host dies, the shim exits with it", async () => {
            const r = await start("nodejs");
            process.kill(r.child, "SIGKILL");
            expect(await r.exited).not.toBe(0);
        }, 30_000);
    },
);
