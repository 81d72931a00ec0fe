/**
 * The public API report: what a user can reach of the package, read from its declaration files (`.d.ts`, after
 * `stripInternal`). The entry points are the `exports` map's, except `package.json`; each export is listed with its
 * declaration, then every type those declarations name from the package's other files. A change to the report is a
 * change to the public API: `npm run api:report` rewrites docs/api-report.md, and a test fails until it is committed.
 *
 * Built on the TypeScript compiler API (a dependency already) rather than api-extractor: the package has six entry
 * points, four of them `export =` modules that state `require()`s, which one report per entry point would split up.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { REPO } from "./cli";

/** Where the committed report lives. */
export const API_REPORT = join(REPO, "docs", "api-report.md");

/** How to bring the committed report up to date, for failure messages. */
export const API_REPORT_FIX = "run `npm run api:report` and commit docs/api-report.md";

/** The package's entry points (`exports` keys) and the declaration file behind each, relative to the package. */
export function entryPoints(packageDir: string = REPO): { entry: string; types: string }[] {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
        name: string;
        exports: Record<string, string | { types?: string }>;
    };
    return Object.entries(manifest.exports)
        .filter(([entry]) => entry !== "./package.json")
        .map(([entry, target]) => ({
            entry: entry === "." ? manifest.name : `${manifest.name}/${entry.slice(2)}`,
            types: typeof target === "string" ? target.replace(/\.js$/, ".d.ts") : (target.types ?? ""),
        }));
}

/**
 * The declaration files `tsc -p tsconfig.json` writes to dist/ (what `npm pack` ships), made in memory so the report
 * can be checked without a build. Keys are paths like `dist/index.d.ts`.
 */
export function emitDeclarations(repo: string = REPO): Map<string, string> {
    const configPath = join(repo, "tsconfig.json");
    const parsed = ts.getParsedCommandLineOfConfigFile(
        configPath,
        {},
        {
            ...ts.sys,
            onUnRecoverableConfigFileDiagnostic: (d) => {
                throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
            },
        },
    );
    if (parsed === undefined) {
        throw new Error(`cannot read ${configPath}`);
    }
    const options = { ...parsed.options, emitDeclarationOnly: true, declaration: true, noEmit: false };
    const out = new Map<string, string>();
    const program = ts.createProgram(parsed.fileNames, options);
    program.emit(undefined, (fileName, text) => {
        out.set(fileName.slice(repo.length + 1), text);
    });
    return out;
}

/** Reads the `.d.ts` files of an installed or built package: `dist/**` below `packageDir`. */
export function readDeclarations(packageDir: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const file of ts.sys.readDirectory(join(packageDir, "dist"), [".d.ts"])) {
        out.set(file.slice(packageDir.length + 1), readFileSync(file, "utf8"));
    }
    return out;
}

