import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import * as path from "node:path";
import { promisify } from "node:util";
import { spreadOf, type Spread } from "./spread";

const run = promisify(execFile);

export interface FunctionsLoad {
    /** `require` of dist/index.js under the worker stand-in, one fresh process per run. */
    readonly loadMs: Spread;
    readonly functions: number;
    readonly zipBytes: number;
    /** Bytes of each file in the package's dist/. */
    readonly files: Readonly<Record<string, number>>;
}

/**
 * Loads the Functions app's bundle `runs` times, each in a new process running `loader`
 * (bench/servers/functions-load.ts), and reads the package's sizes.
 */
export async function measureFunctionsLoad(
    loader: string,
    appDirectory: string,
    zipPath: string,
    runs: number,
): Promise<FunctionsLoad> {
    const index = path.join(appDirectory, "dist", "index.js");
    const times: number[] = [];
    let functions = 0;
    for (let i = 0; i < runs; i++) {
        const { stdout } = await run(process.execPath, [loader, index], { cwd: appDirectory });
        const result = JSON.parse(stdout) as { loadMs: number; functions: number };
        times.push(result.loadMs);
        functions = result.functions;
    }
    const files: Record<string, number> = {};
    for (const name of (await readdir(path.join(appDirectory, "dist"))).sort())
        files[name] = (await stat(path.join(appDirectory, "dist", name))).size;
    return { loadMs: spreadOf(times), functions, zipBytes: (await stat(zipPath)).size, files };
}
