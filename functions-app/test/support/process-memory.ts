import { readFileSync } from "node:fs";

/** Resident set size of a process in MiB, from /proc (Linux, where the suite runs). */
export function residentMiB(pid: number): number {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    if (!match) throw new Error(`no VmRSS for process ${pid}`);
    return Number(match[1]) / 1024;
}
