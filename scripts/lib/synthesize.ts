/**
 * Offline synthesis: runs the program under Pulumi's mock runtime with a stack's configuration
 * (plus overrides) in a child process, and returns every registered resource with its inputs and
 * the stack outputs.
 *
 *   const { resources, outputs } = await synthesize({ stack: "dev", configOverrides: { apimSku: "Developer" } });
 *
 * `configOverrides` keys may be `apimSku` or `agents-control-plane:apimSku`; values are strings as
 * Pulumi stores them (objects and arrays as JSON). Throws {@link SynthError} when the program fails;
 * its `resources` are those registered before the failure.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { killOnExit } from "functions-app/child-processes";
import type { RecordedResource, SynthRequest, SynthResult, WorkerResponse } from "./synth-types";

export type { RecordedResource, SynthRequest, SynthResult } from "./synth-types";

export class SynthError extends Error {
    constructor(
        message: string,
        public readonly resources: RecordedResource[],
        public readonly stderr: string,
    ) {
        super(message);
        this.name = "SynthError";
    }
}

const worker = path.join(__dirname, "synth-worker.ts");
const repositoryRoot = path.resolve(__dirname, "..", "..");

export async function synthesize(options: SynthRequest): Promise<SynthResult & { durationMs: number }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "acp-synth-"));
    const out = path.join(dir, "result.json");
    try {
        const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
            (resolve, reject) => {
                const child = spawn(
                    process.execPath,
                    ["--import", "tsx", worker, JSON.stringify(options), out],
                    {
                        cwd: repositoryRoot,
                        stdio: ["ignore", "pipe", "pipe"],
                        env: { ...process.env, PULUMI_NODEJS_SKIP_COMMAND_CONFIG: "1" },
                    },
                );
                // A command stopped mid-synthesis (Ctrl-C on `npm start`) takes the worker with it.
                killOnExit(child);
                let err = "";
                child.stderr.on("data", (d: Buffer) => (err += d.toString()));
                child.stdout.on("data", (d: Buffer) => (err += d.toString()));
                child.on("error", reject);
                child.on("close", (c) => resolve({ code: c, stderr: err }));
            },
        );
        let response: WorkerResponse;
        try {
            response = JSON.parse(await readFile(out, "utf8")) as WorkerResponse;
        } catch {
            throw new SynthError(
                `synthesis worker exited with ${code} and no result:\n${stderr}`,
                [],
                stderr,
            );
        }
        if (!response.ok) throw new SynthError(response.error, response.resources, stderr);
        return { resources: response.resources, outputs: response.outputs, durationMs: response.durationMs };
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}
