/**
 * Stopping a long-running command the way IDEs and process managers do: a signal to the process
 * they started, which under `npm start` is npm itself. npm passes SIGINT and SIGTERM to its child,
 * so the scripts `exec` the command (a shell in between would die of SIGTERM, or wait out SIGINT,
 * without passing either on). Watching the parent covers an npm killed outright.
 */

/**
 * Calls `stop` once when this process is asked to stop (SIGINT, SIGTERM, SIGHUP) or its parent
 * process goes away, then exits 0 (1 if `stop` failed). A second request while stopping exits at
 * once; children registered with `killOnExit` are killed on every exit.
 */
export function onStopRequest(stop: (reason: string) => Promise<void>, parentCheckMs = 250): void {
    const parent = process.ppid;
    let stopping = false;
    const request = (reason: string) => {
        if (stopping) process.exit(1);
        stopping = true;
        clearInterval(watch);
        stop(reason).then(
            () => process.exit(0),
            (error: unknown) => {
                process.stderr.write(
                    `stopping failed: ${error instanceof Error ? error.message : String(error)}\n`,
                );
                process.exit(1);
            },
        );
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => request(signal));
    // On the parent's death this process is re-parented, so its parent id changes.
    const watch = setInterval(() => {
        if (process.ppid !== parent) request("the parent process exited");
    }, parentCheckMs).unref();
}
