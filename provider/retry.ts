/**
 * When and how long to wait before sending a request again. Pure: the client owns the loop, this owns the policy.
 */

import { type Received, UNSIGNED } from "./reply";

export { parseRetryAfter } from "./reply";

/** What one attempt ended with, as the retry policy sees it. */
export type AttemptOutcome =
    | { kind: "network"; code: string }
    | { kind: "http"; status: number; code: string; retryAfterSeconds?: number | undefined }
    | { kind: "other" };

/** The retry policy's view of what an attempt {@link Received}: a refused or unverified reply is never retried. */
export function outcomeOf(received: Received): AttemptOutcome {
    switch (received.kind) {
        case "network":
            return { kind: "network", code: received.code };
        case "http":
            // An unsigned 429 or 5xx is a gateway's or WeChat Pay's own "try later" (WeChat Pay signs only replies to
            // requests it verified): retried like a signed one. Any other unverified reply is never retried.
            return (received.unverified !== undefined &&
                !(received.unverified === UNSIGNED && (received.status === 429 || received.status >= 500))) ||
                (received.status >= 300 && received.status < 400)
                ? { kind: "other" }
                : {
                      kind: "http",
                      status: received.status,
                      code: received.code,
                      retryAfterSeconds: received.retryAfterSeconds,
                  };
        default:
            return { kind: "other" };
    }
}

/** Network failures that mean "no answer": the request may be sent again (or to the backup domain). */
const NETWORK_CODES = new Set([
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "ECONNABORTED",
    "EPIPE",
    "EAI_AGAIN",
    "ENOTFOUND",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ERR_NETWORK",
    "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

/** Failures that happen before a request leaves this machine: nothing can have reached WeChat Pay. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "EAI_AGAIN", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * True when a write may have been applied although this attempt did not succeed: no answer after the request may
 * have left (a reset or a timeout), a 5xx (a gateway's 502/504 or WeChat Pay's SYSTEM_ERROR can come after the write
 * took effect), or a reply that could not be read or trusted. False for a refusal before sending, a redirect, and a
 * trusted 4xx (WeChat Pay refused it: nothing was applied).
 */
export function mayHaveApplied(received: Received): boolean {
    switch (received.kind) {
        case "network":
            return !NOT_SENT_CODES.has(received.code);
        case "http":
            // A 3xx never comes from WeChat Pay (it does not redirect), and the redirect is not followed.
            return received.status >= 300 && received.status < 400
                ? false
                : received.status >= 500 || received.unverified !== undefined || received.status < 300;
        default:
            return true;
    }
}

/** True when the failure happened below HTTP: connect, DNS, reset or timeout. */
export function isNetworkFailure(outcome: AttemptOutcome): boolean {
    return outcome.kind === "network" && NETWORK_CODES.has(outcome.code);
}

/**
 * Transient failures only: no answer, 429 FREQUENCY_LIMITED and 5xx (WeChat Pay: "retry later with the same
 * parameters"). Other 4xx are business errors a retry cannot fix.
 */
export function isTransient(outcome: AttemptOutcome): boolean {
    if (outcome.kind === "network") {
        return NETWORK_CODES.has(outcome.code);
    }
    return outcome.kind === "http" && (outcome.status === 429 || outcome.status >= 500);
}

/** Base of the exponential backoff, in milliseconds. */
const BACKOFF_BASE_MS = 200;
/**
 * Longest single wait of the exponential backoff, in milliseconds (a server's Retry-After is not capped).
 * @internal
 */
export const BACKOFF_CAP_MS = 5_000;

/**
 * Milliseconds to wait before retry number `retry` (1-based): exponential backoff with "equal jitter" (half the
 * doubling ceiling, plus a random part of the other half, so retries never come back at once yet spread out), or the
 * server's Retry-After when it gave one, as given: the caller fails at once when it would pass the step's deadline,
 * rather than ask a throttled merchant again sooner than WeChat Pay said. `random` is injectable for tests.
 */
export function backoffDelay(retry: number, outcome: AttemptOutcome, random: () => number = Math.random): number {
    if (outcome.kind === "http" && outcome.retryAfterSeconds !== undefined && outcome.retryAfterSeconds >= 0) {
        return outcome.retryAfterSeconds * 1000;
    }
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A short label of one attempt, for the final error: `500 SYSTEM_ERROR`, `ECONNRESET`. */
export function describeOutcome(outcome: AttemptOutcome): string {
    switch (outcome.kind) {
        case "network":
            return outcome.code;
        case "http":
            return `${outcome.status} ${outcome.code}`;
        default:
            return "error";
    }
}
