/**
 * Registration: what the SDK sends for each resource a program constructs (inputs include `__provider`), captured
 * by running the program under Pulumi's mocks in the consumer folder.
 */

import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Consumer } from "./consumer";
import type { PropertyMap } from "./providerHost";
import { run } from "./run";

export interface RegisteredResource {
    /** e.g. `pulumi-nodejs:dynamic/wechatpay:MembercardCallback` */
    type: string;
    name: string;
    custom: boolean;
    /** Provider reference; "" means the default provider (the engine picks `pulumi-nodejs`). */
    provider: string;
    /** Inputs as the SDK marshalled them; secrets stay wrapped as `{"4dabf…": "1b47…", value}` (providerHost.ts). */
    inputs: PropertyMap;
    /** `inputs.__provider` when it is a plain string: the serialized provider the engine stores in state. */
    serializedProvider?: string;
}

export interface Registration {
    resources: RegisteredResource[];
    /** The program's own stdout/stderr (closure serialization warnings land here). */
    output: string;
}

export interface CaptureOptions {
    /** Stack config as `pulumi config` holds it, namespaced keys: `{"wechatpay:mchid": "190000…"}`. */
    config?: Record<string, string>;
    project?: string;
    stack?: string;
}

/**
 * Runs `programSource` (CommonJS, may `require("<package>")`) in a child node process in the consumer folder under
 * `pulumi.runtime.setMocks(…, preview = false)` and returns every resource it registered.
 *
 * The mock monitor's `newResource` receives `deserializeProperties(RegisterResourceRequest.object)`
 * (sdk/nodejs/runtime/mocks.ts), i.e. exactly the property map the SDK sent, `__provider` included: a dynamic
 * resource puts the serialized provider into its props before `super()` (sdk/nodejs/dynamic/index.ts), and the SDK
 * waits for that (async) serialization before it sends the request.
 */
export async function captureRegistration(
    consumer: Consumer,
    programSource: string,
    opts: CaptureOptions = {},
): Promise<Registration> {
    const suffix = randomBytes(4).toString("hex");
    const workDir = join(consumer.dir, ".captures", `${Date.now()}-${process.pid}-${suffix}`);
    await mkdir(workDir, { recursive: true });
    try {
        await writeFile(join(workDir, "program.js"), programSource);
        await writeFile(join(workDir, "runner.js"), CAPTURE_RUNNER);
        const resultFile = join(workDir, "result.json");
        const { stdout, stderr } = await run(process.execPath, [join(workDir, "runner.js"), resultFile], {
            cwd: consumer.dir,
            timeoutMs: 120_000,
            env: {
                ...process.env,
                // What `new pulumi.Config()` reads in a program (sdk/nodejs/runtime/config.ts `configEnvKey`).
                PULUMI_CONFIG: JSON.stringify(opts.config ?? {}),
                CAPTURE_PROJECT: opts.project ?? "project",
                CAPTURE_STACK: opts.stack ?? "stack",
            },
        });
        const result = JSON.parse(await readFile(resultFile, "utf8")) as {
            resources: Omit<RegisteredResource, "serializedProvider">[];
        };
        return {
            output: stdout + stderr,
            resources: result.resources.map((r) => {
                const p = r.inputs.__provider;
                return typeof p === "string" ? { ...r, serializedProvider: p } : r;
            }),
        };
    } finally {
        await rm(workDir, { recursive: true, force: true });
    }
}

/** Runs next to the program; writes the registrations when the event loop drains (all RPCs done). */
const CAPTURE_RUNNER = `"use strict";
const fs = require("fs");
const path = require("path");
const pulumi = require("@pulumi/pulumi");
const resources = [];
let written = false;
process.on("beforeExit", () => {
    if (written) return;
    written = true;
    fs.writeFileSync(process.argv[2], JSON.stringify({ resources }));
});
pulumi.runtime
    .setMocks(
        {
            newResource(args) {
                resources.push({
                    type: args.type,
                    name: args.name,
                    custom: args.custom,
                    provider: args.provider,
                    inputs: args.inputs,
                });
                return { id: args.name + "-id", state: args.inputs };
            },
            call(args) {
                return args.inputs;
            },
        },
        process.env.CAPTURE_PROJECT,
        process.env.CAPTURE_STACK,
        false,
    )
    .then(() => require(path.join(__dirname, "program.js")))
    .catch((err) => {
        console.error(err && err.stack ? err.stack : err);
        process.exit(1);
    });
`;
