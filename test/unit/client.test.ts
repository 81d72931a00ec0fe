import { describe, expect, it } from "vitest";
import { MCHID } from "../../harness";
import { meansNoneSet } from "../../provider/client";
import { MEMBERCARD_CALLBACK, VIOLATION_NOTIFICATION } from "../../provider/endpoints";

describe("meansNoneSet: every signed reply that plainly says 'none' for this merchant, and nothing else", () => {
    it.each([
        [404, { code: "RESOURCE_NOT_EXISTS", message: "none" }, true],
        [404, '{"code":"RESOURCE_NOT_EXISTS","message":"none"}', true],
        [404, { code: "NOT_FOUND", message: "none" }, true],
        [400, { code: "RESOURCE_NOT_EXISTS", message: "none" }, true],
        [400, { code: "NOT_FOUND", message: "none" }, true],
        [200, { notify_url: "", mchid: MCHID }, true],
        [200, { notify_url: null, mchid: MCHID }, true],
        [200, { mchid: MCHID }, true],
        [404, { code: "PARAM_ERROR", message: "x" }, false],
        [400, { code: "PARAM_ERROR", message: "x" }, false],
        [403, { code: "RESOURCE_NOT_EXISTS", message: "x" }, false],
        [404, "<html>404 Not Found</html>", false],
        [404, "", false],
        [200, { notify_url: "", mchid: "1900000002" }, false],
        [200, { notify_url: "" }, false],
        [200, { code: "RESOURCE_NOT_EXISTS" }, false],
        [200, "", false],
        [200, [], false],
        [200, { notify_url: "https://a.example.com/x", mchid: MCHID }, false],
    ])("status %s with %o: %s", (status, data, expected) => {
        expect(meansNoneSet({ status, data }, MEMBERCARD_CALLBACK, MCHID)).toBe(expected);
    });

    it("takes a 2xx without mchid as none only for an API whose replies name no merchant", () => {
        expect(meansNoneSet({ status: 200, data: { notify_url: "" } }, VIOLATION_NOTIFICATION, MCHID)).toBe(true);
        expect(meansNoneSet({ status: 200, data: {} }, VIOLATION_NOTIFICATION, MCHID)).toBe(true);
        expect(
            meansNoneSet(
                { status: 200, data: { notify_url: "https://a.example.com/x" } },
                VIOLATION_NOTIFICATION,
                MCHID,
            ),
        ).toBe(false);
    });
});
