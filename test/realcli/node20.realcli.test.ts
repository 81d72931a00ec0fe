/**
 * The real-CLI tier on Node 20 (the node running the tests) with the lockfile's @pulumi/pulumi: the oldest runtime
 * the README's Requirements promise. Skipped, with the reason, when no CLI is built (`npm run cli:build`) or found.
 */
import { node20 } from "../../harness/realCli";
import { describeExamples } from "./examples";

describeExamples("test/realcli/node20.realcli.test.ts", node20(), "");
