/**
 * Ctrl-C during a write. A terminal sends SIGINT to the whole foreground process group, the provider host included,
 * and Node's default for SIGINT is to exit at once: a write in flight would then be applied by WeChat Pay with nobody
 * left to record it. The Pulumi CLI itself treats the first Ctrl-C as "finish what is running, start nothing new"
 * (pkg/cmd/pulumi, cancellationScopeSource: "^C received; cancelling. If you would like to terminate immediately,
 * press ^C again."), and closes its plugins when the deployment ends, so the provider host does the same while a step
 * of ours runs: the first SIGINT lets the step finish and its result reach the engine, the second exits. Outside our
 * steps Node's default stays in place.
 */

/** Steps in flight in this process. */
let inFlight = 0;
let interrupts = 0;

function onInterrupt(): void {
    interrupts += 1;
    if (interrupts === 1) {
        console.error(
            "pulumi-wechatpay: interrupted; finishing the WeChat Pay call in flight so that its outcome is recorded. " +
                "Press Ctrl-C again to stop now (the outcome is then unknown: see 'Limits' in the README).",
        );
        return;
    }
    process.exit(130);
}

/** Runs `step` with the first SIGINT deferred until it settles. */
export async function finishingOnInterrupt<T>(step: () => Promise<T>): Promise<T> {
    if (inFlight === 0) {
        interrupts = 0;
        process.on("SIGINT", onInterrupt);
    }
    inFlight += 1;
    try {
        return await step();
    } finally {
        inFlight -= 1;
        if (inFlight === 0) {
            process.off("SIGINT", onInterrupt);
        }
    }
}
