import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyFragments } from "../../harness";
import { type Emulator, startEmulator } from "../../provider/testing";
import { configuredProvider } from "./fixture";

let emulator: Emulator;
beforeAll(async () => {
    emulator = await startEmulator({ merchants: [{ mchid: "1900000001", notifyUrl: "https://old.example.com/cb" }] });
});
afterAll(() => emulator.close());

describe("secret hygiene", () => {
    it("keeps the private key out of results, errors, logs and the emulator's request log", async () => {
        const seen: string[] = [];
        const originals = [console.log, console.error, console.warn, console.info] as const;
        const capture = (...args: unknown[]) => {
            seen.push(args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 8 }))).join(" "));
        };
        console.log = console.error = console.warn = console.info = capture;
        try {
            const provider = await configuredProvider(emulator, { "wechatpay:maxRetries": "1" });
            const steps: Array<() => Promise<unknown>> = [
                () => provider.check({}, { notifyUrl: "https://api.example.com/cb" }),
                () => provider.create({ notifyUrl: "https://api.example.com/cb" }),
                () =>
                    provider.diff(
                        "1900000001",
                        { notifyUrl: "https://api.example.com/cb" },
                        { notifyUrl: "https://x.example.com/cb" },
                    ),
                () =>
                    provider.update(
                        "1900000001",
                        { notifyUrl: "https://api.example.com/cb" },
                        { notifyUrl: "https://x.example.com/cb" },
                    ),
                () => provider.read("1900000001", {}),
                () => {
                    emulator.failNext({ kind: "error", status: 401, code: "SIGN_ERROR" });
                    return provider.read("1900000001", {});
                },
                () => {
                    emulator.failNext({ kind: "bad-signature" }, 3);
                    return provider.update("1900000001", {}, { notifyUrl: "https://y.example.com/cb" });
                },
                () => {
                    emulator.failNext({ kind: "reset" }, 2);
                    return provider.read("1900000001", {});
                },
                () =>
                    provider.delete("1900000001", {
                        notifyUrl: "https://x.example.com/cb",
                        appliedNotifyUrl: "https://x.example.com/cb",
                        previousNotifyUrl: "https://old.example.com/cb",
                    }),
                () => provider.delete("1900000002", {}),
            ];
            for (const step of steps) {
                try {
                    seen.push(inspect(await step(), { depth: 8 }));
                } catch (e) {
                    const err = e as Error;
                    seen.push(
                        err.message,
                        err.stack ?? "",
                        inspect(err, { depth: 8, showHidden: true }),
                        JSON.stringify(err),
                    );
                }
            }
            // A malformed key in config: the error must not quote it.
            const broken = await configuredProvider(emulator, {
                "wechatpay:privateKey": emulator.credentials().privateKey.replace("MII", "XXX"),
            });
            await broken
                .create({ notifyUrl: "https://api.example.com/cb" })
                .catch((e: Error) => seen.push(e.message, e.stack ?? ""));
            seen.push(inspect(provider, { depth: 8, showHidden: true }));
        } finally {
            [console.log, console.error, console.warn, console.info] = originals;
        }
        seen.push(JSON.stringify(emulator.requests));

        const text = seen.join("\n");
        expect(seen.length).toBeGreaterThan(15);
        expect(text).toContain("SIGN_ERROR"); // the failures really happened and were captured
        expect(text).toContain("leaving the live notify URL as it is");
        for (const fragment of keyFragments(emulator.credentials().privateKey)) {
            expect(text).not.toContain(fragment);
        }
        expect(text).not.toContain("PRIVATE KEY");
    });
});
