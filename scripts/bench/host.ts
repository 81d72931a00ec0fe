/**
 * The bench's one seam to the engine harness (the packed consumer, Pulumi's provider host over gRPC, registration
 * capture, stand-in packages). Everything the bench takes from it comes through this file.
 */

export { type Consumer, prepareConsumer } from "../../test/engine/consumer";
export { type PropertyMap, type ProviderHost, startProviderHost, urnFor } from "../../test/engine/providerHost";
export { captureRegistration } from "../../test/engine/registration";
export { writeStandinPackage } from "../../test/engine/standinPackage";
