/**
 * `wechatpay-emulator --state-dir DIR`, run as users run it: a child process, stopped by a signal, started again.
 * A restart must answer as the same WeChat Pay (same port, serials, public key ids, same settings of every API), so
 * a stack deployed before it can still refresh and destroy.
 */

import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
    type EmulatorCli,
    killEmulatorClis,
    startEmulatorCli as start,
    emulatorCliRefuses as startFails,
} from "../../harness";
import { startEmulator } from "../../provider/testing";
import { call, errorOf, type Reply, verifies } from "./signer";

const PATHS = {
    membercard: "/v3/marketing/membercard-open/callback",
    complaint: "/v3/merchant-service/complaint-notifications",
    busifavor: "/v3/marketing/busifavor/callbacks",
    violation: "/v3/merchant-risk-manage/violation-notifications",
};

type Running = EmulatorCli;

const temps: string[] = [];

afterEach(killEmulatorClis);

afterAll(async () => {
    await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "emulator-state-test-"));
    temps.push(dir);
    return dir;
}

function line(stdout: string, pattern: RegExp): string {
    const match = pattern.exec(stdout);
    if (match?.[1] === undefined) {
        throw new Error(`No line matches ${pattern} in:\n${stdout}`);
    }
    return match[1];
}

/** A signed call as the merchant, asking for replies in public-key mode. */
function send(target: Running, method: string, path: string, body?: object): Promise<Reply> {
    return call(
        { baseUrl: target.baseUrl, credentials: () => target.creds },
        {
            method,
            path,
            wechatpaySerial: target.creds.publicKeyId,
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        },
    );
}

/** Every API's live URL, read with signed GETs whose replies must verify with `publicKey`. */
async function liveUrls(target: Running, publicKey: string): Promise<Record<string, unknown>> {
    const urls: Record<string, unknown> = {};
    for (const [name, path] of Object.entries(PATHS)) {
        const reply = await send(target, "GET", path);
        expect(verifies(reply, publicKey), `${name} reply verifies with the first start's key`).toBe(true);
        const body = JSON.parse(reply.text) as { notify_url?: unknown; url?: unknown; code?: unknown };
        urls[name] = reply.status === 200 ? (body.notify_url ?? body.url) : body.code;
    }
    return urls;
}

function stop(target: Running, signal: NodeJS.Signals): Promise<number | string> {
    return target.stop(signal);
}

async function mode(path: string): Promise<number> {
    return (await stat(path)).mode & 0o777;
}

