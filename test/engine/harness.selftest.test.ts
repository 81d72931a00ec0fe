/**
 * Proves the engine harness against a tiny stand-in package (built here from strings, so it is reproducible):
 * pack → install → register under mocks → Pulumi's provider host over gRPC, the whole lifecycle.
 */

import { readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    type Consumer,
    captureRegistration,
    PRIVATE_KEY_BEGIN,
    PRIVATE_KEY_END,
    type PropertyMap,
    type ProviderHost,
    prepareConsumer,
    type Registration,
    startProviderHost,
    TYPE,
    UNKNOWN,
    urnFor,
    writeStandinPackage,
} from "../../harness";

const REPO = resolve(__dirname, "..", "..");
const PROJECT = "engine-selftest";
const STACK = "dev";
const MCHID = "1900000109";
const SECRET = `${PRIVATE_KEY_BEGIN}\nSELFTEST-SECRET-d1e5c0a7\n${PRIVATE_KEY_END}`;
const URL_A = "https://example.com/wechatpay/membercard";
const URL_B = "https://example.com/wechatpay/membercard-v2";

// Mirrors the shape of the real package: a provider class with configure + CRUD, and a dynamic.Resource subclass
// whose module/type give the token `pulumi-nodejs:dynamic/wechatpay:MembercardCallback`.
const STANDIN_FORMAT_JS = `"use strict";
exports.keyLength = (key) => (key ? key.length : 0);
`;

const STANDIN_INDEX_JS = `"use strict";
const pulumi = require("@pulumi/pulumi");
const format_1 = require("./format"); // what tsc emits for an import: captured by the provider's closure

class MembercardCallbackProvider {
    async configure(req) {
        if (req.config.get("standin:failConfigure")) {
            throw new TypeError("Missing \`wechatpay:mchid\`. Set it with \`pulumi config set wechatpay:mchid <id>\`.");
        }
        const delay = Number(req.config.get("standin:configureDelayMs") || 0);
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        this.mchid = req.config.get("wechatpay:mchid");
        this.privateKey = req.config.get("wechatpay:privateKey");
        this.region = req.config.get("region"); // bare key: looked up under the project name
    }
    async check(olds, news) {
        const failures = news.notifyUrl === "bad" ? [{ property: "notifyUrl", reason: "must be an absolute https URL" }] : [];
        return { inputs: news, failures };
    }
    async diff(id, olds, news) {
        return { changes: olds.notifyUrl !== news.notifyUrl };
    }
    async create(inputs) {
        if (String(inputs.notifyUrl).endsWith("/refuse")) throw new Error("create refused: " + inputs.notifyUrl);
        if (String(inputs.notifyUrl).endsWith("/undefined-out")) return { id: "x", outs: { extra: undefined } };
        const keyLength = format_1.keyLength(this.privateKey);
        const outs = { notifyUrl: inputs.notifyUrl, mchid: this.mchid ?? null, region: this.region ?? null, keyLength };
        return { id: this.mchid, outs };
    }
    async read(id, props) {
        return { id, props: { ...props, readBy: "standin" }, inputs: { notifyUrl: props.notifyUrl } };
    }
    async update(id, olds, news) {
        return { outs: { ...olds, notifyUrl: news.notifyUrl } };
    }
    async delete(id) {
        console.log("deleted " + id);
    }
}

class MembercardCallback extends pulumi.dynamic.Resource {
    constructor(name, args, opts) {
        super(new MembercardCallbackProvider(), name, { notifyUrl: args.notifyUrl, mchid: undefined }, opts,
            "wechatpay", "MembercardCallback");
    }
}

exports.MembercardCallback = MembercardCallback;
exports.MembercardCallbackProvider = MembercardCallbackProvider;
`;

const PROGRAM = `"use strict";
const { MembercardCallback } = require("pulumi-wechatpay");
new MembercardCallback("membercard", { notifyUrl: ${JSON.stringify(URL_A)} });
`;

let standinDir: string;
let consumer: Consumer;
let registration: Registration;
const timings: Record<string, number> = {};

