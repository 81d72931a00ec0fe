/**
 * When and how long to wait before sending a request again. Pure: the client owns the loop, this owns the policy.
 */

import type { Received } from "./errors";

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
            return received.unverified !== undefined || (received.status >= 300 && received.status < 400)
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
export const BACKOFF_BASE_MS = 200;
/** Longest single wait, in milliseconds. */
export const BACKOFF_CAP_MS = 5_000;

/**
 * Milliseconds to wait before retry number `retry` (1-based): exponential backoff with "equal jitter" (half the
 * doubling ceiling, plus a random part of the other half, so retries never come back at once yet spread out), or the
 * server's Retry-After when it gave one (capped like the rest). `random` is injectable for tests.
 */
export function backoffDelay(retry: number, outcome: AttemptOutcome, random: () => number = Math.random): number {
    if (outcome.kind === "http" && outcome.retryAfterSeconds !== undefined && outcome.retryAfterSeconds >= 0) {
        return Math.min(outcome.retryAfterSeconds * 1000, BACKOFF_CAP_MS);
    }
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Parses a Retry-After header given in seconds; HTTP dates are rare for APIs and are ignored. */
export function parseRetryAfter(value: unknown): number | undefined {
    if (typeof value !== "string" || !/^\d+$/.test(value.trim())) {
        return undefined;
    }
    return Number(value.trim());
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
