import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";

/**
 * `npm run conformance -- <mcp-url>`: runs every server scenario of the MCP conformance suite
 * (`@modelcontextprotocol/conformance`, installed as a dev dependency, so nothing is downloaded at
 * run time) against a running MCP endpoint and prints one line per scenario. The suite's CLI talks
 * only to the URL it is given; its results land in a temporary directory that is removed after.
 */

/** One conformance check as the suite writes it to `checks.json`. */
export interface ConformanceCheck {
    readonly id: string;
    readonly status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
    readonly errorMessage?: string;
    readonly details?: { readonly message?: string };
}

export type ScenarioResult = "pass" | "fail" | "warning";

export interface ScenarioOutcome {
    readonly scenario: string;
    readonly result: ScenarioResult;
    /** The first failing or warning check's message, for the reason column. */
    readonly message?: string;
    readonly checks: readonly ConformanceCheck[];
}

const cli = require.resolve("@modelcontextprotocol/conformance/dist/index.js");
const node20Fs = path.join(__dirname, "node20-fs.mjs");

/** The suite's verdict on a scenario: a failure beats a warning; a pass needs one success. */
export function judge(checks: readonly ConformanceCheck[]): ScenarioResult {
    if (checks.some((c) => c.status === "FAILURE")) return "fail";
    if (checks.some((c) => c.status === "WARNING")) return "warning";
    return checks.some((c) => c.status === "SUCCESS") ? "pass" : "warning";
}

/** Runs the whole server suite (`--suite all`) against `url`; one outcome per scenario, sorted. */
export async function runConformance(url: string, timeoutMs = 120_000): Promise<ScenarioOutcome[]> {
    const out = await mkdtemp(path.join(tmpdir(), "mcp-conformance-"));
    try {
        await new Promise<void>((resolve, reject) => {
            execFile(
                process.execPath,
                ["--import", node20Fs, cli, "server", "--url", url, "--suite", "all", "--output-dir", out],
                { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { PATH: process.env.PATH ?? "" } },
                // Exit code 1 only means some scenario failed; the results directory says which.
                (error, _stdout, stderr) =>
                    error && typeof error.code !== "number"
                        ? reject(new Error(`${error.message}\n${stderr}`))
                        : resolve(),
            );
        });
        const outcomes: ScenarioOutcome[] = [];
        for (const dir of await readdir(out)) {
            const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(dir)?.[1];
            if (scenario === undefined) continue;
            const checks = JSON.parse(
                await readFile(path.join(out, dir, "checks.json"), "utf8"),
            ) as ConformanceCheck[];
            const result = judge(checks);
            const notable =
                checks.find((c) => c.status === "FAILURE") ?? checks.find((c) => c.status === "WARNING");
            const message = notable?.errorMessage ?? notable?.details?.message;
            outcomes.push({ scenario, result, checks, ...(message ? { message } : {}) });
        }
        if (outcomes.length === 0) throw new Error(`the conformance suite wrote no results for ${url}`);
        return outcomes.sort((a, b) => a.scenario.localeCompare(b.scenario));
    } finally {
        await rm(out, { recursive: true, force: true });
    }
}

if (require.main === module) {
    const url = process.argv[2];
    if (!url || process.argv.length > 3) {
        console.error("usage: npm run conformance -- <mcp-endpoint-url>");
        process.exit(2);
    }
    runConformance(url).then(
        (outcomes) => {
            const width = Math.max(...outcomes.map((o) => o.scenario.length));
            for (const o of outcomes)
                console.log(
                    `${o.result.toUpperCase().padEnd(7)}  ${o.scenario.padEnd(width)}  ${o.message ?? ""}`,
                );
            process.exit(outcomes.every((o) => o.result === "pass") ? 0 : 1);
        },
        (error: unknown) => {
            console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
            process.exit(1);
        },
    );
}
