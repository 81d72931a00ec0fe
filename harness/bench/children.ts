/**
 * The bench's other processes, written as plain CommonJS into the consumer folders and run with plain `node` (no
 * tsx loader in the process being measured):
 * - the null provider package: serialized exactly like the real one (`__provider` is a `require()` of an installed
 *   module's `module.exports`), same props, no requests. It is the floor: what the host costs any such provider;
 * - the emulator (the package's own `pulumi-wechatpay/testing`), so its RSA signing stays off the measuring loop;
 * - the direct SDK baseline: `wechatpay-axios-plugin` from the same consumer, the same signed request, the same
 *   headers and agent settings as the provider, from a plain Node process.
 */

import { type ChildProcess, fork } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The type token part the null resource registers under (module `wechatpay`, like the real one). */
export const NULL_TYPE = "pulumi-nodejs:dynamic/wechatpay:NullCallback";

/** `dist/` of the null provider package: the resource class and its provider instance module. */
export const NULL_PACKAGE_DIST: Record<string, string> = {
    "index.js": `"use strict";
const pulumi = require("@pulumi/pulumi");
const provider = require("./providerInstance");
class NullCallback extends pulumi.dynamic.Resource {
    constructor(name, args, opts) {
        const props = { notifyUrl: args.notifyUrl, mchid: args.mchid, appliedNotifyUrl: undefined, previousNotifyUrl: undefined };
        super(provider, name, props, opts, "wechatpay", "NullCallback");
    }
}
exports.NullCallback = NullCallback;
`,
    // The real provider's method shapes and answers, without the requests.
    "providerInstance.js": `"use strict";
class NullProvider {
    async configure(req) { this.mchid = req.config.get("wechatpay:mchid"); }
    async check(olds, news) { return { inputs: { notifyUrl: String(news.notifyUrl).trim() }, failures: [] }; }
    async diff(id, olds, news) { return { changes: olds.notifyUrl !== news.notifyUrl }; }
    async create(inputs) {
        const outs = { notifyUrl: inputs.notifyUrl, mchid: this.mchid, appliedNotifyUrl: inputs.notifyUrl };
        return { id: this.mchid, outs };
    }
    async read(id, props) { return { id, props, inputs: { notifyUrl: props.notifyUrl } }; }
    async update(id, olds, news) { return { outs: { ...olds, notifyUrl: news.notifyUrl, appliedNotifyUrl: news.notifyUrl } }; }
    async delete() {}
}
module.exports = new NullProvider();
`,
};

const EMULATOR_JS = `"use strict";
const { startEmulator } = require("pulumi-wechatpay/testing");
const INITIAL = "https://old.example.com/wechatpay/membercard";
startEmulator({ merchants: [{ mchid: "1900000001", notifyUrl: INITIAL }, { mchid: "1900000002", notifyUrl: INITIAL }] })
    .then((em) => {
        const pick = (mchid) => {
            const c = em.credentials(mchid);
            return { mchid: c.mchid, serial: c.serial, privateKey: c.privateKey, publicKeyId: c.publicKeyId, publicKey: c.publicKey };
        };
        process.send({ baseUrl: em.baseUrl, initialUrl: INITIAL, provider: pick("1900000001"), direct: pick("1900000002") });
        // The request log grows with every request: the bench resets between phases.
        process.on("message", () => { em.reset(); process.send({}); });
        process.once("disconnect", () => em.close().finally(() => process.exit(0)));
    })
    .catch((err) => { console.error(err); process.exit(1); });
`;

const DIRECT_JS = `"use strict";
const { Agent } = require("node:http");
const PATH = "v3/marketing/membercard-open/callback";
let http;
function client(t) {
    const { Decorator } = require("wechatpay-axios-plugin");
    return Decorator.jsonBased({
        mchid: t.mchid, serial: t.serial, privateKey: t.privateKey, certs: { [t.publicKeyId]: t.publicKey },
        baseURL: t.baseUrl,
        headers: { Accept: "application/json", "Content-Type": "application/json", "Wechatpay-Serial": t.publicKeyId },
        httpAgent: new Agent({ keepAlive: true, keepAliveMsecs: 60000, maxSockets: 16 }),
        maxRedirects: 0,
    });
}
const answered = (res) => {
    if (typeof res.data?.notify_url !== "string") throw new Error("an answer without notify_url");
};
const get = async () => answered(await http.get(PATH));
const patch = async (i) => answered(await http.patch(PATH, { notify_url: i % 2 ? ${JSON.stringify("https://api.example.com/wechatpay/membercard-v2")} : ${JSON.stringify("https://api.example.com/wechatpay/membercard")} }));
const calls = { read: get, update: patch, create: async (i) => { await get(); await patch(i); }, delete: async (i) => { await get(); await patch(i); } };
process.on("message", async (m) => {
    try {
        if (m.op === "burst") {
            // A fresh process: loading the SDK and parsing the keys is part of it, as on a fresh provider host.
            const started = performance.now();
            http = client(m.target);
            await Promise.all(Array.from({ length: m.n }, () => get()));
            process.send({ wallMs: performance.now() - started });
            return;
        }
        http ??= client(m.target);
        const call = calls[m.kind];
        const samples = [];
        const cpu = process.cpuUsage();
        for (let i = 0; i < m.n; i++) {
            const t = performance.now();
            await call(i);
            samples.push(performance.now() - t);
        }
        const used = process.cpuUsage(cpu);
        process.send({ samples, cpuMs: (used.user + used.system) / 1000 });
    } catch (err) {
        process.send({ error: String(err && err.stack ? err.stack : err) });
    }
});
process.once("disconnect", () => process.exit(0));
`;

/** A forked child answering one message at a time. */
export class Child<Ready = unknown> {
    private constructor(
        private readonly child: ChildProcess,
        readonly ready: Ready,
    ) {}

    /** Forks `script` (in `dir`, so its `require`s resolve from that consumer) and waits for its first message. */
    static async start<Ready>(dir: string, name: "emulator" | "direct", env: NodeJS.ProcessEnv): Promise<Child<Ready>> {
        const script = join(dir, ".bench", `${name}.js`);
        await mkdir(join(dir, ".bench"), { recursive: true });
        await writeFile(script, name === "emulator" ? EMULATOR_JS : DIRECT_JS);
        const child = fork(script, [], { cwd: dir, env, execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
        const ready =
            name === "emulator"
                ? await new Promise<Ready>((done, fail) => {
                      child.once("message", (m) => done(m as Ready));
                      child.once("exit", (code) => fail(new Error(`${name} exited (${code}) before it was ready`)));
                  })
                : (undefined as Ready);
        return new Child(child, ready);
    }

    get pid(): number {
        return this.child.pid ?? -1;
    }

    /** Sends one message and resolves to the child's answer; an answer with `error` rejects. */
    ask<T>(message: object): Promise<T> {
        return new Promise((done, fail) => {
            const onExit = (code: number | null) => fail(new Error(`child exited (${code}) while busy`));
            this.child.once("exit", onExit);
            this.child.once("message", (m: { error?: string }) => {
                this.child.off("exit", onExit);
                if (m.error !== undefined) fail(new Error(m.error));
                else done(m as T);
            });
            this.child.send(message);
        });
    }

    close(): void {
        if (this.child.connected) this.child.disconnect();
    }
}
