/**
 * The README's settings table is the users' copy of `SETTINGS` (provider/settings.ts), whose descriptions the plugin
 * schema also carries: the same keys in the same order, each described the same, the secret ones marked.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../harness";
import { SECRET_SETTINGS } from "../../provider/plugin/config";
import { SETTINGS } from "../../provider/settings";

/** The table's `` | `wechatpay:<key>` | <meaning> | `` rows, in order. */
const rows = readFileSync(join(REPO, "README.md"), "utf8")
    .split("\n")
    .map((line) => /^\| `(wechatpay:[A-Za-z]+)` \| (.+) \|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, key, meaning]) => ({ key: key ?? "", meaning: meaning ?? "" }));

/** The README's own additions to a description: the secret marker and the pointer to the text below the table. */
const SECRET_MARK = /\. \*\*Secret\*\*(: `--secret`)?$/;
const plain = (meaning: string): string => meaning.replace(SECRET_MARK, "").replace(" (below)", "");

describe("the README's settings table", () => {
    it("lists every setting, in SETTINGS' order", () => {
        expect(rows.map((r) => r.key)).toEqual(Object.values(SETTINGS).map((s) => s.key));
    });

    it.each(Object.values(SETTINGS))("describes $key as SETTINGS does", (setting) => {
        const row = rows.find((r) => r.key === setting.key);
        expect(plain(row?.meaning ?? "")).toBe(setting.description);
    });

    it("marks exactly the secret settings **Secret**", () => {
        const marked = rows.filter((r) => SECRET_MARK.test(r.meaning)).map((r) => r.key);
        expect(marked).toEqual([...SECRET_SETTINGS]);
    });
});
