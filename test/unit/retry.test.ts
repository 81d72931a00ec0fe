import { describe, expect, it } from "vitest";
import {
    BACKOFF_CAP_MS,
    backoffDelay,
    describeOutcome,
    isNetworkFailure,
    isTransient,
    outcomeOf,
    parseRetryAfter,
} from "../../provider/retry";

describe("retry policy", () => {
    it.each([
        [{ kind: "network", code: "ECONNRESET" } as const, true, true],
        [{ kind: "network", code: "ECONNREFUSED" } as const, true, true],
        [{ kind: "network", code: "ECONNABORTED" } as const, true, true],
        [{ kind: "network", code: "ERR_BAD_OPTION" } as const, false, false],
        [{ kind: "http", status: 500, code: "SYSTEM_ERROR" } as const, true, false],
        [{ kind: "http", status: 503, code: "HTTP_503" } as const, true, false],
        [{ kind: "http", status: 429, code: "FREQUENCY_LIMITED" } as const, true, false],
        [{ kind: "http", status: 400, code: "PARAM_ERROR" } as const, false, false],
        [{ kind: "http", status: 401, code: "SIGN_ERROR" } as const, false, false],
        [{ kind: "http", status: 403, code: "NO_AUTH" } as const, false, false],
        [{ kind: "other" } as const, false, false],
    ])("%o: transient %s, network %s", (outcome, transient, network) => {
        expect(isTransient(outcome)).toBe(transient);
        expect(isNetworkFailure(outcome)).toBe(network);
    });

    it("backs off exponentially with jitter between half and all of the ceiling", () => {
        const net = { kind: "network", code: "ECONNRESET" } as const;
        expect([1, 2, 3].map((n) => backoffDelay(n, net, () => 0))).toEqual([100, 200, 400]);
        expect([1, 2, 3].map((n) => backoffDelay(n, net, () => 1))).toEqual([200, 400, 800]);
        expect(backoffDelay(20, net, () => 1)).toBe(BACKOFF_CAP_MS);
    });

    it("honours Retry-After as given (the caller fails at once when it passes the deadline)", () => {
        expect(backoffDelay(1, { kind: "http", status: 429, code: "FREQUENCY_LIMITED", retryAfterSeconds: 2 })).toBe(
            2000,
        );
        expect(backoffDelay(1, { kind: "http", status: 429, code: "FREQUENCY_LIMITED", retryAfterSeconds: 600 })).toBe(
            600_000,
        );
    });

    it.each([
        ["3", 3],
        [" 0 ", 0],
        ["Wed, 21 Oct 2015 07:28:00 GMT", undefined],
        [undefined, undefined],
    ])("parses Retry-After %s", (value, seconds) => {
        expect(parseRetryAfter(value)).toBe(seconds);
    });

    it("labels attempts", () => {
        expect(describeOutcome({ kind: "http", status: 500, code: "SYSTEM_ERROR" })).toBe("500 SYSTEM_ERROR");
        expect(describeOutcome({ kind: "network", code: "ECONNRESET" })).toBe("ECONNRESET");
    });
});

describe("outcomeOf: the retry policy's view of what an attempt received", () => {
    it.each([
        [{ kind: "network", code: "ETIMEDOUT", detail: "d" } as const, { kind: "network", code: "ETIMEDOUT" }, true],
        [
            { kind: "http", status: 503, code: "HTTP_503", retryAfterSeconds: 2 } as const,
            { kind: "http", status: 503, code: "HTTP_503", retryAfterSeconds: 2 },
            true,
        ],
        // A redirect, a refused body and an unverified reply are never retried.
        [{ kind: "http", status: 307, code: "HTTP_307" } as const, { kind: "other" }, false],
        [
            { kind: "http", status: 404, code: "HTTP_404", unverified: "EV3_RES_HEADERS_INCOMPLATE" } as const,
            { kind: "other" },
            false,
        ],
        [{ kind: "too-large" } as const, { kind: "other" }, false],
    ])("%o -> %o (transient %s)", (received, outcome, transient) => {
        expect(outcomeOf(received)).toEqual(outcome);
        expect(isTransient(outcomeOf(received))).toBe(transient);
    });
});
