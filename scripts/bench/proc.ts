/** What the bench reads about a process from Linux's `/proc`: CPU time, resident memory, its peak. */

import { readFileSync, writeFileSync } from "node:fs";

/** A `/proc/<pid>/status` field in kB (VmRSS: resident now; VmHWM: peak resident since start or the last reset). */
export function procStatusKb(pid: number | "self", field: "VmRSS" | "VmHWM"): number {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    if (match?.[1] === undefined) {
        throw new Error(`no ${field} in /proc/${pid}/status`);
    }
    return Number(match[1]);
}

/**
 * CPU time (user + system, all threads) a process has used, in ms, from `/proc/<pid>/stat` (10 ms ticks). Less
 * sensitive than wall time to other work on a shared machine.
 */
export function procCpuMs(pid: number | "self"): number {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) in parentheses: state is field 3, utime 14, stime 15.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!Number.isFinite(ticks)) {
        throw new Error(`cannot read CPU time from /proc/${pid}/stat`);
    }
    return ticks * 10; // USER_HZ is 100 on Linux
}

/**
 * Resets VmHWM to the current RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux ≥ 4.0), so the next reading is the peak
 * of what runs from now on, not of start-up. Returns false where that is not allowed; the peak then includes start-up.
 */
export function resetPeakRss(pid: number | "self"): boolean {
    try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
        return true;
    } catch {
        return false;
    }
}
