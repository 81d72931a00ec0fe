/**
 * Every notification address of the merchant configured in this stack, from one base URL: each WeChat Pay API sends
 * its events to `<baseUrl>/<path>`. Only service providers, institutions and channel partners may set the violation
 * address: for a direct merchant (普通商户), run `pulumi config set violations false`.
 *
 *     pulumi config set notifyBaseUrl https://api.example.com/wechatpay
 *     pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { BusifavorCallback, ComplaintNotification, MembercardCallback, ViolationNotification } from "pulumi-wechatpay";

const config = new pulumi.Config();
const base = config.require("notifyBaseUrl").replace(/\/+$/, "");
const violations = config.getBoolean("violations") ?? true;

const membercard = new MembercardCallback("membercard", { notifyUrl: `${base}/membercard` });
const complaints = new ComplaintNotification("complaints", { notifyUrl: `${base}/complaints` });
const coupons = new BusifavorCallback("coupons", { notifyUrl: `${base}/coupons` });
const violation = violations ? new ViolationNotification("violations", { notifyUrl: `${base}/violations` }) : undefined;

/** The merchant (商户号) whose addresses this stack manages. */
export const mchid = membercard.mchid;
/** The live address of each API, as last read from WeChat Pay. */
export const addresses = {
    membercard: membercard.notifyUrl,
    complaints: complaints.notifyUrl,
    coupons: coupons.notifyUrl,
    violations: violation?.notifyUrl,
};
/** What was set before this stack took over (put back on destroy); undefined where nothing was. */
export const previous = {
    membercard: membercard.previousNotifyUrl,
    complaints: complaints.previousNotifyUrl,
    coupons: coupons.previousNotifyUrl,
    violations: violation?.previousNotifyUrl,
};
