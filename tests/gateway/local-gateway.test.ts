/**
 * Runs every gateway case and scenario through the local gateway, which executes the dev stack's
 * rendered policy documents in front of the real tool host (`local-gateway/`).
 */
import * as assert from "node:assert/strict";
import { gatewayMetricNamespace, gatewayMetrics } from "../../components/gateway/metrics";
import {
    appRoles,
    delegatedScope,
    forwardedCallerHeader,
    gatewayPaths,
    toolNames,
} from "functions-app/contract";
import { startBanner } from "../../local-gateway/src/banner";
import { startLocalControlPlane, type LocalControlPlane } from "../../local-gateway/src/harness";
import { stackSourceFrom } from "../../local-gateway/src/stack-source";
import { synthesize, type SynthResult } from "../../scripts/lib/synthesize";
import { shippedStack } from "../support/shipped-stacks";
import { gatewayCases, gatewayScenarios, streamableHeaders } from "./cases";
import { driveCase, type GatewayUnderTest } from "./drive";

describe("gateway cases through the local gateway (dev stack policies)", function () {
    this.timeout(120_000);
    let plane: LocalControlPlane | undefined;
    let gateway: GatewayUnderTest;
    let dev: SynthResult;

    before(async () => {
        dev = await synthesize(shippedStack("dev"));
        plane = await startLocalControlPlane({
            source: stackSourceFrom("dev", dev.resources, dev.outputs),
            recordBackend: true,
        });
        const started = plane;
        gateway = {
            url: started.urls.gateway,
            mintToken: (claims) => started.tokens.mint({ aud: started.source.mcpAppClientId, ...claims }),
            backendRequests: () => started.backendRequests(),
            metrics: () => started.gateway.metrics,
        };
    });
    after(async () => plane?.stop());

    it("npm start's banner names only addresses that answer, and no front door when the stack has none", async () => {
        const banner = startBanner(plane!, "dev", 1000);
        assert.doesNotMatch(banner, /front door/i);
        const urls = [...new Set(banner.match(/http:\/\/[^\s\\]+/g) ?? [])];
        assert.ok(urls.length >= 6, banner);
        const refused: string[] = [];
        for (const url of urls) {
            // Any HTTP answer (401 from the gateway, 404 from Azurite's root) shows the address is served.
            const status = await fetch(url, { signal: AbortSignal.timeout(5000) }).then(
                async (r) => (await r.body?.cancel(), r.status),
                (error: unknown) => String(error),
            );
            if (typeof status !== "number") refused.push(`${url}: ${status}`);
        }
        assert.deepEqual(refused, []);
    });

    it("answers every case as expected", async () => {
        const failures: string[] = [];
        for (const c of gatewayCases) {
            const problems = await driveCase(gateway, c);
            if (problems.length > 0) failures.push(`${c.name}: ${problems.join("; ")}`);
        }
        assert.deepEqual(failures, []);
    });

    it("emits the call metrics under the names the stack's dashboard queries", async () => {
        const started = plane!;
        const post = async (path: string, roles: readonly string[], body: unknown, headers = {}) => {
            const token = await started.tokens.mint({
                aud: started.source.mcpAppClientId,
                azp: "0c0c0c0c-1111-4222-8333-444444444444",
                roles,
            });
            const res = await fetch(started.urls.gateway + path, {
                method: "POST",
                headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
                body: JSON.stringify(body),
            });
            await res.arrayBuffer();
            return started.gateway.metrics.at(-1);
        };
        const mcpCall = await post(
            gatewayPaths.mcp,
            [appRoles.toolsInvoke],
            { jsonrpc: "2.0", id: 1, method: "tools/list" },
            { accept: "application/json, text/event-stream" },
        );
        const webhook = await post(gatewayPaths.sentinelWebhook, [appRoles.incidentsAnalyze], {
            incidentId: "INC-METRIC-1",
            severity: "Low",
            entities: [{ type: "ip", name: "203.0.113.9" }],
            alertContext: { description: "metric names", timestamp: "2026-11-30T10:00:00Z" },
        });
        assert.deepEqual(
            [mcpCall?.name, mcpCall?.namespace, webhook?.name, webhook?.namespace],
            [
                gatewayMetrics.mcpCall,
                gatewayMetricNamespace,
                gatewayMetrics.sentinelWebhook,
                gatewayMetricNamespace,
            ],
        );
        // The dashboard the stack deploys filters its per-agent, per-tool views on that metric.
        const workbook = dev.resources.find((r) => r.type === "azure-native:applicationinsights:Workbook");
        const queries = (
            JSON.parse(String(workbook?.inputs.serializedData)) as {
                items: { content: { query?: string } }[];
            }
        ).items.flatMap((i) => (i.content.query ? [i.content.query] : []));
        const queried = new Set(
            queries.flatMap((q) => [...q.matchAll(/\| where Name == "([^"]+)"/g)].map((m) => m[1])),
        );
        assert.deepEqual([...queried], [mcpCall?.name]);
    });

    it("keeps each caller's memory apart: agents by app id, users by object id, spoofed headers ignored", async () => {
        const started = plane!;
        const agentA = "0a0a0a0a-1111-4222-8333-444444444444";
        const agentB = "0b0b0b0b-1111-4222-8333-444444444444";
        const user = "0e0e0e0e-1111-4222-8333-444444444444";
        const roles = [appRoles.toolsInvoke, appRoles.memoryRead, appRoles.memoryWrite];
        const appToken = (azp: string) =>
            started.tokens.mint({ aud: started.source.mcpAppClientId, azp, oid: azp, roles });
        // A user signed in through agent A's client app: the user's partition, not the app's.
        const userToken = () =>
            started.tokens.mint({
                aud: started.source.mcpAppClientId,
                azp: agentA,
                oid: user,
                scp: delegatedScope,
                roles,
            });
        let id = 0;
        const call = async (token: string, name: string, args: Record<string, unknown>, headers = {}) => {
            const res = await fetch(started.urls.mcp, {
                method: "POST",
                headers: { ...streamableHeaders, authorization: `Bearer ${token}`, ...headers },
                body: JSON.stringify({
                    jsonrpc: "2.0",
                    id: ++id,
                    method: "tools/call",
                    params: { name, arguments: args },
                }),
            });
            assert.equal(res.status, 200);
            const body = (await res.json()) as { result: { isError?: boolean; content: { text: string }[] } };
            return {
                isError: body.result.isError === true,
                text: body.result.content.map((c) => c.text).join(""),
            };
        };
        const [a, b, u] = await Promise.all([appToken(agentA), appToken(agentB), userToken()]);
        const recall = (token: string, key: string, headers = {}) =>
            call(token, toolNames.memoryRecall, { key }, headers);

        assert.equal((await call(b, toolNames.memorySave, { key: "plan", text: "B's plan" })).isError, false);
        assert.equal(
            (await call(u, toolNames.memorySave, { key: "plan", text: "the user's plan" })).isError,
            false,
        );
        assert.equal((await recall(b, "plan")).text, "B's plan");
        assert.equal((await recall(u, "plan")).text, "the user's plan");
        // A has no note 'plan'; neither its app id nor B's id in a key or a spoofed header reaches B's or the user's.
        for (const key of ["plan", `../${agentB}/plan`, `${agentB}:plan`, `${user}/plan`]) {
            assert.equal((await recall(a, key)).isError, true, key);
        }
        const spoofed = await recall(a, "plan", { [forwardedCallerHeader]: agentB });
        assert.equal(spoofed.isError, true, "the gateway overrides a caller-sent caller header");
        const queried = await call(a, toolNames.memoryRecall, { query: "plan" });
        assert.equal(queried.text, JSON.stringify({ notes: [] }));
        assert.equal(
            (await call(a, toolNames.memoryForget, { key: "plan" })).text,
            "No note with key 'plan'.",
        );
        assert.equal((await recall(b, "plan")).text, "B's plan", "B's note survives A's forget");
    });

    for (const scenario of gatewayScenarios) {
        it(scenario.name, async () => {
            for (const step of scenario.steps) {
                for (let i = 1; i <= step.times; i++) {
                    const problems = await driveCase(gateway, step);
                    assert.deepEqual(problems, [], `${step.note}, request ${i} of ${step.times}`);
                }
            }
        });
    }
});
