/**
 * The callback URL comes from another resource's output: `route.path` does not exist until the route is created, so
 * the first `pulumi preview` shows `notifyUrl` as unknown (`output<string>`), and `pulumi up` sets it once it is.
 *
 *     pulumi config set apiBaseUrl https://api.example.com
 *     pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { MembercardCallback } from "pulumi-wechatpay";
import { CallbackRoute } from "./callbackRoute";

const apiBaseUrl = new pulumi.Config().require("apiBaseUrl").replace(/\/+$/, "");

const route = new CallbackRoute("membercard-route", { prefix: "wechatpay/membercard" });

const callback = new MembercardCallback("membercard", {
    notifyUrl: route.path.apply((path) => `${apiBaseUrl}${path}`),
});

/** The route your HTTP router must serve. */
export const callbackPath = route.path;
/** The merchant (商户号) whose setting this stack manages. */
export const mchid = callback.mchid;
/** The live URL, as last read from WeChat Pay. */
export const notifyUrl = callback.notifyUrl;
