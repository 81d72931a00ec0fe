/** The fault matrix's judging rules added for trust boundaries: time, redirects, memory, kept resources. */
import { describe, expect, it } from "vitest";
import { DEADLINE_MS, findCell, HOST_PEAK_RSS_LIMIT_MB, judge, ORIGINAL_URL, URL_A } from "../../harness/faults";
import type { RecordedRequest } from "../../provider/testing";

const req = (method: string, status: number, at: number): RecordedRequest => ({
    method,
    path: "/v3/marketing/membercard-open/callback",
    body: "",
    status,
    at,
});
const readFailed = {
    cell: findCell("html-404", "read"),
    before: URL_A,
    intended: URL_A,
    outputs: undefined,
    message:
        "WeChat Pay's reply to GET /v3/marketing/membercard-open/callback was not used: a 404 that WeChat Pay did not " +
        'sign is not its answer. Received: 404 text/html, not signed by WeChat Pay, "<html>" (no Request-ID)',
    requests: [req("GET", 404, 0)],
    live: URL_A,
    ms: 10,
};

describe("judging trust-boundary cells", () => {
    it("a clear failure in time, nothing trapped, memory bounded: clean", () => {
        expect(judge({ ...readFailed, trapped: 0, hostPeakRssMb: 150 })).toMatchObject({ clean: true, notClean: [] });
    });

    it("a step that ends past deadlineMs + 1 s is not clean", () => {
        const r = judge({ ...readFailed, ms: DEADLINE_MS + 1_001 });
        expect(r.notClean).toEqual([`took ${DEADLINE_MS + 1_001} ms, past deadlineMs + 1 s`]);
    });

    it("a request that reached the redirect's host is not clean", () => {
        expect(judge({ ...readFailed, trapped: 1 }).notClean).toEqual(["1 request reached the redirect's host"]);
    });

    it("host memory at or over the limit (or unmeasured) is not clean", () => {
        expect(judge({ ...readFailed, hostPeakRssMb: HOST_PEAK_RSS_LIMIT_MB }).notClean).toEqual([
            `host peak RSS ${HOST_PEAK_RSS_LIMIT_MB} MB, not under ${HOST_PEAK_RSS_LIMIT_MB} MB`,
        ]);
        expect(judge({ ...readFailed, hostPeakRssMb: Number.NaN }).clean).toBe(false);
    });

    it("a failed create the engine keeps with the URL it replaced is clean although the live URL changed", () => {
        const base = {
            cell: findCell("other-url-read-back", "create", "PATCH"),
            before: ORIGINAL_URL,
            intended: URL_A,
            outputs: undefined,
            message:
                "WeChat Pay's reply to GET /v3/marketing/membercard-open/callback was not used: it shows notify_url " +
                '"https://elsewhere.example.com/wechatpay/membercard", not the "x" sent',
            requests: [req("GET", 200, 0), req("PATCH", 200, 1), req("GET", 200, 2)],
            live: URL_A,
            ms: 10,
        };
        const kept = { id: "1900000001", properties: { previousNotifyUrl: ORIGINAL_URL, appliedNotifyUrl: URL_A } };
        expect(judge({ ...base, kept })).toMatchObject({ clean: true, agree: true });
        // Without the kept record (or with the previous URL lost), the same cell is not clean.
        expect(judge(base).notClean).toEqual(["failed but the live URL changed"]);
        expect(judge({ ...base, kept: { ...kept, properties: { appliedNotifyUrl: URL_A } } }).clean).toBe(false);
    });
});
