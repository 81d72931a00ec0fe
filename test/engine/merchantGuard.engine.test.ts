/**
 * The one-MembercardCallback-per-merchant guard, in programs run against the packed package under Pulumi's mocks the
 * way a user's unit test runs them: no root Stack resource, and a merchant that may be an Output.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Consumer, captureRegistration, prepareConsumer, REPO } from "../../harness";

const CONFIG = { "wechatpay:mchid": "1900000001" };
const SECOND =
    'MembercardCallback "second" would manage merchant 1900000001, which MembercardCallback "first" in this stack ' +
    "already manages.";

/** A program: `first` for the stack's merchant, then `second` with the given `mchid` expression. */
const program = (secondMchid: string) => `
const pulumi = require("@pulumi/pulumi");
const { MembercardCallback } = require("pulumi-wechatpay");
new MembercardCallback("first", { notifyUrl: "https://api.example.com/a" });
new MembercardCallback("second", { notifyUrl: "https://api.example.com/b", mchid: ${secondMchid} });
`;

describe("one MembercardCallback per merchant, under setMocks", () => {
    let consumer: Consumer;
    beforeAll(async () => {
        consumer = await prepareConsumer({ packageDir: REPO });
    });

    it.each([
        ["a string", '"1900000001"'],
        ["an Output", 'pulumi.output("1900000001")'],
        ["an Output that resolves later", 'pulumi.output(new Promise((r) => setTimeout(() => r("1900000001"), 50)))'],
        ["a secret Output", 'pulumi.secret("1900000001")'],
        ["an Output that resolves to undefined (the stack's merchant)", "pulumi.output(undefined)"],
    ])("refuses a second resource whose merchant is %s", async (_what, mchid) => {
        await expect(captureRegistration(consumer, program(mchid), { config: CONFIG })).rejects.toThrow(SECOND);
    });

    it("registers both when the merchants differ, the Output one with its merchant", async () => {
        const reg = await captureRegistration(consumer, program('pulumi.output("1900000002")'), { config: CONFIG });
        expect(reg.resources.map((r) => [r.name, r.inputs.mchid])).toEqual([
            ["first", undefined],
            ["second", "1900000002"],
        ]);
    });
});

describe("the guard is per resource type", () => {
    let consumer: Consumer;
    beforeAll(async () => {
        consumer = await prepareConsumer({ packageDir: REPO });
    });

    it("one merchant may have one resource of each type, each serialized as its own installed module", async () => {
        const reg = await captureRegistration(
            consumer,
            `
const w = require("pulumi-wechatpay");
new w.MembercardCallback("m", { notifyUrl: "https://api.example.com/m" });
new w.ComplaintNotification("c", { notifyUrl: "https://api.example.com/c" });
new w.BusifavorCallback("b", { notifyUrl: "https://api.example.com/b" });
new w.ViolationNotification("v", { notifyUrl: "https://api.example.com/v" });
`,
            { config: CONFIG },
        );
        const modules = (text: string) =>
            [...text.matchAll(/require\("(pulumi-wechatpay\/[^"]+)"\)/g)].map((m) => m[1]);
        expect(reg.resources.map((r) => [r.type, modules(r.serializedProvider ?? "")])).toEqual([
            ["pulumi-nodejs:dynamic/wechatpay:MembercardCallback", ["pulumi-wechatpay/dist/providerInstance.js"]],
            [
                "pulumi-nodejs:dynamic/wechatpay:ComplaintNotification",
                ["pulumi-wechatpay/dist/complaintNotificationProvider.js"],
            ],
            [
                "pulumi-nodejs:dynamic/wechatpay:BusifavorCallback",
                ["pulumi-wechatpay/dist/busifavorCallbackProvider.js"],
            ],
            [
                "pulumi-nodejs:dynamic/wechatpay:ViolationNotification",
                ["pulumi-wechatpay/dist/violationNotificationProvider.js"],
            ],
        ]);
    });

    it.each([
        ["ComplaintNotification", "complaint notification URL"],
        ["BusifavorCallback", "merchant-coupon notify URL"],
        ["ViolationNotification", "violation notification URL"],
    ])("refuses a second %s for the same merchant", async (type, setting) => {
        const source = `
const w = require("pulumi-wechatpay");
new w.${type}("first", { notifyUrl: "https://api.example.com/a" });
new w.${type}("second", { notifyUrl: "https://api.example.com/b", mchid: "1900000001" });
`;
        await expect(captureRegistration(consumer, source, { config: CONFIG })).rejects.toThrow(
            `${type} "second" would manage merchant 1900000001, which ${type} "first" in this stack already manages. ` +
                `WeChat Pay keeps one ${setting} per merchant, so the two would overwrite each other on every update: ` +
                `keep one ${type} per merchant.`,
        );
    });
});
