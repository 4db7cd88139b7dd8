/**
 * Content screening through the local gateway: the dev stack synthesized with `contentSafety`
 * audit and with enforce, each gateway in front of the real tool host and calling the local
 * Content Safety stand-in with its managed identity. Drives every case of `screeningCases`.
 */
import * as assert from "node:assert/strict";
import { BlobSnippetStore } from "functions-app/blob-snippet-store";
import { appRoles } from "functions-app/contract";
import { gatewayMetrics } from "../../components/gateway/metrics";
import { startLocalControlPlane, type LocalControlPlane } from "../../local-gateway/src/harness";
import { stackSourceFrom } from "../../local-gateway/src/stack-source";
import { synthesize } from "../../scripts/lib/synthesize";
import { shippedStack } from "../support/shipped-stacks";
import { screeningCases, type ScreeningCase } from "./cases";

/** Longer than the policy's bound on each Content Safety call (3 s). */
const slowerThanTheBound = 3_300;

async function drive(plane: LocalControlPlane, c: ScreeningCase, caller: string): Promise<string[]> {
    const standIn = plane.contentSafety;
    if (!standIn) return ["the stack started no Content Safety stand-in"];
    if (c.stored) {
        const store = new BlobSnippetStore({ connectionString: plane.storage.connectionString });
        await store.save(c.stored.snippetname, c.stored.snippet, "seeded-by-test");
    }
    const token = await plane.tokens.mint({
        aud: plane.source.mcpAppClientId,
        azp: caller,
        oid: caller,
        roles: [appRoles.toolsInvoke, appRoles.snippetsRead, appRoles.snippetsWrite],
    });
    standIn.setState(c.standIn, slowerThanTheBound);
    const backendBefore = plane.backendRequests().length;
    const metricsBefore = plane.gateway.metrics.length;
    const res = await fetch(plane.urls.mcp, {
        method: "POST",
        headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-protocol-version": "2025-06-18",
        },
        body: JSON.stringify({
            jsonrpc: "2.0",
            id: 7,
            method: "tools/call",
            params: { name: c.tool, arguments: c.arguments },
        }),
    });
    const text = await res.text();
    standIn.setState("up");
    const problems: string[] = [];
    if (res.status !== c.expect.status) problems.push(`status ${res.status}`);
    const reached = plane.backendRequests().length > backendBefore;
    if (reached !== c.expect.reachesBackend) problems.push(`reached the backend: ${reached}`);
    const body = JSON.parse(text) as {
        id?: unknown;
        result?: { isError?: boolean };
        error?: { code: number; message: string };
    };
    if (c.expect.refusedWith) {
        if (
            body.error?.code !== c.expect.refusedWith.code ||
            !body.error.message.includes(c.expect.refusedWith.messageIncludes)
        )
            problems.push("not refused as expected");
        if (body.id !== 7) problems.push(`id ${String(body.id)}`);
    } else if (!body.result || body.result.isError) problems.push("no tool result");
    const findings = plane.gateway.metrics
        .slice(metricsBefore)
        .filter((m) => m.name === gatewayMetrics.contentFinding);
    const expected = c.expect.finding;
    if (!expected && findings.length > 0) problems.push(`unexpected findings ${JSON.stringify(findings)}`);
    if (expected) {
        const found = findings.find((m) => m.dimensions.stage === expected.stage);
        if (!found) problems.push(`no ${expected.stage} finding`);
        else {
            const want = {
                agent: caller,
                tool: c.tool,
                check: expected.check,
                stage: expected.stage,
                mode: c.mode,
            };
            if (JSON.stringify(found.dimensions) !== JSON.stringify(want))
                problems.push(`finding ${JSON.stringify(found.dimensions)}`);
        }
        // A finding carries checks, never the text that was screened.
        if (
            findings.some((m) =>
                Object.values(m.dimensions).some((v) => v.includes("instructions") || v.includes("marker")),
            )
        )
            problems.push("a finding carries screened text");
    }
    return problems.length === 0 ? [] : [...problems, `body: ${text.slice(0, 200)}`];
}

describe("content screening through the local gateway (dev stack, contentSafety audit and enforce)", function () {
    this.timeout(120_000);
    const planes = new Map<string, LocalControlPlane>();

    before(async () => {
        // Both stacks synthesize side by side (each synthesis runs in a process of its own).
        const modes = ["audit", "enforce"] as const;
        const synths = await Promise.all(
            modes.map((mode) =>
                synthesize(shippedStack("dev", { "agents-control-plane:contentSafety": mode })),
            ),
        );
        for (const [i, mode] of modes.entries()) {
            const synth = synths[i]!;
            planes.set(
                mode,
                await startLocalControlPlane({
                    source: stackSourceFrom("dev", synth.resources, synth.outputs),
                    recordBackend: true,
                }),
            );
        }
    });
    after(async () => {
        for (const plane of planes.values()) await plane.stop();
    });

    it("answers and records every screening case as expected", async () => {
        // Cases that wait out the bound run side by side, one per gateway; the rest one by one.
        const slow = screeningCases.filter((c) => c.standIn === "slow");
        const failures: string[] = [];
        const run = async (c: ScreeningCase, i: number) => {
            const problems = await drive(
                planes.get(c.mode)!,
                c,
                `0d0d0d0d-1111-4222-8333-${String(i).padStart(12, "0")}`,
            );
            if (problems.length > 0) failures.push(`${c.name}: ${problems.join("; ")}`);
        };
        await Promise.all(slow.map((c) => run(c, screeningCases.indexOf(c))));
        for (const [i, c] of screeningCases.entries()) if (c.standIn !== "slow") await run(c, i);
        assert.deepEqual(failures, []);
    });

    it("calls Content Safety with the gateway's managed identity only", async () => {
        const standIn = planes.get("enforce")!.contentSafety!;
        const res = await fetch(`${standIn.url}/contentsafety/text:analyze?api-version=2024-09-01`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: "no token" }),
        });
        assert.equal(res.status, 401);
        assert.ok(standIn.calls.analyze > 0 && standIn.calls.shieldPrompt > 0);
    });
});
