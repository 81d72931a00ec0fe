import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Engine tests pack and install the package once (cached), and start Pulumi's provider host.
        testTimeout: 60_000,
        hookTimeout: 240_000,
    },
});
