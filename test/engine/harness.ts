/**
 * Engine-path test harness: the package as a user installs it (the `npm pack` tarball), run by Pulumi's own
 * dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`), driven over gRPC the way the Pulumi engine drives it.
 *
 * There is no Pulumi CLI on the build machines, so these modules stand in for the few engine steps that matter to a
 * dynamic provider. They are test code, not a second engine: one request per call, the answer decoded.
 * - consumer.ts: `npm pack` + `npm install` into a cached consumer folder;
 * - registration.ts: what a program registers, `__provider` included, run under Pulumi's mocks;
 * - providerHost.ts: the host itself over gRPC, and what it relies on from the engine.
 *
 * ```ts
 * const consumer = await prepareConsumer({ packageDir: repoRoot });          // npm pack + npm install, cached
 * const reg = await captureRegistration(consumer, `
 *     const { MembercardCallback } = require("pulumi-wechatpay");
 *     new MembercardCallback("membercard", { notifyUrl: "https://example.com/cb" });`);
 * const news = reg.resources[0].inputs;                                       // includes the serialized __provider
 * const host = await startProviderHost(consumer, { project: "demo" });
 * await host.configure({ "wechatpay:mchid": "1900000109", "wechatpay:privateKey": pem }, ["wechatpay:privateKey"]);
 * const { inputs } = await host.check(urnFor(reg.resources[0].type, "membercard", "demo", "stack"), {}, news);
 * …
 * await host.close();
 * ```
 */

export * from "./consumer";
export * from "./providerHost";
export * from "./registration";
