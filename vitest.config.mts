import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Engine tests pack and install the package once (cached), and start Pulumi's provider host.
        testTimeout: 60_000,
        hookTimeout: 240_000,
        // What the provider prints for the user during a step ("MembercardCallback 1900000001: the URL live before…")
        // is asserted where it matters; in-process tests would otherwise fill the run's output with it.
        onConsoleLog: (log: string) =>
            !/^(MembercardCallback|ComplaintNotification|BusifavorCallback|ViolationNotification) \d+: /.test(log),
    },
});
