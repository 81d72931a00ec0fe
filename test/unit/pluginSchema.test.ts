import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENDPOINTS, typeToken } from "../../provider/plugin/core";
import { buildSchema } from "../../provider/plugin/schemaBuild";
import { SETTINGS } from "../../provider/settings";

const root = join(__dirname, "..", "..");
const committed = JSON.parse(readFileSync(join(root, "provider", "plugin", "schema.json"), "utf8"));
const schema = buildSchema(root);

describe("the wechatpay plugin's schema", () => {
    it("is the one the code generates (else run `npm run plugin:schema` and commit it)", () => {
        expect(committed).toEqual(schema);
    });

    it("has one resource per endpoint, with the dynamic resources' inputs and outputs", () => {
        expect(Object.keys(schema.resources).sort()).toEqual(ENDPOINTS.map(typeToken).sort());
        for (const resource of Object.values(schema.resources)) {
            expect(Object.keys(resource.inputProperties)).toEqual(["notifyUrl", "mchid"]);
            expect(resource.requiredInputs).toEqual(["notifyUrl"]);
            expect(Object.keys(resource.properties)).toEqual([
                "notifyUrl",
                "mchid",
                "appliedNotifyUrl",
                "previousNotifyUrl",
                "unconfirmedNotifyUrl",
            ]);
        }
    });

    it("describes every resource (with its WeChat Pay product name in Chinese) and every property", () => {
        for (const [token, resource] of Object.entries(schema.resources)) {
            expect(resource.description, token).toMatch(/[\u4e00-\u9fff]/);
            for (const p of [...Object.values(resource.inputProperties), ...Object.values(resource.properties)]) {
                expect(p.description.length, token).toBeGreaterThan(20);
            }
        }
    });

    it("has every setting as provider config, described, with the private key and the profiles secret", () => {
        const keys = Object.values(SETTINGS).map((s) => s.key.replace("wechatpay:", ""));
        expect(Object.keys(schema.config.variables)).toEqual(keys);
        expect(schema.provider.inputProperties).toEqual(schema.config.variables);
        for (const [key, variable] of Object.entries(schema.config.variables)) {
            expect(variable.description, key).toMatch(/WECHATPAY_[A-Z_]+/);
            expect(variable.description, key).not.toMatch(/\*\*/);
        }
        const secret = Object.entries(schema.config.variables)
            .filter(([, v]) => v.secret === true)
            .map(([k]) => k);
        expect(secret).toEqual(["privateKey", "merchants"]);
        // The core's own secret flag agrees.
        expect(SETTINGS.privateKey.secret).toBe(true);
    });

    it("carries the package version and the SDK package names", () => {
        expect(schema.version).toBe(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
        expect(Object.keys(schema.language).sort()).toEqual(["go", "nodejs", "python"]);
    });
});
