import * as os from "node:os";

/** The 1, 5 and 15 minute load averages: on a shared machine every figure needs them beside it. */
const loadAverage = (): string =>
    os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ");

/** When a run started and the load then. */
export interface RunStart {
    readonly at: Date;
    readonly load: string;
}

export const runStart = (): RunStart => ({ at: new Date(), load: loadAverage() });

/** The first line of a run's output: its start, the machine, and the load at its start and now. */
export function machineLine(start: RunStart): string {
    const cpus = os.cpus();
    return (
        `${start.at.toISOString()}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), ` +
        `load average ${start.load} at the start, ${loadAverage()} at the end`
    );
}
