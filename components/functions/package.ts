/**
 * The one place the program builds the tool service's deployable package (the bundler lives with
 * the tool service). Deterministic: the same code always gives the same sha256.
 */
import * as os from "node:os";
import * as path from "node:path";
import { bundleFunctionsApp } from "functions-app/bundle";

export interface FunctionsPackage {
    readonly zipPath: string;
    readonly sha256: string;
}

/** Builds into a per-process folder so concurrent runs (e.g. several synths) never share files. */
export async function buildFunctionsPackage(outDir?: string): Promise<FunctionsPackage> {
    const dir = outDir ?? path.join(os.tmpdir(), "agents-control-plane-package", String(process.pid));
    const bundle = await bundleFunctionsApp({ outDir: dir });
    return { zipPath: bundle.zipPath, sha256: bundle.sha256 };
}
