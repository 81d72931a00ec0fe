import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PRIVATE_KEY_BEGIN, PRIVATE_KEY_END } from "../../harness";
import type { MerchantCredentials } from "../../provider/testing";
import {
    type KeyFiles,
    parseCliArgs,
    requestLine,
    setupText,
    shellQuote,
    USAGE,
    writeKeyFiles,
} from "../../provider/testing/cliSetup";

// Placeholder key text: these tests check where keys go and that they are never printed, not crypto.
const CREDS: MerchantCredentials = {
    mchid: "1900000001",
    serial: "ABCDEF0123456789ABCDEF0123456789ABCDEF01",
    privateKey: `${PRIVATE_KEY_BEGIN}\nmerchant\n${PRIVATE_KEY_END}\n`,
    publicKeyId: "PUB_KEY_ID_0114000000000000000000000001",
    publicKey: "-----BEGIN PUBLIC KEY-----\nwechatpay\n-----END PUBLIC KEY-----\n",
    platformSerial: "0123456789ABCDEF0123456789ABCDEF01234567",
    platformPublicKey: "-----BEGIN PUBLIC KEY-----\nplatform\n-----END PUBLIC KEY-----\n",
};

const dirs: string[] = [];
afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("parseCliArgs", () => {
    it("has defaults", () => {
        expect(parseCliArgs([])).toEqual({ port: 0, mchid: "1900000001", help: false });
    });

    it("reads every flag", () => {
        expect(
            parseCliArgs([
                "--port",
                "8080",
                "--mchid",
                "1230000109",
                "--notify-url",
                "https://a.example.com/cb",
                "--dir",
                "/tmp/k",
            ]),
        ).toEqual({
            port: 8080,
            mchid: "1230000109",
            notifyUrl: "https://a.example.com/cb",
            dir: "/tmp/k",
            help: false,
        });
        expect(parseCliArgs(["-h"]).help).toBe(true);
        expect(parseCliArgs(["--partner"])).toEqual({ port: 0, mchid: "1900000001", partner: true, help: false });
    });

    it("records the flags given with --state-dir, to check them against the kept state", () => {
        expect(parseCliArgs(["--state-dir", "/tmp/s"])).toEqual({
            port: 0,
            mchid: "1900000001",
            stateDir: "/tmp/s",
            given: {},
            help: false,
        });
        expect(
            parseCliArgs(["--state-dir", "/tmp/s", "--port", "0", "--mchid", "1230000109", "--partner"]).given,
        ).toEqual({ port: 0, mchid: "1230000109", partner: true });
    });

    it.each([
        [["--state-dir", "/tmp/s", "--dir", "/tmp/k"], "--dir and --state-dir do not go together"],
        [["--port", "http"], "--port must be a number from 0 to 65535, got http"],
        [["--port", "65536"], "--port must be a number from 0 to 65535, got 65536"],
        [["--port=-1"], "--port must be a number from 0 to 65535, got -1"],
        [["--prot", "1"], "Unknown option '--prot'"],
        [["extra"], /Unexpected argument 'extra'/],
    ])("refuses %j", (argv, message) => {
        expect(() => parseCliArgs(argv)).toThrow(message);
    });
});

describe("writeKeyFiles", () => {
    it("writes the private key with mode 0600 into the given folder, replacing an old file", async () => {
        const dir = await mkdtemp(join(tmpdir(), "emulator-cli-test-"));
        dirs.push(dir);
        await writeFile(join(dir, "apiclient_key.pem"), "old", { mode: 0o644 });
        const files = await writeKeyFiles(CREDS, join(dir, "keys"));
        expect(files).toEqual({
            dir: join(dir, "keys"),
            privateKey: join(dir, "keys", "apiclient_key.pem"),
            publicKey: join(dir, "keys", "pub_key.pem"),
            platformPublicKey: join(dir, "keys", "platform_pub_key.pem"),
        });
        expect((await stat(files.privateKey)).mode & 0o777).toBe(0o600);
        expect(await readFile(files.privateKey, "utf8")).toBe(CREDS.privateKey);
        expect(await readFile(files.publicKey, "utf8")).toBe(CREDS.publicKey);
        expect(await readFile(files.platformPublicKey, "utf8")).toBe(CREDS.platformPublicKey);

        await writeFile(files.privateKey, "stale", { mode: 0o644 });
        await writeKeyFiles(CREDS, files.dir);
        expect((await stat(files.privateKey)).mode & 0o777).toBe(0o600);
        expect(await readFile(files.privateKey, "utf8")).toBe(CREDS.privateKey);
    });

    it("makes a private temporary folder by default", async () => {
        const files = await writeKeyFiles(CREDS);
        dirs.push(files.dir);
        expect(files.dir.startsWith(join(tmpdir(), "wechatpay-emulator-"))).toBe(true);
        expect((await stat(files.dir)).mode & 0o777).toBe(0o700);
    });
});

