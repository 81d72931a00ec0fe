/**
 * A strict emulator of WeChat Pay APIv3's notify-URL APIs (member card, complaints, merchant coupons, violations),
 * for tests and demos.
 *
 * It is a model of WeChat Pay, not of this package's provider: it checks request signatures, signs responses
 * with its own keys, and can inject the failures real clients must survive.
 *
 * @example
 * import { startEmulator } from "pulumi-wechatpay/testing";
 * const emulator = await startEmulator();
 * emulator.failNext({ kind: "error", status: 500, code: "SYSTEM_ERROR" });
 *
 * @packageDocumentation
 */

export { startEmulator } from "./server";
export {
    EmulatorError,
    type MerchantKind,
    NONE_SHAPES,
    SETTING_NAMES,
    type SettingName,
    type Settings,
    UNSET_REPLIES,
    type UnsetReply,
} from "./state";
export type { Emulator, EmulatorOptions, Fault, FaultMatch, MerchantCredentials, RecordedRequest } from "./types";
