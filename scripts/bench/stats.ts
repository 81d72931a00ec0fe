/** Statistics of samples, number formatting and the plain-text tables of the report. */

export interface Stats {
    n: number;
    median: number;
    p95: number;
    mean: number;
    min: number;
    max: number;
}

export function stats(samples: readonly number[]): Stats {
    const sorted = [...samples].sort((a, b) => a - b);
    const n = sorted.length;
    const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? Number.NaN;
    const median = n % 2 === 1 ? at(0.5) : ((sorted[n / 2 - 1] ?? 0) + (sorted[n / 2] ?? 0)) / 2;
    return {
        n,
        median,
        p95: at(0.95),
        mean: sorted.reduce((s, x) => s + x, 0) / n,
        min: sorted[0] ?? Number.NaN,
        max: sorted[n - 1] ?? Number.NaN,
    };
}

export const median = (xs: readonly number[]): number => stats(xs).median;
export const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
export const ratio = (x: number): string => `${x.toFixed(2)}×`;

export function table(headers: string[], rows: string[][]): string {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ");
    return [line(headers), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}
