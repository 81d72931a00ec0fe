/**
 * Pulumi without the CLI: the package as a user installs it (the `npm pack` tarball), programs run by Pulumi's own
 * runtime, and Pulumi's dynamic-provider host driven over gRPC the way the engine drives it. Test machinery, not a
 * second engine. Import rule (README.md here): `test/` and `scripts/` import `harness/`; `harness/` imports only
 * `provider/testing` and the consumer's `@pulumi/pulumi`.
 *
 * - consumer.ts: `npm pack` + `npm install` into a cached consumer folder;
 * - registration.ts: what a program registers, `__provider` included, run under Pulumi's mocks;
 * - providerHost.ts: the dynamic-provider host (or a provider plugin) over gRPC; protocol.ts: gRPC and protobuf code;
 * - plugin.ts: the `wechatpay` provider plugin started like the engine starts it, from source or a launcher;
 * - engine/: `@pulumi/pulumi/cmd/run` against a resource monitor and engine served here, then the provider host per
 *   resource in the engine's order (preview, up, refresh, destroy), with a JSON state file between commands;
 * - faults/: the fault table, its judge, and its two runners (in-process, provider host); imported as `harness/faults`
 *   (its names, e.g. `Step`, are its own);
 * - fixtures.ts: the type token, merchants, URLs, scrubbed environment and emulator stack config, defined once;
 * - cli.ts: finding a real `pulumi` CLI, and an example's work dir linked to the consumer;
 * - emulatorCli.ts: the `wechatpay-emulator` command as a child process, its printed setup read back;
 * - run.ts: child processes; standinPackage.ts: a tiny package for self-tests; secretScan.ts: key-leak scanning.
 */

export * from "./cli";
export * from "./consumer";
export * from "./emulatorCli";
export * from "./engine/stack";
export * from "./fixtures";
export * from "./plugin";
export * from "./providerHost";
export { CLI_RELEASE, cliBinDir, LANGUAGE_HOST_RELEASE } from "./realCliBuild";
export * from "./registration";
export { collect, type Exited } from "./run";
export * from "./secretScan";
export * from "./standinPackage";
