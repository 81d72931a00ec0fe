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
