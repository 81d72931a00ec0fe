import { describe, expect, it } from "vitest";
import { meansNoneSet } from "../../provider/client";

describe("meansNoneSet: the one decision that a verified GET reply means 'no callback URL is set'", () => {
    it.each([
        [404, { code: "RESOURCE_NOT_EXISTS", message: "none" }, true],
        [404, '{"code":"RESOURCE_NOT_EXISTS","message":"none"}', true],
        [404, { code: "NOT_FOUND", message: "No such API." }, false],
        [404, "<html>404 Not Found</html>", false],
        [404, "", false],
        [400, { code: "RESOURCE_NOT_EXISTS", message: "none" }, false],
        [200, { notify_url: "", mchid: "1900000001" }, false],
        [200, { code: "RESOURCE_NOT_EXISTS" }, false],
    ])("status %s with %o: %s", (status, data, expected) => {
        expect(meansNoneSet({ status, data })).toBe(expected);
    });
});
