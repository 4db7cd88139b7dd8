/** The processes below a pid, read from /proc (Linux), for checking that a stop left none behind. */
import { readFileSync, readdirSync } from "node:fs";

interface ProcessEntry {
    readonly pid: number;
    readonly ppid: number;
    /** `Z` for a zombie: exited, only not yet reaped. */
    readonly state: string;
    readonly command: string;
}

function readProcess(pid: number): ProcessEntry | undefined {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // The command name is in parentheses and may hold spaces: fields resume after the last ")".
        const [state = "", ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
        return { pid, ppid: Number(ppid), state, command };
    } catch {
        return undefined; // gone meanwhile
    }
}

/** Every live descendant of `root` (children, their children, ...). */
export function descendants(root: number): ProcessEntry[] {
    const all = readdirSync("/proc")
        .filter((name) => /^\d+$/.test(name))
        .map((name) => readProcess(Number(name)))
        .filter((p): p is ProcessEntry => p !== undefined);
    const found: ProcessEntry[] = [];
    const frontier = [root];
    while (frontier.length > 0) {
        const parent = frontier.pop()!;
        for (const child of all.filter((p) => p.ppid === parent)) {
            found.push(child);
            frontier.push(child.pid);
        }
    }
    return found.filter((p) => p.state !== "Z");
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
    const entry = readProcess(pid);
    return entry !== undefined && entry.state !== "Z";
}