/** The report for the declaration files `files` (package-relative paths → text), entry points from package.json. */
export function apiReport(files: Map<string, string>, packageDir: string = REPO): string {
    const root = "/pkg/";
    const host = ts.createCompilerHost({});
    const defaultGet = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, onError) => {
        const text = name.startsWith(root) ? files.get(name.slice(root.length)) : undefined;
        return text !== undefined ? ts.createSourceFile(name, text, version, true) : defaultGet(name, version, onError);
    };
    const defaultExists = host.fileExists.bind(host);
    host.fileExists = (name) => (name.startsWith(root) ? files.has(name.slice(root.length)) : defaultExists(name));
    const defaultRead = host.readFile.bind(host);
    host.readFile = (name) => (name.startsWith(root) ? files.get(name.slice(root.length)) : defaultRead(name));
    host.directoryExists = (name) =>
        name.startsWith(root) || `${name}/` === root
            ? [...files.keys()].some((f) => `${root}${f}`.startsWith(`${name.replace(/\/$/, "")}/`))
            : ts.sys.directoryExists(name);
    const entries = entryPoints(packageDir);
    const program = ts.createProgram(
        entries.map((e) => root + e.types.replace(/^\.\//, "")),
        { noEmit: true, skipLibCheck: true, types: [], module: ts.ModuleKind.CommonJS, esModuleInterop: true },
        host,
    );
    const checker = program.getTypeChecker();
    const printed = new Set<ts.Node>();
    const referenced: ts.Declaration[] = [];
    const ours = (d: ts.Node) => d.getSourceFile().fileName.startsWith(root);
    // Comments are left out: the report is the API's shape, and a reworded TSDoc line is not an API change.
    const printer = ts.createPrinter({ removeComments: true });
    const shown = (d: ts.Node) => {
        const text = printer
            .printNode(ts.EmitHint.Unspecified, d, d.getSourceFile())
            .replace(/^export (declare )?/, "")
            .replace(/^declare /, "");
        const where = d.getSourceFile().fileName.slice(root.length);
        return `${text}\n// ${where}`;
    };
    /** Queues the package's own declarations that `node` names and that are not printed yet. */
    const follow = (node: ts.Node) => {
        const visit = (n: ts.Node) => {
            if (ts.isTypeReferenceNode(n) || ts.isExpressionWithTypeArguments(n) || ts.isTypeQueryNode(n)) {
                const name = ts.isTypeReferenceNode(n) ? n.typeName : ts.isTypeQueryNode(n) ? n.exprName : n.expression;
                let symbol = checker.getSymbolAtLocation(name);
                if (symbol && symbol.flags & ts.SymbolFlags.Alias) {
                    symbol = checker.getAliasedSymbol(symbol);
                }
                for (const d of symbol?.declarations ?? []) {
                    if (ours(d) && !printed.has(d) && !ts.isTypeParameterDeclaration(d)) {
                        printed.add(d);
                        referenced.push(d);
                    }
                }
            }
            ts.forEachChild(n, visit);
        };
        visit(node);
    };
    const sections: string[] = [];
    for (const { entry, types } of entries) {
        const file = program.getSourceFile(root + types.replace(/^\.\//, ""));
        const moduleSymbol = file && checker.getSymbolAtLocation(file);
        if (!file || !moduleSymbol) {
            throw new Error(`${entry}: no declarations at ${types}`);
        }
        const lines: string[] = [`## \`${entry}\``, "", "```ts"];
        const exported = checker.getExportsOfModule(moduleSymbol);
        const exportEquals = moduleSymbol.exports?.get(ts.InternalSymbolName.ExportEquals);
        if (exportEquals) {
            const type = checker.getTypeOfSymbolAtLocation(exportEquals, file);
            lines.push(`export = ${checker.typeToString(type)}`);
            for (const d of type.getSymbol()?.declarations ?? []) {
                if (ours(d) && !printed.has(d)) {
                    printed.add(d);
                    referenced.push(d);
                }
            }
        }
        for (const symbol of [...exported].sort((a, b) => a.name.localeCompare(b.name))) {
            const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
            for (const d of target.declarations ?? []) {
                const statement = ts.isVariableDeclaration(d) ? d.parent.parent : d;
                if (!printed.has(statement)) {
                    printed.add(statement);
                    follow(statement);
                }
                lines.push(symbol.name === target.name ? shown(statement) : `${symbol.name}: ${shown(statement)}`, "");
            }
        }
        lines.push("```", "");
        sections.push(lines.join("\n"));
    }
    const more: string[] = [];
    for (let i = 0; i < referenced.length; i += 1) {
        const d = referenced[i] as ts.Declaration;
        follow(d);
        more.push(shown(ts.isVariableDeclaration(d) ? d.parent.parent : d), "");
    }
    return [
        "# Public API report",
        "",
        "Generated by `npm run api:report` from the declaration files the package ships (`stripInternal` applied);",
        "never edit it by hand. `test/unit/apiReport.test.ts` fails when the package's surface differs from it, so a",
        "change to the public API is a deliberate one: regenerate, review the diff, commit both.",
        "",
        ...sections,
        "## Types those declarations name",
        "",
        "```ts",
        ...more,
        "```",
        "",
    ].join("\n");
}
