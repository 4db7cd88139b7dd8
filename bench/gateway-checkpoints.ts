/**
 * `npm run bench -- --gateway-checkpoints`: what request validation and content screening add to
 * a tool call at the gateway, on the local gateway (the dev stack's rendered policies in front of
 * the real tool host), all variants measured in this one run in interleaved rounds:
 *   (a) baseline: contentSafety off and the validation statements removed from the MCP API policy,
 *   (b) validation: contentSafety off (what every stack runs),
 *   (c) validation + screening in audit mode, (d) validation + screening in enforce mode,
 * against the local Content Safety stand-in, which answers at once: (c) and (d) show the gateway's
 * own cost of screening (two parallel calls for the arguments, two for the JSON result), not the
 * service's latency, which adds its own round trips in Azure.
 */
import { randomUUID } from "node:crypto";
import { appRoles } from "functions-app/contract";
import { loadPolicyDocument } from "../local-gateway/src/document";
import { runMcpInbound } from "../local-gateway/src/inbound";
import { csharpParser } from "../local-gateway/src/expressions/parser";
import { startLocalControlPlane, type LocalControlPlane } from "../local-gateway/src/harness";
import { stackSourceFrom, type StackSource } from "../local-gateway/src/stack-source";
import { synthesize } from "../scripts/lib/synthesize";
import { shippedStack } from "../tests/support/shipped-stacks";
import { formatSpread, spreadOf } from "./spread";

export interface CheckpointBenchOptions {
    /** Sequential calls per variant per round. */
    readonly calls: number;
    readonly rounds: number;
}

/** The MCP API policy without the request validation statements (the `mcpInvalid` variable and its choose). */
function withoutValidation(source: StackSource): StackSource {
    const apis = source.apis.map((api) => {
        if (api.id !== "mcp" || !api.policy) return api;
        const start = api.policy.indexOf('<set-variable name="mcpInvalid"');
        const choose = api.policy.indexOf("</choose>", api.policy.indexOf("mcpInvalidStatus", start));
        if (start < 0 || choose < 0)
            throw new Error("the MCP API policy has no validation statements to remove");
        return { ...api, policy: api.policy.slice(0, start) + api.policy.slice(choose + "</choose>".length) };
    });
    return { ...source, apis };
}

async function sourceFor(contentSafety: "off" | "audit" | "enforce"): Promise<StackSource> {
    const synth = await synthesize(
        shippedStack("dev", { "agents-control-plane:contentSafety": contentSafety }),
    );
    return stackSourceFrom("dev", synth.resources, synth.outputs);
}

/** Milliseconds of each of `calls` sequential save_snippet calls (1 KiB of text) through the gateway. */
async function timeCalls(
    plane: LocalControlPlane,
    calls: number,
    round: number,
    warmUp = false,
): Promise<number[]> {
    const token = await plane.tokens.mint({
        aud: plane.source.mcpAppClientId,
        // A caller per round, so no round spends the next one's rate-limit bucket.
        azp: randomUUID(),
        roles: [appRoles.toolsInvoke, appRoles.snippetsWrite],
    });
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
        const body = JSON.stringify({
            jsonrpc: "2.0",
            id: i,
            method: "tools/call",
            params: {
                name: "save_snippet",
                arguments: { snippetname: `bench-${round}-${i}`, snippet: "quarterly figures ".repeat(57) },
            },
        });
        const started = performance.now();
        const res = await fetch(plane.urls.mcp, {
            method: "POST",
            headers: {
                authorization: `Bearer ${token}`,
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                "mcp-protocol-version": "2025-06-18",
            },
            body,
        });
        const answer = (await res.json()) as { result?: { isError?: boolean } };
        times.push(performance.now() - started);
        // Warm-up calls may meet a cold store (the host's 10 s bound); measured calls may not.
        if (!warmUp && (res.status !== 200 || !answer.result || answer.result.isError))
            throw new Error(`call ${i} failed: ${res.status} ${JSON.stringify(answer)}`);
    }
    return times;
}

/**
 * Microseconds the validation statements alone take per call in the local gateway's interpreter
 * (APIM compiles the same C#; this bounds the order of magnitude, not APIM's figure).
 */
async function validationMicroseconds(source: StackSource, runs: number): Promise<number> {
    const api = source.apis.find((a) => a.id === "mcp")?.policy ?? "";
    const statement = /<set-variable name="mcpInvalid" value="@\{[\s\S]*?\}" \/>/.exec(api)?.[0];
    if (!statement) throw new Error("the MCP API policy has no validation statement");
    const doc = loadPolicyDocument(
        await csharpParser(),
        "mcp-api",
        "api",
        `<policies><inbound><set-variable name="mcpModern" value="@(false)" />${statement}</inbound></policies>`,
        new Map(),
    );
    const body = Buffer.from(
        JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: {
                name: "save_snippet",
                arguments: { snippetname: "bench", snippet: "quarterly figures ".repeat(57) },
            },
        }),
    );
    const started = performance.now();
    for (let i = 0; i < runs; i++) {
        const ctx = await runMcpInbound(doc, body);
        if (ctx.variables.get("mcpInvalid") !== "") throw new Error("the benchmark call is not valid");
    }
    return ((performance.now() - started) * 1000) / runs;
}

const percentile = (sorted: readonly number[], p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export async function runCheckpointBench(options: CheckpointBenchOptions): Promise<void> {
    const [off, audit, enforce] = await Promise.all([
        sourceFor("off"),
        sourceFor("audit"),
        sourceFor("enforce"),
    ]);
    const variants: [string, StackSource][] = [
        ["baseline (no validation, no screening)", withoutValidation(off)],
        ["validation", off],
        ["validation + screening (audit)", audit],
        ["validation + screening (enforce)", enforce],
    ];
    const planes: LocalControlPlane[] = [];
    try {
        for (const [, source] of variants) planes.push(await startLocalControlPlane({ source }));
        const medians = variants.map((): number[] => []);
        const p95s = variants.map((): number[] => []);
        // Warm-up: token caches, connection pools, the host's first storage calls.
        for (const plane of planes) await timeCalls(plane, 5, -1, true);
        for (let round = 0; round < options.rounds; round++) {
            for (const [i, plane] of planes.entries()) {
                const sorted = (await timeCalls(plane, options.calls, round)).sort((a, b) => a - b);
                medians[i]?.push(percentile(sorted, 50));
                p95s[i]?.push(percentile(sorted, 95));
            }
        }
        const baseline = spreadOf(medians[0] ?? []).median;
        console.log(
            `tools/call save_snippet (1 KiB), ${options.calls} sequential calls x ${options.rounds} rounds:`,
        );
        for (const [i, [name]] of variants.entries()) {
            const median = spreadOf(medians[i] ?? []);
            const p95 = spreadOf(p95s[i] ?? []);
            console.log(
                `  ${name.padEnd(40)} p50 ${formatSpread(median, 1)} ms  p95 ${formatSpread(p95, 1)} ms  ` +
                    `(+${(median.median - baseline).toFixed(2)} ms p50 over the baseline)`,
            );
        }
        console.log(
            `  validation statements alone (interpreter): ${(await validationMicroseconds(off, 2000)).toFixed(0)} µs per call`,
        );
        const standIn = planes[3]?.contentSafety?.calls;
        if (standIn)
            console.log(
                `  enforce: Content Safety calls ${standIn.shieldPrompt} shieldPrompt + ${standIn.analyze} analyze`,
            );
    } finally {
        for (const plane of planes) await plane.stop();
    }
}
