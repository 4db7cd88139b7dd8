import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { killOnExit } from "../../scripts/child-processes";

/** A tool-service process started for a test, and how to stop it. */
export interface HostProcess {
    readonly url: string;
    readonly child: ChildProcess;
    /** Log lines the process printed so far. */
    readonly output: () => string;
    /** SIGTERM, then waits; resolves with the exit code (0 = graceful). */
    stop(): Promise<number | null>;
}

export const appRoot = path.resolve(__dirname, "..", "..");

/** Runs the Node host from source, exactly as the bundle's entry point runs it. */
export function startHostFromSource(env: Record<string, string>): Promise<HostProcess> {
    return startHostProcess(
        process.execPath,
        ["--import", "tsx", path.join(appRoot, "src", "node-host", "main.ts")],
        env,
        appRoot,
    );
}

/**
 * Starts a host process on loopback (PORT=0 lets the OS choose) and resolves when it logs that it
 * listens.
 */
export function startHostProcess(
    command: string,
    args: string[],
    env: Record<string, string>,
    cwd: string,
): Promise<HostProcess> {
    const child = spawn(command, args, {
        cwd,
        env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    killOnExit(child);
    let output = "";
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`host did not start:\n${output}`));
        }, 30_000);
        child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
        child.stdout?.on("data", (c: Buffer) => {
            output += c.toString();
            const url = /"message":"listening","url":"([^"]+)"/.exec(output)?.[1];
            if (url !== undefined) {
                clearTimeout(timer);
                resolve({
                    url,
                    child,
                    output: () => output,
                    stop: () => stopProcess(child),
                });
            }
        });
        child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`host exited with ${code}:\n${output}`));
        });
    });
}

function stopProcess(child: ChildProcess): Promise<number | null> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve) => {
        child.removeAllListeners("exit");
        const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.once("exit", (code) => {
            clearTimeout(kill);
            resolve(code);
        });
        child.kill("SIGTERM");
    });
}
