/**
 * Drift check for pipelines: has someone changed a WeChat Pay notification URL outside Pulumi?
 *
 *     npx tsx drift-check.ts --stack dev --work-dir ../quickstart [--resource membercard]
 *
 * Runs `pulumi preview --refresh` on the stack through the Automation API: the refresh reads each live URL from
 * WeChat Pay (one GET per resource), the preview compares it with what the program declares. A preview writes no
 * state, so the check changes nothing, at WeChat Pay or in the stack. It covers every MembercardCallback,
 * ComplaintNotification, BusifavorCallback and ViolationNotification in the stack.
 *
 * Prints one JSON report on stdout, `{stack, drift, resources: [{resource, type, urn, field, expected, live, drift,
 * plannedOp}]}`, and Pulumi's own progress on stderr. Exit code: 0 no drift, 2 drift, 1 error (message on stderr).
 *
 * It needs the Pulumi CLI on PATH and the stack's secrets provider (e.g. PULUMI_CONFIG_PASSPHRASE) and backend
 * (PULUMI_BACKEND_URL or `pulumi login`) in the environment, like any `pulumi` command.
 */
import { parseArgs } from "node:util";
import { type EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";
import { buildReport } from "./report";

const USAGE = "Usage: drift-check --stack <name> [--work-dir <dir>] [--resource <name>]";

const HELP = `${USAGE}

Has someone changed a WeChat Pay notification URL outside Pulumi? Runs \`pulumi preview --refresh\` on the stack
(read-only: it writes nothing, at WeChat Pay or in the stack) and prints a JSON report on stdout, one entry per
MembercardCallback, ComplaintNotification, BusifavorCallback and ViolationNotification.

Options:
  --stack <name>      the stack to check (required; for Pulumi Cloud, org/project/stack)
  --work-dir <dir>    the folder with the program's Pulumi.yaml, dependencies installed (default: .)
  --resource <name>   report only on the resources with this name (default: all of them)
  -h, --help          show this help

Exit code: 0 no drift, 2 drift, 1 error (message on stderr).
Needs the Pulumi CLI (3.216 or newer) on PATH, the stack's backend (pulumi login or PULUMI_BACKEND_URL) and its
secrets provider (e.g. PULUMI_CONFIG_PASSPHRASE).
`;

interface Options {
    help: boolean;
    stack: string;
    workDir: string;
    resource?: string;
}

function options(argv: string[]): Options {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string" },
            "work-dir": { type: "string" },
            resource: { type: "string" },
            help: { type: "boolean", short: "h" },
        },
        strict: true,
        allowPositionals: false,
    });
    if (values.help === true) return { help: true, stack: "", workDir: "." };
    if (values.stack === undefined) {
        throw new Error(`--stack is required. ${USAGE}`);
    }
    const opts: Options = { help: false, stack: values.stack, workDir: values["work-dir"] ?? "." };
    if (values.resource !== undefined) opts.resource = values.resource;
    return opts;
}

/**
 * A failed `pulumi` command (the Automation API's CommandError) puts the CLI's output in its message, as
 * `code: …\n stdout: …\n stderr: …\n err?: …`. Show the person the CLI's own error lines, or say that the CLI is
 * missing. Only the public `message` is read.
 */
function describe(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    if (/spawn pulumi ENOENT/.test(error.message)) {
        return "the Pulumi CLI (`pulumi`, 3.216 or newer) was not found on PATH. Install it: https://www.pulumi.com/docs/install/";
    }
    const stderr = /\n stderr: ([\s\S]*?)\n err\?: /.exec(error.message)?.[1]?.trim() ?? "";
    return stderr !== "" ? stderr : error.message;
}

async function main(argv: string[]): Promise<number> {
    const opts = options(argv);
    if (opts.help) {
        process.stdout.write(HELP);
        return 0;
    }
    const stack = await LocalWorkspace.selectStack({ stackName: opts.stack, workDir: opts.workDir });
    const events: EngineEvent[] = [];
    // Not `expectNoChanges`: a failed preview would then mean either drift or an error. The plan says which.
    await stack.preview({
        refresh: true,
        diff: true,
        onOutput: (out) => process.stderr.write(out),
        onEvent: (event) => events.push(event),
    });
    const report = buildReport(stack.name, events, opts.resource);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.drift ? 2 : 0;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(`drift-check: ${describe(error)}\n`);
        process.exitCode = 1;
    },
);
