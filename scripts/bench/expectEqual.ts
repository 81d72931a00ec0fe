/** Fails the bench when the provider or the baseline answers wrong: a fast wrong answer is no result. */

export function expectEqual<T>(what: string, actual: T, expected: T): void {
    if (actual !== expected) {
        throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
    }
}
