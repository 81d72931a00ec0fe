/**
 * `npm run plugin:pack`: the wechatpay provider plugin as a tarball for
 * `pulumi plugin install resource wechatpay <version> --file <tgz>`. The last line of output is
 * `<absolute tarball path> <version>`.
 */
import { packPlugin } from "../harness/pluginPack";

packPlugin((line) => console.error(line)).then(
    ({ tarball, version, bytes }) => {
        console.error(`${(bytes / 1024 / 1024).toFixed(1)} MB`);
        console.log(`${tarball} ${version}`);
    },
    (e: unknown) => {
        console.error(e instanceof Error ? e.message : String(e));
        process.exit(1);
    },
);
