/**
 * The fault table's representative cells (REPRESENTATIVE in harness/faults; `npm run faults` runs all of them): the
 * packed package in Pulumi's provider host, driven over gRPC, against emulator faults on each kind of request. Every
 * cell must be clean (success with the right live URL, or a clear error with the live URL unchanged) and behave as
 * designed; the tests below add what each cell shows through the host (error text, requests, memory).
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyFragments } from "../../harness";
import {
    ALL_ATTEMPTS,
    type CellResult,
    cellKey,
    findCell,
    HOST_PEAK_RSS_LIMIT_MB,
    type Matrix,
    type Method,
    ORIGINAL_URL,
    OTHER_URL,
    type ResourceKey,
    representativeCells,
    type Step,
    startMatrix,
    summarize,
    URL_A,
    URL_B,
} from "../../harness/faults";

const REPO = resolve(__dirname, "..", "..");

let matrix: Matrix;
const results: CellResult[] = [];

async function run(faultId: string, step: Step, method?: Method, resource?: ResourceKey): Promise<CellResult> {
    const result = await matrix.run(findCell(faultId, step, method, resource));
    results.push(result);
    return result;
}

const calls = (r: CellResult) => r.requests.map((x) => `${x.method} ${x.status === 0 ? "reset" : x.status}`);

describe("faults through Pulumi's provider host (subset of `npm run faults`)", () => {
    beforeAll(async () => {
        matrix = await startMatrix({ packageDir: REPO });
    });

    afterAll(async () => {
        await matrix?.close();
    });

    it("retries a transient 500 on create's PATCH: ok after 2 attempts", async () => {
        const r = await run("500-once", "create", "PATCH");
        expect(r).toMatchObject({ ok: true, attempts: 2, outcome: "ok after 2 attempts", live: URL_A, clean: true });
        expect(calls(r)).toEqual(["GET 200", "PATCH 500", "PATCH 200"]);
        expect(r.outputs).toMatchObject({ notifyUrl: URL_A, appliedNotifyUrl: URL_A, previousNotifyUrl: ORIGINAL_URL });
    });

    it("gives up on a persistent 500 on create's PATCH after 3 attempts and leaves the live URL", async () => {
        const r = await run("500-persistent", "create", "PATCH");
        expect(r).toMatchObject({
            ok: false,
            attempts: ALL_ATTEMPTS,
            error: "WechatpayApiError 500 SYSTEM_ERROR",
            live: ORIGINAL_URL,
            liveLabel: "old",
            clean: true,
        });
        // A 5xx may come after the write was applied: a signed read settles it (here: not applied so far; the fault
        // queued one more 500, which the read retries), and the create is kept in state with the URL from before.
        expect(calls(r)).toEqual(["GET 200", "PATCH 500", "PATCH 500", "PATCH 500", "GET 500", "GET 200"]);
        expect(r.message).toMatch(/after 3 attempts \(500 SYSTEM_ERROR, 500 SYSTEM_ERROR, 500 SYSTEM_ERROR\)/);
        expect(r.message).toMatch(/not applied so far; it may still land/);
        expect(r.kept?.properties).toMatchObject({ previousNotifyUrl: ORIGINAL_URL });
        expect(r.message).toMatch(/the request is safe to repeat/);
    });

    it("gives up on a persistent 500 on read after 3 attempts", async () => {
        const r = await run("500-persistent", "read");
        expect(r).toMatchObject({ ok: false, attempts: ALL_ATTEMPTS, live: URL_A, clean: true });
        expect(r.error).toBe("WechatpayApiError 500 SYSTEM_ERROR");
    });

    it("confirms a bad-signature reply to create's PATCH with a verified read-back", async () => {
        const r = await run("bad-signature", "create", "PATCH");
        expect(r).toMatchObject({ ok: true, readBack: true, live: URL_A, clean: true });
        expect(calls(r)).toEqual(["GET 200", "PATCH 200", "GET 200"]);
        expect(r.requests[1]?.fault).toBe("bad-signature");
        expect(r.outputs).toMatchObject({ notifyUrl: URL_A, previousNotifyUrl: ORIGINAL_URL });
    });

    it("confirms a stale-timestamp reply to update's PATCH with a verified read-back", async () => {
        const r = await run("stale-timestamp", "update");
        expect(r).toMatchObject({ ok: true, readBack: true, live: URL_B, clean: true });
        expect(r.outputs).toMatchObject({ notifyUrl: URL_B, appliedNotifyUrl: URL_B });
    });

    it("fails delete when its restoring PATCH is reset every time: live still ours, hint names the ways out", async () => {
        const r = await run("reset-persistent", "delete", "PATCH");
        expect(r).toMatchObject({ ok: false, attempts: ALL_ATTEMPTS, live: URL_A, liveLabel: "old", clean: true });
        expect(r.error).toBe("WechatpayNetworkError ECONNRESET");
        // After the PATCHes got no answer, a verified read-back (retried like any GET) finds the URL still ours.
        expect(calls(r)).toEqual(["GET 200", "PATCH reset", "PATCH reset", "PATCH reset", "GET reset", "GET 200"]);
        expect(r.message).toMatch(/retainOnDelete: true/);
        expect(r.message).toMatch(/pulumi state delete/);
    });

    it("does not retry 403 NO_AUTH on create's GET, and sends no PATCH", async () => {
        const r = await run("403", "create", "GET");
        expect(r).toMatchObject({ ok: false, attempts: 1, live: ORIGINAL_URL, clean: true });
        expect(calls(r)).toEqual(["GET 403"]);
        expect(r.message).toMatch(/must enable the product permission/);
    });

    it("honours Retry-After on a 429 to update's PATCH", async () => {
        const r = await run("429", "update");
        expect(r).toMatchObject({ ok: true, attempts: 2, live: URL_B, clean: true });
        const [first, second] = r.requests;
        expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    });

    it("abandons a reply slower than wechatpay:timeoutMs and retries it (read)", async () => {
        const r = await run("delay-long", "read");
        expect(r).toMatchObject({ ok: true, attempts: 2, live: URL_A, clean: true });
        expect(r.outputs).toMatchObject({ notifyUrl: URL_A });
    });

    it("waits for a reply faster than wechatpay:timeoutMs (delete's PATCH)", async () => {
        const r = await run("delay-short", "delete", "PATCH");
        expect(r).toMatchObject({ ok: true, attempts: 1, live: ORIGINAL_URL, clean: true });
    });

    it("names the SIGNTEST probe on read and changes nothing", async () => {
        const r = await run("sign-test", "read");
        expect(r).toMatchObject({ ok: false, attempts: 1, live: URL_A, clean: true });
        expect(r.message).toMatch(/WECHATPAY\/SIGNTEST/);
    });

    it("fails delete on an unverifiable GET before restoring anything", async () => {
        const r = await run("unknown-serial", "delete", "GET");
        expect(r).toMatchObject({ ok: false, attempts: 1, live: URL_A, clean: true });
        expect(calls(r)).toEqual(["GET 200"]);
    });

    it("confirms a create whose PATCH times out on every attempt but was applied, by a verified read-back", async () => {
        const r = await run("delay-long-persistent", "create", "PATCH");
        expect(r).toMatchObject({ ok: true, attempts: ALL_ATTEMPTS, readBack: true, live: URL_A, clean: true });
        expect(r.outputs).toMatchObject({ notifyUrl: URL_A, appliedNotifyUrl: URL_A, previousNotifyUrl: ORIGINAL_URL });
    });

    it.each(["create", "delete"] as const)("fails over to the backup when the primary is dead (%s)", async (step) => {
        const r = await run("failover", step);
        expect(r).toMatchObject({ ok: true, clean: true, outcome: "ok via backup" });
        expect(calls(r)).toEqual(["GET 200", "PATCH 200"]);
        expect(r.live).toBe(step === "create" ? URL_A : ORIGINAL_URL);
    });

    // Replies that must never be taken as an answer, through the provider host.
    it("refresh fails on an unsigned HTML 404 instead of dropping the resource, and says what it received", async () => {
        const r = await run("html-404", "read");
        expect(r).toMatchObject({ ok: false, attempts: 1, live: URL_A, clean: true });
        expect(r.error).toBe("WechatpayResponseError (unsigned 404)");
        expect(r.message).toMatch(
            /Received: 404 text\/html, not signed by WeChat Pay, "<html>.*"… \(Request-ID [0-9A-F]{32}\)/,
        );
    });

    it("destroy fails on WeChat Pay's unsigned 404 for an unknown route instead of skipping the restore", async () => {
        const r = await run("unknown-route", "delete", "GET");
        expect(r).toMatchObject({ ok: false, attempts: 1, live: URL_A, clean: true });
        expect(calls(r)).toEqual(["GET 404"]);
        expect(r.message).toMatch(/retainOnDelete/);
    });

    it("create records no previous URL from a signed malformed reply: it fails before the PATCH", async () => {
        const r = await run("malformed-json", "create", "GET");
        expect(r).toMatchObject({ ok: false, attempts: 1, live: ORIGINAL_URL, clean: true });
        expect(calls(r)).toEqual(["GET 200"]);
    });

    it("refresh refuses a signed reply about another merchant", async () => {
        const r = await run("other-mchid", "read");
        expect(r).toMatchObject({ ok: false, live: URL_A, clean: true });
        expect(r.message).toMatch(/about merchant "1900009999", but the request was signed as merchant 1900000001/);
    });

    it("bounds every attempt, body included: a trickled body on every read attempt ends well within the deadline", async () => {
        const r = await run("trickle-persistent", "read");
        expect(r).toMatchObject({ ok: false, attempts: ALL_ATTEMPTS, live: URL_A, clean: true });
        expect(r.error).toBe("WechatpayNetworkError ETIMEDOUT");
        // Three 500 ms attempts plus backoff (about 2 s); unbounded, each ~80-byte reply would take ~8 s.
        expect(r.ms).toBeLessThan(6_000);
        expect(r.requests.every((x) => x.streamed?.closedEarly === true)).toBe(true);
    });

    it("refuses a 256 MB reply without buffering it: the host's memory stays bounded", async () => {
        const r = await run("oversized", "read");
        expect(r).toMatchObject({ ok: false, attempts: 1, live: URL_A, clean: true });
        expect(r.error).toBe("WechatpayResponseError (too large)");
        expect(r.hostPeakRssMb).toBeLessThan(HOST_PEAK_RSS_LIMIT_MB);
        expect(r.requests[0]?.streamed?.closedEarly).toBe(true);
        expect(r.requests[0]?.streamed?.bytes).toBeLessThan(8 * 1024 * 1024);
    });

    it("does not follow a redirect of update's PATCH: nothing reaches the other host", async () => {
        const r = await run("redirect", "update");
        expect(r).toMatchObject({ ok: false, attempts: 1, live: URL_A, trapped: 0, clean: true });
        expect(calls(r)).toEqual(["PATCH 307"]);
        expect(r.message).toMatch(
            /WeChat Pay never redirects, and the redirect to http:\/\/127\.0\.0\.1:\d+ was not followed/,
        );
    });

    it("keeps a create whose PATCH and read-back show another URL: id and previous URL stay in state", async () => {
        const r = await run("other-url-read-back", "create", "PATCH");
        expect(r).toMatchObject({ ok: false, readBack: true, clean: true });
        expect(r.kept).toEqual({
            id: "1900000001",
            properties: expect.objectContaining({
                mchid: "1900000001",
                appliedNotifyUrl: URL_A,
                previousNotifyUrl: ORIGINAL_URL,
            }),
        });
        expect(r.message).toContain(`it shows notify_url "${OTHER_URL}", not the "${URL_A}" sent`);
    });

    it("ComplaintNotification: a bad-signature reply to create's PUT is confirmed by a verified read-back", async () => {
        const r = await run("bad-signature", "create", "PUT", "complaint");
        expect(r).toMatchObject({ ok: true, readBack: true, live: URL_A, clean: true });
        expect(calls(r)).toEqual(["GET 200", "PUT 200", "GET 200"]);
        expect(r.outputs).toMatchObject({ notifyUrl: URL_A, previousNotifyUrl: ORIGINAL_URL });
    });

    it("ComplaintNotification: an unknown route's 404 is an error, not 'unset'", async () => {
        const r = await run("unknown-route", "read", undefined, "complaint");
        expect(r).toMatchObject({ ok: false, attempts: 1, live: URL_A, clean: true });
        expect(r.error).toBe("WechatpayResponseError (unsigned 404)");
    });

    it("BusifavorCallback: a transient 500 on update's POST is retried", async () => {
        const r = await run("500-once", "update", "POST", "busifavor");
        expect(r).toMatchObject({ ok: true, attempts: 2, live: URL_B, clean: true });
        expect(calls(r)).toEqual(["POST 500", "POST 200"]);
        expect(r.requests.every((x) => x.path === "/v3/marketing/busifavor/callbacks")).toBe(true);
    });

    it("ViolationNotification: an unsigned 404 is not its signed 404 NOT_FOUND 'unset' reply", async () => {
        const r = await run("unknown-route", "delete", "GET", "violation");
        expect(r).toMatchObject({ ok: false, attempts: 1, live: URL_A, clean: true });
        expect(r.error).toBe("WechatpayResponseError (unsigned 404)");
    });

    it("ViolationNotification: a restoring PUT that times out every time but lands is confirmed", async () => {
        const r = await run("delay-long-persistent", "delete", "PUT", "violation");
        expect(r).toMatchObject({ ok: true, readBack: true, live: ORIGINAL_URL, clean: true });
    });

    it("ViolationNotification: destroy's DELETE with a bad signature is confirmed removed by a verified read", async () => {
        const r = await run("bad-signature", "remove", "DELETE", "violation");
        expect(r).toMatchObject({ ok: true, readBack: true, liveLabel: "none", clean: true });
        expect(calls(r)).toEqual(["GET 200", "DELETE 204", "GET 404"]);
    });

    it("create's PATCH applied, then 500 on every attempt: a signed read shows it, and create succeeds", async () => {
        const r = await run("applied-500-persistent", "create", "PATCH");
        expect(r).toMatchObject({ ok: true, attempts: 3, readBack: true, live: URL_A, clean: true });
        expect(calls(r)).toEqual(["GET 200", "PATCH 500", "PATCH 500", "PATCH 500", "GET 200"]);
        expect(r.outputs).toMatchObject({ appliedNotifyUrl: URL_A, previousNotifyUrl: ORIGINAL_URL });
    });

    it("ComplaintNotification: update's PUT applied, then a gateway's 502 every time: confirmed by a signed read", async () => {
        const r = await run("applied-502-persistent", "update", "PUT", "complaint");
        expect(r).toMatchObject({ ok: true, attempts: 3, readBack: true, live: URL_B, clean: true });
        expect(calls(r)).toEqual(["PUT 502", "PUT 502", "PUT 502", "GET 200"]);
    });

    it("ViolationNotification: a DELETE applied, then reset every time: the retries hear none, a read confirms", async () => {
        const r = await run("applied-reset-persistent", "remove", "DELETE", "violation");
        expect(r).toMatchObject({ ok: true, attempts: 3, readBack: true, live: undefined, clean: true });
        expect(calls(r)).toEqual(["GET 200", "DELETE reset", "DELETE reset", "DELETE reset", "GET 404"]);
    });

    it("BusifavorCallback: a restoring POST applied late, after its retry: the step succeeds", async () => {
        const r = await run("apply-late", "delete", "POST", "busifavor");
        expect(r).toMatchObject({ ok: true, attempts: 2, live: ORIGINAL_URL, clean: true });
    });

    it("ran exactly the table's representative cells", () => {
        expect(results.map((r) => cellKey(r.cell)).sort()).toEqual(representativeCells().map(cellKey).sort());
    });

    it("every cell above is clean and as designed", () => {
        const bad = results
            .filter((r) => !r.clean || r.unexpected.length > 0)
            .map((r) => `${r.cell.fault.label} × ${r.step}: ${[...r.notClean, ...r.unexpected].join("; ")}`);
        expect(bad).toEqual([]);
        expect(summarize(results)).toBe(`${results.length} cells, ${results.length} clean, 0 not clean`);
    });

    it("never shows the private key in an error message or in the hosts' output", () => {
        const text = [...results.map((r) => r.message ?? ""), matrix.hostOutput()].join("\n");
        for (const fragment of keyFragments(matrix.emulator.credentials().privateKey)) {
            expect(text).not.toContain(fragment);
        }
        expect(text).not.toContain("PRIVATE KEY");
    });
});
