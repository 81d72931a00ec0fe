/**
 * `npm run plugin:schema`: writes the wechatpay plugin's package schema, generated from the code, to
 * provider/plugin/schema.json (test/unit/pluginSchema.test.ts fails when the committed file is stale).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema } from "../provider/plugin/schemaBuild";

const root = join(__dirname, "..");
const out = join(root, "provider", "plugin", "schema.json");
writeFileSync(out, `${JSON.stringify(buildSchema(root), null, 2)}\n`);
console.log(out);