beforeAll(async () => {
    standinDir = await writeStandinPackage("fake-dyn-pkg-", {
        name: "pulumi-wechatpay",
        version: "0.0.0-standin",
        dist: { "index.js": STANDIN_INDEX_JS, "format.js": STANDIN_FORMAT_JS },
    });

    // Two callers at once, as two vitest workers would: one installs, the other waits on the lock and reuses it.
    const cacheRoot = join(REPO, ".cache", "engine");
    let t = performance.now();
    const [a, b] = await Promise.all([
        prepareConsumer({ packageDir: standinDir, cacheRoot }),
        prepareConsumer({ packageDir: standinDir, cacheRoot }),
    ]);
    timings[a.fromCache && b.fromCache ? "prepareCachedMs" : "prepareColdMs"] = performance.now() - t;
    expect(b.dir).toBe(a.dir);
    expect([a.fromCache, b.fromCache]).toContain(true);
    consumer = a;

    t = performance.now();
    const again = await prepareConsumer({ packageDir: standinDir, cacheRoot });
    timings.prepareCachedMs = performance.now() - t;
    expect(again).toMatchObject({ dir: a.dir, fromCache: true });

    t = performance.now();
    registration = await captureRegistration(consumer, PROGRAM, {
        project: PROJECT,
        stack: STACK,
        config: { "wechatpay:mchid": MCHID },
    });
    timings.captureMs = performance.now() - t;
}, 600_000);

afterAll(async () => {
    console.log(`engine harness timings (ms): ${JSON.stringify(roundAll(timings))}`);
    if (standinDir) await rm(standinDir, { recursive: true, force: true });
});

describe("prepareConsumer", () => {
    it("installs the packed tarball and the repo's @pulumi/pulumi version", async () => {
        const repoPulumi = JSON.parse(
            await readFile(join(REPO, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
        ) as { version: string };
        expect(consumer.packageName).toBe("pulumi-wechatpay");
        expect(consumer.pulumiVersion).toBe(repoPulumi.version);
        const installed = join(consumer.dir, "node_modules", "pulumi-wechatpay", "dist", "index.js");
        expect(await readFile(installed, "utf8")).toBe(STANDIN_INDEX_JS);
        const pulumiPkg = join(consumer.dir, "node_modules", "@pulumi", "pulumi", "package.json");
        expect((JSON.parse(await readFile(pulumiPkg, "utf8")) as { version: string }).version).toBe(repoPulumi.version);
    });
});

describe("captureRegistration", () => {
    it("records the type token, name, inputs and the serialized __provider", () => {
        expect(registration.resources).toHaveLength(1);
        const [res] = registration.resources;
        expect(res).toMatchObject({ type: TYPE, name: "membercard", custom: true, provider: "" });
        expect(res?.inputs.notifyUrl).toBe(URL_A);
        expect(res?.inputs).not.toHaveProperty("mchid"); // output-only keys passed as undefined are not sent
        expect(res?.serializedProvider).toBe(res?.inputs.__provider);
        // The host runs `requireFromString(__provider).handler()`. The provider's methods are copied by value;
        // the modules they capture from node_modules are referenced by require, resolved from the host's cwd.
        expect(res?.serializedProvider).toContain("exports.handler");
        expect(res?.serializedProvider).toContain('require("pulumi-wechatpay/dist/format.js")');
    });
});

describe("startProviderHost", () => {
    let host: ProviderHost;
    const answers: unknown[] = [];
    const urn = urnFor(TYPE, "membercard", PROJECT, STACK);
    let providerString: string;

    beforeAll(async () => {
        providerString = registration.resources[0]?.serializedProvider ?? "";
        const t = performance.now();
        host = await startProviderHost(consumer, { project: PROJECT, stack: STACK });
        await host.getPluginInfo();
        timings.hostPortMs = host.startupMs;
        timings.hostFirstAnswerMs = performance.now() - t;
    }, 60_000);

    afterAll(async () => {
        await host?.close();
    });

    const keep = <T>(answer: T): T => {
        answers.push(answer);
        return answer;
    };

    it("answers GetPluginInfo with the SDK version", async () => {
        expect(await host.getPluginInfo()).toEqual({ version: consumer.pulumiVersion });
    });

    it("configures with the whole stack config, a secret unwrapped", async () => {
        const res = await host.configure(
            {
                "wechatpay:mchid": MCHID,
                "wechatpay:privateKey": SECRET,
                [`${PROJECT}:region`]: "cn-south",
                "aws:region": "unrelated",
            },
            ["wechatpay:privateKey"],
        );
        // The host takes secrets itself but asks for plain values in later calls.
        expect(res).toEqual({ acceptSecrets: false, acceptResources: false, supportsPreview: false });
    });

    it("runs check → create → read → check/diff → update → delete", async () => {
        const news: PropertyMap = { notifyUrl: URL_A, __provider: providerString };

        const checked = keep(await host.check(urn, {}, news));
        expect(checked).toEqual({ inputs: news, failures: [] });

        const created = keep(await host.create(urn, checked.inputs));
        expect(created).toEqual({
            id: MCHID,
            properties: {
                notifyUrl: URL_A,
                mchid: MCHID,
                region: "cn-south",
                keyLength: SECRET.length,
                __provider: providerString,
            },
        });

        const read = keep(await host.read(created.id, urn, created.properties, checked.inputs));
        expect(read).toEqual({
            id: MCHID,
            properties: { ...created.properties, readBy: "standin" },
            inputs: { notifyUrl: URL_A, __provider: providerString },
        });

        const news2: PropertyMap = { notifyUrl: URL_B, __provider: providerString };
        const checked2 = keep(await host.check(urn, checked.inputs, news2));
        expect(checked2.failures).toEqual([]);
        const diff = keep(await host.diff(created.id, urn, read.properties, checked2.inputs, read.inputs));
        expect(diff).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false, diffs: [] });

        const same = keep(await host.diff(created.id, urn, read.properties, checked.inputs, read.inputs));
        expect(same.changes).toBe("none");

        const updated = keep(await host.update(created.id, urn, read.properties, checked2.inputs, read.inputs));
        expect(updated.properties).toMatchObject({ notifyUrl: URL_B, mchid: MCHID, __provider: providerString });

        expect(keep(await host.delete(created.id, urn, updated.properties, checked2.inputs))).toEqual({});
        await expect.poll(() => host.output()).toContain(`deleted ${MCHID}`);
    });

    it("passes preview unknowns through check and diff", async () => {
        const news: PropertyMap = { notifyUrl: UNKNOWN, __provider: providerString };
        expect(host.unknown).toBe(UNKNOWN);
        const checked = keep(await host.check(urn, {}, news));
        expect(checked.inputs.notifyUrl).toBe(UNKNOWN);
        const diff = keep(await host.diff(MCHID, urn, { notifyUrl: URL_A, __provider: providerString }, news));
        expect(diff.changes).toBe("some");
    });

    it("returns check failures and surfaces provider errors as thrown errors", async () => {
        const bad = keep(await host.check(urn, {}, { notifyUrl: "bad", __provider: providerString }));
        expect(bad.failures).toEqual([{ property: "notifyUrl", reason: "must be an absolute https URL" }]);
        await expect(
            host.create(urn, { notifyUrl: `${URL_A}/refuse`, __provider: providerString }),
        ).rejects.toMatchObject({ name: "ProviderHostCallError", message: `create refused: ${URL_A}/refuse` });
    });

    it("fails a call whose result holds an undefined value (the host cannot encode it)", async () => {
        await expect(
            host.create(urn, { notifyUrl: `${URL_A}/undefined-out`, __provider: providerString }),
        ).rejects.toMatchObject({ name: "ProviderHostCallError", message: "Unexpected struct type." });
    });

    it("never shows the secret in host output or answers", () => {
        expect(answers.length).toBeGreaterThan(5);
        expect(JSON.stringify(answers)).not.toContain("SELFTEST-SECRET");
        expect(host.output()).not.toContain("SELFTEST-SECRET");
        expect(providerString).not.toContain("SELFTEST-SECRET");
    });
});

