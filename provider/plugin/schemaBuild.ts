/**
 * Builds the plugin's Pulumi package schema from the code: the resources from the endpoint table, their property
 * descriptions from the TSDoc of the dynamic resources (`provider/*.ts`), the provider config and its descriptions from
 * `SETTINGS`. One source each; `npm run plugin:schema` writes the result to `provider/plugin/schema.json`, and a test
 * fails when the two disagree. Runs from the repository only (it reads the sources and loads `typescript`, a
 * development dependency).
 * @internal
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as TS from "typescript";
import { inputName, SECRET_SETTINGS } from "./config";
import { ENDPOINTS, PACKAGE, SETTINGS, typeToken } from "./core";

/** A property in a Pulumi package schema (https://www.pulumi.com/docs/iac/guides/building-extending/packages/schema/). */
export interface SchemaProperty {
    type: string;
    description: string;
    secret?: boolean;
    additionalProperties?: { type?: string; $ref?: string };
}

/** The package schema, as far as this package uses it. */
export interface PackageSchema {
    name: string;
    displayName: string;
    version: string;
    description: string;
    keywords: string[];
    license: string;
    meta: { moduleFormat: string; supportPack: boolean };
    language: Record<string, Record<string, unknown>>;
    config: { variables: Record<string, SchemaProperty> };
    provider: { description: string; inputProperties: Record<string, SchemaProperty> };
    resources: Record<
        string,
        {
            description: string;
            inputProperties: Record<string, SchemaProperty>;
            requiredInputs: string[];
            properties: Record<string, SchemaProperty>;
            required: string[];
        }
    >;
}

/**
 * Package names of the generated SDKs. The Node.js one differs from this npm package (`pulumi-wechatpay`, the dynamic
 * resources), which keeps its name and type tokens.
 */
const LANGUAGE = {
    nodejs: { packageName: "@pulumi-wechatpay/wechatpay", packageDescription: "" },
    python: { packageName: "pulumi_wechatpay" },
    go: { importBasePath: "github.com/pulumi-wechatpay/pulumi-wechatpay/sdk/go/wechatpay" },
} as const;

/** Settings whose value is not plain text: numbers, and JSON objects keyed by id. */
const SETTING_TYPES: Partial<Record<keyof typeof SETTINGS, Pick<SchemaProperty, "type" | "additionalProperties">>> = {
    timeoutMs: { type: "integer" },
    maxRetries: { type: "integer" },
    deadlineMs: { type: "integer" },
    publicKeys: { type: "object", additionalProperties: { type: "string" } },
    merchants: { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" } },
};

/** The outputs every resource has, in order; the first three are always set. */
const OUTPUTS = ["notifyUrl", "mchid", "appliedNotifyUrl", "previousNotifyUrl", "unconfirmedNotifyUrl"] as const;

/** The TSDoc of every top-level class and interface member in `provider/*.ts`, by `Type` and `Type.member`. */
function tsdoc(root: string): Map<string, string> {
    const ts = require("typescript") as typeof TS;
    const docs = new Map<string, string>();
    const text = (node: TS.Node): string | undefined => {
        const comments = ts
            .getJSDocCommentsAndTags(node)
            .filter(ts.isJSDoc)
            .map((d) => ts.getTextOfJSDocComment(d.comment) ?? "");
        const joined = comments.join("\n").trim();
        // `{@link X}` reads as X outside TSDoc; line breaks inside a paragraph are the source's wrapping.
        return joined === ""
            ? undefined
            : joined
                  .replace(/\{@link ([^}|]+)(\|[^}]*)?\}/g, "$1")
                  .replace(/([^\n])\n(?!\n)/g, "$1 ")
                  .replace(/ {2,}/g, " ");
    };
    const dir = join(root, "provider");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
        const source = ts.createSourceFile(file, readFileSync(join(dir, file), "utf8"), ts.ScriptTarget.ES2022, true);
        if (file === "index.ts") {
            const first = source.statements[0];
            const doc = first !== undefined ? text(first) : undefined;
            if (doc !== undefined) {
                docs.set("@package", doc);
            }
        }
        for (const statement of source.statements) {
            if (!(ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement)) || !statement.name) {
                continue;
            }
            const type = statement.name.text;
            const doc = text(statement);
            if (doc !== undefined) {
                docs.set(type, doc);
            }
            for (const member of statement.members) {
                const name = member.name && ts.isIdentifier(member.name) ? member.name.text : undefined;
                const memberDoc = name !== undefined ? text(member) : undefined;
                if (name !== undefined && memberDoc !== undefined) {
                    docs.set(`${type}.${name}`, memberDoc);
                }
            }
        }
    }
    return docs;
}

/** Looks a description up; a missing one is an error that says where to write it. */
function need(docs: Map<string, string>, ...keys: string[]): string {
    for (const key of keys) {
        const doc = docs.get(key);
        if (doc !== undefined) {
            return doc;
        }
    }
    throw new Error(`No description for ${keys.join(" or ")}: add the TSDoc comment`);
}

/**
 * The package schema of the `wechatpay` plugin, built from the sources under `root`.
 * @param root The repository folder (with `provider/` and `package.json`).
 */
export function buildSchema(root: string): PackageSchema {
    const docs = tsdoc(root);
    const { version, keywords, license } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
        version: string;
        keywords: string[];
        license: string;
    };

    const variables: Record<string, SchemaProperty> = {};
    for (const [field, setting] of Object.entries(SETTINGS) as [
        keyof typeof SETTINGS,
        (typeof SETTINGS)[keyof typeof SETTINGS],
    ][]) {
        variables[inputName(setting.key)] = {
            type: "string",
            ...SETTING_TYPES[field],
            description: `${setting.description}. Falls back to the \`${setting.env}\` environment variable.`,
            // No `defaultInfo.environment`: generated SDKs would then copy the variable (a private key, say) into the
            // provider's inputs and state. The plugin reads the environment itself, as the dynamic provider does.
            ...(SECRET_SETTINGS.has(setting.key) ? { secret: true } : {}),
        };
    }

    const resources: PackageSchema["resources"] = {};
    for (const endpoint of ENDPOINTS) {
        const { name } = endpoint;
        const input = (prop: string): SchemaProperty => ({
            type: "string",
            description: need(docs, `${name}Args.${prop}`, `NotifySettingArgs.${prop}`),
        });
        const properties: Record<string, SchemaProperty> = {};
        for (const prop of OUTPUTS) {
            properties[prop] = {
                type: "string",
                description: need(docs, `NotifySettingResource.${prop}`, `NotifySettingState.${prop}`),
            };
        }
        resources[typeToken(endpoint)] = {
            description: need(docs, name),
            inputProperties: { notifyUrl: input("notifyUrl"), mchid: input("mchid") },
            requiredInputs: ["notifyUrl"],
            properties,
            required: ["notifyUrl", "mchid", "appliedNotifyUrl"],
        };
    }

    const description = need(docs, "@package");
    return {
        name: PACKAGE,
        displayName: "WeChat Pay (微信支付)",
        version,
        description,
        keywords: [...keywords.filter((k) => k !== "dynamic-provider"), "category/utility", "kind/native"],
        license,
        meta: { moduleFormat: "(.*)", supportPack: true },
        language: { ...LANGUAGE, nodejs: { ...LANGUAGE.nodejs, packageDescription: description } },
        config: { variables },
        provider: {
            description:
                "The provider type for the wechatpay package: one merchant's credentials (or several merchants' " +
                "profiles) and the transport settings. Every setting falls back to its `WECHATPAY_*` environment variable.",
            inputProperties: variables,
        },
        resources,
    };
}
