/** The README's code blocks, found by the marker comment that precedes each: `<!-- quickstart: index.ts -->`. */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO } from "../../harness";

/** The README as committed. */
export function readme(): Promise<string> {
    return readFile(join(REPO, "README.md"), "utf8");
}

/** Every block marked `<!-- <group>: <name> -->`, in order, as [name, code]. */
export function markedBlocks(text: string, group: string): [string, string][] {
    const marker = new RegExp(`<!-- ${group}: (\\S+) -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\`\\n`, "g");
    return [...text.matchAll(marker)].map((m) => [m[1] ?? "", `${m[2] ?? ""}\n`]);
}

/** The block marked `<!-- <group>: <name> -->`; throws when there is not exactly one. */
export function markedBlock(text: string, group: string, name: string): string {
    const found = markedBlocks(text, group).filter(([n]) => n === name);
    if (found.length !== 1 || found[0] === undefined) {
        throw new Error(`README.md has ${found.length} blocks marked <!-- ${group}: ${name} -->`);
    }
    return found[0][1];
}

/** The commands of a shell block: comments and blank lines dropped. */
export function commands(block: string): string[] {
    return block
        .split("\n")
        .map((line) => line.replace(/\s+#.*$/, "").trim())
        .filter((line) => line !== "" && !line.startsWith("#"));
}
