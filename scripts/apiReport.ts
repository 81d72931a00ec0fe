/**
 * `npm run api:report`: writes docs/api-report.md, the public API as the package's declaration files show it (see
 * harness/apiReport.ts). `--check` compares instead, and exits 1 when the committed report differs.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { API_REPORT, API_REPORT_FIX, apiReport, emitDeclarations } from "../harness/apiReport";

const report = apiReport(emitDeclarations());
if (process.argv.includes("--check")) {
    const committed = readFileSync(API_REPORT, "utf8");
    if (committed !== report) {
        console.error(`docs/api-report.md is not the package's public API: ${API_REPORT_FIX}`);
        process.exit(1);
    }
    console.log("docs/api-report.md matches the package's declarations");
} else {
    writeFileSync(API_REPORT, report);
    console.log(`wrote ${API_REPORT}`);
}
