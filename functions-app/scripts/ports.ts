/**
 * Ports a local command listens on: read from the environment, checked free before minutes of
 * work, and an address in use reported with the variable that moves it.
 */
import { createServer } from "node:net";
import { UsageError } from "./cli";

/** A port from `variable` (0: any free port), or `fallback`. A value that is no port is a usage error. */
export function portFromEnvironment(variable: string, fallback: number): number {
    const raw = process.env[variable]?.trim();
    if (!raw) return fallback;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`${variable}=${raw} is not a port number (0-65535; 0 picks a free one)`);
    return port;
}

/** What to tell the user when `port` (set by `variable`) is taken. */
export function portInUse(
    port: number,
    host: string,
    what: string,
    variable: string,
    command: string,
): Error {
    return new Error(
        `port ${port} on ${host} (${what}) is already in use; stop what holds it, or choose another port: ` +
            `${variable}=${port + 1} ${command} (${variable}=0 picks a free one)`,
    );
}

/** Resolves if `port` can be bound on `host` now; rejects with {@link portInUse}'s message if not. */
export async function checkPortFree(
    port: number,
    host: string,
    what: string,
    variable: string,
    command: string,
): Promise<void> {
    if (port === 0) return;
    await new Promise<void>((resolve, reject) => {
        const probe = createServer();
        probe.once("error", (error: NodeJS.ErrnoException) =>
            reject(error.code === "EADDRINUSE" ? portInUse(port, host, what, variable, command) : error),
        );
        probe.listen(port, host, () => probe.close(() => resolve()));
    });
}

/** True for Node's "address in use" error from `listen`. */
export function isAddressInUse(error: unknown): error is NodeJS.ErrnoException & { port?: number } {
    return (error as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE";
}
