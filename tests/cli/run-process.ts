/** Runs a command of this repository as a child process and collects what it printed. */
import { spawn } from "node:child_process";
import * as path from "node:path";

export const repositoryRoot = path.resolve(__dirname, "..", "..");

export interface Finished {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

export function runProcess(
    file: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
    timeoutMs = 30_000,
): Promise<Finished> {
    return new Promise((resolve, reject) => {
        const child = spawn(file, [...args], {
            cwd: repositoryRoot,
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(
                new Error(`${file} ${args.join(" ")} did not finish in ${timeoutMs} ms:\n${stdout}${stderr}`),
            );
        }, timeoutMs);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

/** Runs `tasks` at most `limit` at a time (the machine has two cores), keeping their order. */
export async function inBatches<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
    const results: T[] = new Array<T>(tasks.length);
    // One iterator shared by the workers: each takes the next task as soon as it is free.
    const pending = tasks.entries();
    const worker = async () => {
        for (const [i, task] of pending) results[i] = await task();
    };
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
    return results;
}
