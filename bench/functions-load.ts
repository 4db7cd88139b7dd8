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

/** One build of the Functions app to load. */
export interface FunctionsApp {
    readonly name: string;
    /** The app folder: host.json, package.json, dist/. */
    readonly directory: string;
    readonly zipPath: string;
}

/**
 * Loads each Functions app bundle `runs` times, each in a new process running `loader`
 * (bench/servers/functions-load.ts), the apps interleaved round by round so load from other
 * processes hits them alike, and reads each package's sizes.
 */
export async function measureFunctionsLoad(
    loader: string,
    apps: readonly FunctionsApp[],
    runs: number,
): Promise<(FunctionsLoad & { readonly name: string; readonly runs: readonly number[] })[]> {
    const times = apps.map(() => [] as number[]);
    const functions = apps.map(() => 0);
    for (let round = 0; round < runs; round++) {
        for (const [i, app] of apps.entries()) {
            const index = path.join(app.directory, "dist", "index.js");
            const { stdout } = await run(process.execPath, [loader, index], { cwd: app.directory });
            const result = JSON.parse(stdout) as { loadMs: number; functions: number };
            times[i]?.push(result.loadMs);
            functions[i] = result.functions;
        }
    }
    return Promise.all(
        apps.map(async (app, i) => {
            const files: Record<string, number> = {};
            for (const name of (await readdir(path.join(app.directory, "dist"))).sort())
                files[name] = (await stat(path.join(app.directory, "dist", name))).size;
            const runsOf = times[i] ?? [];
            return {
                name: app.name,
                loadMs: spreadOf(runsOf),
                runs: runsOf,
                functions: functions[i] ?? 0,
                zipBytes: (await stat(app.zipPath)).size,
                files,
            };
        }),
    );
}
