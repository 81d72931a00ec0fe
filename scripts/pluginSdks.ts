/**
 * `npm run plugin:sdks`: the wechatpay plugin's Node.js, Python and Go SDKs, generated from provider/plugin/schema.json
 * into `sdk/<language>` (harness/pluginSdk.ts). Needs `npm run cli:build` (the generator). One line per SDK: its
 * language and absolute path.
 */
import { pluginSdk } from "../harness/pluginSdk";
import type { SdkLanguage } from "../harness/sdkGen";

async function main(): Promise<void> {
    const languages: SdkLanguage[] = ["nodejs", "python", "go"];
    for (const language of languages) {
        const dir = await pluginSdk(language, (line) => console.error(line));
        console.log(`${language} ${dir}`);
    }
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
});
