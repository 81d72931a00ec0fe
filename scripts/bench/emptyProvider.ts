/** The empty dynamic provider: the floor of what any dynamic provider costs in Pulumi's host. */

import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type Consumer, prepareConsumer, writeStandinPackage } from "../../harness";
import { BENCH_DIR } from "./settings";

// The simplest dynamic provider: serialized by value (as most are), no configure, read returns props.
const EMPTY_INDEX_JS = `"use strict";
const pulumi = require("@pulumi/pulumi");
class EmptyProvider {
    async check(olds, news) { return { inputs: news, failures: [] }; }
    async diff(id, olds, news) { return { changes: olds.value !== news.value }; }
    async create(inputs) { return { id: "empty", outs: inputs }; }
    async read(id, props) { return { id, props }; }
    async update(id, olds, news) { return { outs: news }; }
    async delete(id) {}
}
class Empty extends pulumi.dynamic.Resource {
    constructor(name, args, opts) { super(new EmptyProvider(), name, { value: args.value }, opts, "empty", "Empty"); }
}
exports.Empty = Empty;
`;

/** Packs and installs the empty provider (cached while unchanged). */
export async function prepareEmptyConsumer(): Promise<Consumer> {
    const dir = await writeStandinPackage("bench-empty-provider-", {
        name: "empty-dynamic-provider",
        version: "0.0.0-bench",
        dist: { "index.js": EMPTY_INDEX_JS },
    });
    try {
        // A cache of its own, so this never evicts the test suite's consumers.
        return await prepareConsumer({ packageDir: dir, cacheRoot: join(BENCH_DIR, "engine") });
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}