describe("setupText", () => {
    const files: KeyFiles = {
        dir: "/tmp/my keys",
        privateKey: "/tmp/my keys/apiclient_key.pem",
        publicKey: "/tmp/my keys/pub_key.pem",
        platformPublicKey: "/tmp/my keys/platform_pub_key.pem",
    };

    it("prints ready-to-paste config and env lines, quoted for the shell", () => {
        const lines = setupText("http://127.0.0.1:4567/", CREDS, files).split("\n");
        expect(lines).toEqual([
            "WeChat Pay emulator listening on http://127.0.0.1:4567/ (merchant 1900000001)",
            "Key files: /tmp/my keys",
            "",
            "# Pulumi stack config:",
            "pulumi config set wechatpay:baseUrl http://127.0.0.1:4567/",
            "pulumi config set wechatpay:mchid 1900000001",
            `pulumi config set wechatpay:serial ${CREDS.serial}`,
            `pulumi config set --secret wechatpay:privateKey "$(cat '/tmp/my keys/apiclient_key.pem')"`,
            `pulumi config set wechatpay:publicKeyId ${CREDS.publicKeyId}`,
            "pulumi config set wechatpay:publicKey '/tmp/my keys/pub_key.pem'",
            "",
            "# Or environment variables:",
            "export WECHATPAY_BASE_URL=http://127.0.0.1:4567/",
            "export WECHATPAY_MCHID=1900000001",
            `export WECHATPAY_SERIAL=${CREDS.serial}`,
            "export WECHATPAY_PRIVATE_KEY='/tmp/my keys/apiclient_key.pem'",
            `export WECHATPAY_PUBLIC_KEY_ID=${CREDS.publicKeyId}`,
            "export WECHATPAY_PUBLIC_KEY='/tmp/my keys/pub_key.pem'",
            "",
            "# Platform-certificate mode instead: use these two in place of the public key ones.",
            `#   wechatpay:publicKeyId / WECHATPAY_PUBLIC_KEY_ID = ${CREDS.platformSerial}`,
            "#   wechatpay:publicKey / WECHATPAY_PUBLIC_KEY = /tmp/my keys/platform_pub_key.pem",
            "",
            "# The same config serves every resource: MembercardCallback, ComplaintNotification, BusifavorCallback,",
            "# and ViolationNotification only for service providers: restart with --partner to use it.",
            "",
            "Ctrl-C stops the emulator.",
        ]);
    });

    it("says when the merchant is a service provider", () => {
        const lines = setupText("http://127.0.0.1:4567/", CREDS, files, "partner").split("\n");
        expect(lines.slice(-4)).toEqual([
            "# The same config serves every resource: MembercardCallback, ComplaintNotification, BusifavorCallback,",
            "# and ViolationNotification (this merchant is a service provider).",
            "",
            "Ctrl-C stops the emulator.",
        ]);
    });

    it("with --state-dir, says where the state is kept and how to restart with it", () => {
        const lines = setupText("http://127.0.0.1:4567/", CREDS, files, "merchant", "/tmp/my state").split("\n");
        expect(lines.slice(0, 4)).toEqual([
            "WeChat Pay emulator listening on http://127.0.0.1:4567/ (merchant 1900000001)",
            "Key files: /tmp/my keys",
            "State kept in /tmp/my state: restart with --state-dir '/tmp/my state' for the same keys and settings.",
            "",
        ]);
    });

    it("never prints key material", () => {
        const text = setupText("http://127.0.0.1:4567/", CREDS, files);
        expect(text).not.toContain("BEGIN");
    });
});

describe("USAGE", () => {
    it("documents --state-dir", () => {
        expect(USAGE).toContain("--state-dir DIR   keep keys, port and settings in DIR (created, mode 0700)");
    });
});

describe("shellQuote", () => {
    it.each([
        ["/tmp/a/b.pem", "/tmp/a/b.pem"],
        ["/tmp/a b", "'/tmp/a b'"],
        ["it's", "'it'\\''s'"],
        ["$(rm -rf /)", "'$(rm -rf /)'"],
    ])("%s → %s", (word, quoted) => {
        expect(shellQuote(word)).toBe(quoted);
    });
});

describe("requestLine", () => {
    it("names method, path, status, code and fault, nothing else", () => {
        const at = Date.UTC(2025, 0, 2, 3, 4, 5, 6);
        const base = { method: "PATCH", path: "/v3/x", body: '{"notify_url":"https://a.example.com/cb"}', at };
        expect(requestLine({ ...base, status: 200 })).toBe("2025-01-02T03:04:05.006Z PATCH /v3/x → 200");
        expect(requestLine({ ...base, status: 500, code: "SYSTEM_ERROR", fault: "error" })).toBe(
            "2025-01-02T03:04:05.006Z PATCH /v3/x → 500 SYSTEM_ERROR [fault: error]",
        );
        expect(requestLine({ ...base, status: 0, fault: "reset" })).toBe(
            "2025-01-02T03:04:05.006Z PATCH /v3/x → dropped [fault: reset]",
        );
    });
});
