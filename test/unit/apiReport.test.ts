/**
 * The public API is what docs/api-report.md says: the declarations `tsc -p tsconfig.json` emits (what `npm pack`
 * ships; test/newcomer/modules.test.ts checks the packed ones), read from the `exports` map's entry points.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { API_REPORT, API_REPORT_FIX, apiReport, emitDeclarations, entryPoints } from "../../harness/apiReport";

describe("the public API report", () => {
    let declarations: Map<string, string>;
    beforeAll(() => {
        declarations = emitDeclarations();
    });

    it("lists the exports map's entry points: the two APIs and the modules that state require()s", () => {
        expect(entryPoints().map((e) => e.entry)).toEqual([
            "pulumi-wechatpay",
            "pulumi-wechatpay/testing",
            "pulumi-wechatpay/dist/providerInstance.js",
            "pulumi-wechatpay/dist/complaintNotificationProvider.js",
            "pulumi-wechatpay/dist/busifavorCallbackProvider.js",
            "pulumi-wechatpay/dist/violationNotificationProvider.js",
        ]);
    });

    it(`matches the package's declarations (if not: ${API_REPORT_FIX})`, () => {
        const report = apiReport(declarations);
        // Compared as text, and the message says how to regenerate: a changed API is a deliberate, reviewed change.
        expect(report === readFileSync(API_REPORT, "utf8"), API_REPORT_FIX).toBe(true);
        expect(report).toContain("class MembercardCallback extends NotifySettingResource");
        expect(report).toContain("function startEmulator(");
    });

    it("shows no @internal export", () => {
        expect(declarations.get("dist/provider.d.ts")).not.toContain("forgetCreatesInThisProcess");
        expect(apiReport(declarations)).not.toMatch(/forgetCreatesInThisProcess|resolveConfig|describeReceived/);
    });
});