describe("host behaviour the real provider must survive", () => {
    it("lets concurrent first calls reach a provider whose configure() is still running", async () => {
        const providerString = registration.resources[0]?.serializedProvider ?? "";
        const host = await startProviderHost(consumer, { project: PROJECT });
        try {
            await host.configure({ "wechatpay:mchid": MCHID, "standin:configureDelayMs": "300" });
            const props = { notifyUrl: URL_A, __provider: providerString };
            const urn = urnFor(TYPE, "membercard", PROJECT, STACK);
            // getProvider() caches the provider before awaiting configure(): the second call does not wait.
            const answers = await Promise.all([host.create(urn, props), host.create(urn, props)]);
            const mchids = answers.map((a) => a.properties.mchid);
            expect(mchids).toContain(MCHID);
            expect(mchids).toContain(null); // that call ran before configure() had stored anything
        } finally {
            await host.close();
        }
    });
});

describe("host behaviour when configure() throws", () => {
    it("fails only the first call; later calls get the cached, unconfigured provider", async () => {
        const providerString = registration.resources[0]?.serializedProvider ?? "";
        const host = await startProviderHost(consumer, { project: PROJECT });
        try {
            await host.configure({ "standin:failConfigure": "1" }); // the RPC itself only stores the config
            const props = { notifyUrl: URL_A, __provider: providerString };
            const urn = urnFor(TYPE, "membercard", PROJECT, STACK);
            await expect(host.create(urn, props)).rejects.toThrow("Missing `wechatpay:mchid`");
            const second = await host.create(urn, props);
            expect(second.properties.mchid).toBeNull();
        } finally {
            await host.close();
        }
    });
});

function roundAll(t: Record<string, number>): Record<string, number> {
    return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)]));
}
