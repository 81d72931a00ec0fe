/**
 * Runs the fault table's cells through Pulumi's own dynamic-provider host with the package as a user installs it
 * (the `npm pack` tarball): one consumer folder, one emulator, one host per configuration (the normal one, and one
 * whose primary base URL is a closed port with the emulator as backup). Each cell runs one step over gRPC.
 */

import { prepareConsumer } from "../consumer";
import { capturedResource, withoutWechatpayEnv } from "../fixtures";
import { startProviderHost, urnFor } from "../providerHost";
import { captureRegistration } from "../registration";
import { type Matrix, matrixOf } from "./matrix";
import { RESOURCES, type TableResource, typeOf, URL_A } from "./table";

const PROJECT = "fault-matrix";
const STACK = "dev";

/** One resource of each type, each for the stack's merchant. */
const PROGRAM = `
const w = require("pulumi-wechatpay");
${RESOURCES.map((r) => `new w.${r.className}(${JSON.stringify(r.name)}, { notifyUrl: ${JSON.stringify(URL_A)} });`).join("\n")}
`;

export interface MatrixOptions {
    /** The package to pack and install (the repository root). */
    packageDir: string;
    /** Progress lines (stderr in the script). */
    log?: (line: string) => void;
}

/** Packs and installs the package, starts the emulator and two provider hosts, and captures `__provider`. */
export function startMatrix(opts: MatrixOptions): Promise<Matrix> {
    const log = opts.log ?? (() => {});
    return matrixOf(async () => {
        let t = performance.now();
        log("packing and installing the package into a consumer folder…");
        const consumer = await prepareConsumer({ packageDir: opts.packageDir });
        const consumerMs = performance.now() - t;

        t = performance.now();
        const registration = await captureRegistration(consumer, PROGRAM, { project: PROJECT, stack: STACK });
        // Each resource of the program by its type token (one of each type).
        const registeredOf = (r: TableResource) => capturedResource(registration, typeOf(r));
        const captureMs = performance.now() - t;

        // No WECHATPAY_* of the machine running this may reach the hosts.
        const env = withoutWechatpayEnv();
        return {
            setup: { consumerMs, captureMs, fromCache: consumer.fromCache },
            startHost: () => startProviderHost(consumer, { project: PROJECT, stack: STACK, env }),
            inputsOf: (resource) => ({
                urn: urnFor(typeOf(resource), resource.name, PROJECT, STACK),
                news: registeredOf(resource).inputs,
            }),
        };
    });
}
