/**
 * Everything the plugin uses from the package's core, in one place: the plugin runs the same lifecycle, client,
 * rules and errors as the dynamic resources, and when the core's modules move, only this file is re-pointed.
 */

export { resolveSettings, type StackSettings as Settings } from "../config";
export {
    BUSIFAVOR_CALLBACK,
    COMPLAINT_NOTIFICATION,
    MEMBERCARD_CALLBACK,
    VIOLATION_NOTIFICATION,
} from "../endpoints";
export type { NotifyEndpoint } from "../notifyEndpoint";
export { NotifySettingProvider, type NotifySettingState } from "../provider";
export { SETTINGS } from "../settings";
export { UNKNOWN } from "../validate";

import { BUSIFAVOR_CALLBACK, COMPLAINT_NOTIFICATION, MEMBERCARD_CALLBACK, VIOLATION_NOTIFICATION } from "../endpoints";
import type { NotifyEndpoint } from "../notifyEndpoint";

/** Every API the package manages, in the order the docs list them. */
export const ENDPOINTS: readonly NotifyEndpoint[] = [
    MEMBERCARD_CALLBACK,
    COMPLAINT_NOTIFICATION,
    BUSIFAVOR_CALLBACK,
    VIOLATION_NOTIFICATION,
];

/** The plugin's package name: the first part of every type token, and the `wechatpay:` config namespace. */
export const PACKAGE = "wechatpay";

/** The plugin's type token of an API's resource: `wechatpay:index:<name>`. */
export const typeToken = (endpoint: NotifyEndpoint): string => `${PACKAGE}:index:${endpoint.name}`;
