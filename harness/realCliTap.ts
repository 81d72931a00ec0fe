/**
 * A recorder of what a dynamic provider receives, for checking the stand-in engine (harness/engine) against the real
 * CLI: both start the same `@pulumi/pulumi/cmd/dynamic-provider` host with `node`, so a `--require` preload in
 * NODE_OPTIONS sees the same place in both. The host builds each provider with
 * `requireFromString(props.__provider).handler()` (cmd/dynamic-provider/index.ts `getProvider`); the preload wraps that
 * module so each provider's methods append one JSON line per call (method, arguments, result or error) to
 * `$PULUMI_WECHATPAY_TAP`. `__provider` is dropped (it is the same code on both sides), and `configure` records only
 * which keys it could read (secret values never reach the log).
 */

import { writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface TapRecord {
    pid: number;
    method: string;
    args: unknown[];
    result?: unknown;
    error?: string;
}

const SOURCE = `"use strict";
const Module = require("node:module");
const fs = require("node:fs");
const file = process.env.PULUMI_WECHATPAY_TAP;
const strip = (v) => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === "object") {
        const out = {};
        for (const [k, x] of Object.entries(v)) if (k !== "__provider") out[k] = strip(x);
        return out;
    }
    return v;
};
const log = (record) => fs.appendFileSync(file, JSON.stringify({ pid: process.pid, ...record }) + "\\n");
const KEYS = ["wechatpay:mchid", "wechatpay:serial", "wechatpay:privateKey", "wechatpay:publicKeyId",
    "wechatpay:publicKey", "wechatpay:baseUrl", "wechatpay:merchants"];
function wrap(provider) {
    for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
        const original = provider[method];
        if (typeof original !== "function") continue;
        provider[method] = async function (...args) {
            const shown = method === "configure"
                ? [KEYS.filter((k) => args[0] && args[0].config && args[0].config.get(k) !== undefined)]
                : strip(args);
            try {
                const result = await original.apply(this, args);
                log({ method, args: shown, result: method === "configure" ? undefined : strip(result) });
                return result;
            } catch (error) {
                log({ method, args: shown, error: String(error && error.message || error) });
                throw error;
            }
        };
    }
    return provider;
}
const load = Module._load;
Module._load = function (request, ...rest) {
    const loaded = load.call(this, request, ...rest);
    if (request !== "require-from-string" || !file) return loaded;
    return function (...args) {
        const mod = loaded(...args);
        if (mod && typeof mod.handler === "function") {
            const handler = mod.handler;
            mod.handler = (...h) => wrap(handler(...h));
        }
        return mod;
    };
};
`;

/** Writes the preload into `dir`; returns the environment that turns it on, logging to `logFile`. */
export async function writeTap(dir: string, logFile: string): Promise<Record<string, string>> {
    const path = join(dir, "wechatpay-tap.cjs");
    await writeFile(path, SOURCE);
    await writeFile(logFile, "");
    return { NODE_OPTIONS: `--require ${path}`, PULUMI_WECHATPAY_TAP: logFile };
}
