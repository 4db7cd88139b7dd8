/** Starts a benchmark server process on a free loopback port. */
import { spawn, type ChildProcess } from "node:child_process";
import { killOnExit } from "functions-app/child-processes";

export interface RunningServer {
    readonly url: string;
    readonly child: ChildProcess;
}

/**
 * Runs `node <args>` in `cwd` with only PATH, a loopback HOST, PORT 0 and `env`, and resolves with
 * the URL the server logs as `"url":"..."` once it listens; rejects if it exits first.
 */
export function startServer(
    args: readonly string[],
    env: Record<string, string>,
    cwd: string,
): Promise<RunningServer> {
    const child = spawn(process.execPath, [...args], {
        cwd,
        env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
        stdio: ["ignore", "pipe", "inherit"],
    });
    killOnExit(child);
    return new Promise((resolve, reject) => {
        let output = "";
        child.stdout.on("data", (c: Buffer) => {
            output += c.toString();
            const url = /"url":"([^"]+)"/.exec(output)?.[1];
            if (url !== undefined) {
                child.stdout.removeAllListeners("data");
                child.stdout.resume();
                resolve({ url, child });
            }
        });
        child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${output}`)));
    });
}