describe("wechatpay-emulator --state-dir", () => {
    it("keeps keys, port and every API's settings across a restart, with private files", async () => {
        const dir = join(await tempDir(), "kept");
        const first = await start(["--state-dir", dir, "--partner", "--notify-url", "https://old.example.com/mc"]);
        expect(first.stdout).not.toMatch(/BEGIN|PRIVATE KEY/);
        expect(await mode(dir)).toBe(0o700);
        for (const file of ["identity.json", "settings.json", "apiclient_key.pem"]) {
            expect(await mode(join(dir, file)), file).toBe(0o600);
        }

        const writes = [
            await send(first, "PATCH", PATHS.membercard, { notify_url: "https://a.example.com/mc" }),
            await send(first, "POST", PATHS.complaint, { url: "https://a.example.com/complaint" }),
            await send(first, "POST", PATHS.busifavor, { notify_url: "https://a.example.com/coupon" }),
            await send(first, "POST", PATHS.violation, { notify_url: "https://a.example.com/violation" }),
        ];
        expect(writes.map((reply) => reply.status)).toEqual([200, 200, 200, 200]);
        const before = await liveUrls(first, first.creds.publicKey);
        expect(before).toEqual({
            membercard: "https://a.example.com/mc",
            complaint: "https://a.example.com/complaint",
            busifavor: "https://a.example.com/coupon",
            violation: "https://a.example.com/violation",
        });
        expect(await stop(first, "SIGTERM")).toBe(0);

        // No other flag: the folder supplies merchant, kind and port.
        const second = await start(["--state-dir", dir]);
        expect(second.stdout).toBe(first.stdout);
        expect(second.creds).toEqual(first.creds);
        expect(await liveUrls(second, first.creds.publicKey)).toEqual(before);
        // Platform-certificate mode too: its serial and key were kept.
        const platform = await call(
            { baseUrl: second.baseUrl, credentials: () => second.creds },
            { path: PATHS.membercard },
        );
        expect(platform.headers["wechatpay-serial"]).toBe(first.creds.platformSerial);
        expect(verifies(platform, first.creds.platformPublicKey)).toBe(true);

        // The same command line as the first start is no conflict.
        await stop(second, "SIGTERM");
        const third = await start(["--state-dir", dir, "--partner", "--notify-url", "https://old.example.com/mc"]);
        expect(third.creds).toEqual(first.creds);
        await stop(third, "SIGTERM");
    });

    it("loses nothing applied when killed right after a write", async () => {
        const dir = join(await tempDir(), "kept");
        const first = await start(["--state-dir", dir]);
        expect((await send(first, "POST", PATHS.complaint, { url: "https://b.example.com/c" })).status).toBe(200);
        expect((await send(first, "PATCH", PATHS.membercard, { notify_url: "https://b.example.com/m" })).status).toBe(
            200,
        );
        expect(await stop(first, "SIGKILL")).toBe("SIGKILL");

        const second = await start(["--state-dir", dir]);
        expect(second.baseUrl).toBe(first.baseUrl);
        const urls = await liveUrls(second, first.creds.publicKey);
        expect(urls).toMatchObject({ membercard: "https://b.example.com/m", complaint: "https://b.example.com/c" });
        // A delete is a change too.
        expect((await send(second, "DELETE", PATHS.complaint)).status).toBe(204);
        await stop(second, "SIGKILL");
        const third = await start(["--state-dir", dir]);
        expect(await liveUrls(third, first.creds.publicKey)).toMatchObject({
            membercard: "https://b.example.com/m",
            complaint: "RESOURCE_NOT_EXISTS",
        });
        await stop(third, "SIGTERM");
    });

    describe("a folder it cannot use", () => {
        let kept: string;
        let firstStdout: string;

        beforeAll(async () => {
            kept = join(await tempDir(), "kept");
            const first = await start(["--state-dir", kept, "--notify-url", "https://old.example.com/mc"]);
            firstStdout = first.stdout;
            await stop(first, "SIGTERM");
        });

        async function copy(): Promise<string> {
            const dir = join(await tempDir(), "copy");
            await cp(kept, dir, { recursive: true });
            return dir;
        }

        it.each([
            [
                "a half-written settings file",
                "settings.json",
                (text: string) => text.slice(0, text.length / 2),
                /settings\.json is not valid JSON \(half-written or edited by hand\)/,
            ],
            [
                "another version's identity file",
                "identity.json",
                (text: string) => text.replace('"version": 1', '"version": 2'),
                /identity\.json was written by an incompatible version of wechatpay-emulator \(format version 2; this one reads 1\)/,
            ],
            [
                "a damaged private key",
                "identity.json",
                (text: string) => text.replace(/MII[A-Za-z0-9+/]{20}/, "MIIxxxxxxxxxxxxxxxxxxxx"),
                /identity\.json is damaged: merchants\[0\]\.\S+\.privateKey is not a private key/,
            ],
            [
                "a setting of an unknown API",
                "settings.json",
                (text: string) => text.replace('"membercard"', '"membercards"'),
                /settings\.json is damaged: merchants\.1900000001\.membercards is not one of membercard, complaint/,
            ],
        ])("refuses %s, naming the file and the fix", async (_case, file, damage, message) => {
            const dir = await copy();
            const path = join(dir, file);
            const text = await readFile(path, "utf8");
            const damaged = damage(text);
            expect(damaged).not.toBe(text);
            await writeFile(path, damaged);
            const outcome = await startFails(["--state-dir", dir]);
            expect(outcome.code).not.toBe(0);
            expect(outcome.stdout).toBe("");
            expect(outcome.stderr).toMatch(message);
            expect(outcome.stderr).toContain(`${dir}/${file}`);
            expect(outcome.stderr).toContain(
                `Delete ${dir} to start over with new keys, or choose another --state-dir.`,
            );
            expect(outcome.stderr).not.toMatch(/BEGIN|PRIVATE KEY|MII/);
        });

        it("refuses a missing settings file", async () => {
            const dir = await copy();
            await rm(join(dir, "settings.json"));
            const outcome = await startFails(["--state-dir", dir]);
            expect(outcome.code).not.toBe(0);
            expect(outcome.stderr).toContain(`${dir}/settings.json is missing, so the state in ${dir} is incomplete.`);
        });

        it("names every option that conflicts with the kept state", async () => {
            const dir = await copy();
            const outcome = await startFails([
                "--state-dir",
                dir,
                "--mchid",
                "1230000109",
                "--partner",
                "--notify-url",
                "https://new.example.com/mc",
            ]);
            expect(outcome.code).not.toBe(0);
            expect(outcome.stderr).toContain(`Options conflict with the state kept in ${dir}/identity.json:`);
            expect(outcome.stderr).toContain("--mchid 1230000109: the kept merchant is 1900000001");
            expect(outcome.stderr).toContain("--partner: the kept merchant 1900000001 is a direct merchant");
            expect(outcome.stderr).toContain(
                "--notify-url https://new.example.com/mc: it sets the URL of a first start only, and the first start had " +
                    "https://old.example.com/mc",
            );
        });

        it("says so when the kept port is taken", async () => {
            const dir = await copy();
            const holder = await start(["--state-dir", kept]);
            try {
                const outcome = await startFails(["--state-dir", dir]);
                expect(outcome.code).not.toBe(0);
                const port = new URL(line(firstStdout, /^export WECHATPAY_BASE_URL=(.+)$/m)).port;
                expect(outcome.stderr).toContain(`Port ${port}, kept in ${dir}/identity.json, is in use`);
            } finally {
                await stop(holder, "SIGTERM");
            }
        });

        it("refuses a folder that holds something else, and touches nothing in it", async () => {
            const dir = join(await tempDir(), "mine");
            await mkdir(dir, { mode: 0o755 });
            await writeFile(join(dir, "notes.txt"), "mine");
            const outcome = await startFails(["--state-dir", dir]);
            expect(outcome.code).not.toBe(0);
            expect(outcome.stderr).toContain(
                `--state-dir ${dir} is not empty and holds no wechatpay-emulator state (it has notes.txt)`,
            );
            expect(await mode(dir)).toBe(0o755);
        });

        it("does not combine with --dir", async () => {
            const outcome = await startFails(["--state-dir", await copy(), "--dir", await tempDir()]);
            expect(outcome.code).toBe(2);
            expect(outcome.stderr).toContain("--dir and --state-dir do not go together");
        });
    });
});

describe("startEmulator's onSettingsChange (what --state-dir saves through)", () => {
    it("is told each change before it takes effect, and a throw refuses the change", async () => {
        const seen: Array<Record<string, unknown>> = [];
        let failing = false;
        const emulator = await startEmulator({
            onSettingsChange: (settings) => {
                if (failing) {
                    throw new Error("disk full");
                }
                seen.push(Object.fromEntries(settings));
            },
        });
        try {
            const patch = (url: string) =>
                call(emulator, { method: "PATCH", body: JSON.stringify({ notify_url: url }) });
            expect((await patch("https://a.example.com/1")).status).toBe(200);
            expect(seen).toEqual([{ "1900000001": { membercard: "https://a.example.com/1" } }]);

            failing = true;
            const refused = await patch("https://a.example.com/2");
            expect(errorOf(refused)).toEqual({
                status: 500,
                code: "SYSTEM_ERROR",
                message: "Emulator failure: disk full",
            });
            expect(emulator.notifyUrl()).toBe("https://a.example.com/1");
        } finally {
            await emulator.close();
        }
    });
});
