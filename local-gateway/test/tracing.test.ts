import assert from "node:assert/strict";
import { appRoles, backendPaths, toolNames } from "functions-app/contract";
import { openEventStream } from "functions-app/test-support/sse-stream";
import { inMemoryTracing, type RecordedSpan } from "functions-app/test-support/in-memory-tracing";
import { parseTraceparent } from "functions-app/trace-context";
import { startLocalControlPlane, type LocalControlPlane } from "../src/harness";
import { devStackSource } from "./support/dev-stack";

/** A caller's W3C trace through the gateway (the dev stack's policies) into the tool host's spans. */
describe("local gateway: W3C trace context from the caller to the tool host's spans", function () {
    this.timeout(120_000);
    let plane: LocalControlPlane;
    const recorder = inMemoryTracing();

    before(async () => {
        plane = await startLocalControlPlane({
            source: await devStackSource(),
            recordBackend: true,
            tracing: recorder.tracing,
        });
    });
    after(async () => {
        await plane?.stop();
        await recorder.tracing.shutdown();
    });

    /** save_snippet through the gateway with the given trace headers; the traceparent the backend got. */
    const save = async (name: string, traceHeaders: Record<string, string>) => {
        const token = await plane.tokens.mint({
            aud: plane.source.mcpAppClientId,
            azp: "00000000-0000-4000-8000-00000000b0b0",
            idtyp: "app",
            roles: [appRoles.toolsInvoke, appRoles.snippetsWrite],
        });
        const sent = plane.backendRequests().length;
        const res = await fetch(plane.urls.mcp, {
            method: "POST",
            headers: {
                authorization: `Bearer ${token}`,
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                ...traceHeaders,
            },
            body: JSON.stringify({
                jsonrpc: "2.0",
                id: 1,
                method: "tools/call",
                params: { name: toolNames.saveSnippet, arguments: { snippetname: name, snippet: "x" } },
            }),
        });
        assert.equal(res.status, 200, await res.text());
        const [backend] = plane.backendRequests().slice(sent);
        assert.ok(backend, "the call reached the backend");
        return backend.headers;
    };

    /** The host's request, tool and storage spans under the gateway span `gatewaySpanId`. */
    const hostSpansUnder = async (gatewaySpanId: string) => {
        const find = (test: (s: RecordedSpan) => boolean) => recorder.spans().find(test);
        // The request's span ends when the exchange closes, just after the answer went out.
        for (let waited = 0; !find((s) => s.parentSpanId === gatewaySpanId) && waited < 5000; waited += 20)
            await new Promise((resolve) => setTimeout(resolve, 20));
        const request = find((s) => s.parentSpanId === gatewaySpanId);
        assert.ok(request, "the host's request span is the child of the gateway's span");
        const tool = find((s) => s.parentSpanId === request.spanId);
        assert.ok(tool, "a tool span under the request");
        const storage = find((s) => s.parentSpanId === tool.spanId);
        assert.ok(storage, "a storage span under the tool call");
        return { request, tool, storage };
    };

    it("keeps the caller's trace id, with the gateway's span between the caller and the host", async () => {
        const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const callerSpan = "00f067aa0ba902b7";
        const backend = await save("traced-through-gateway", {
            traceparent: `00-${traceId}-${callerSpan}-01`,
            tracestate: "congo=t61rcWkgMzE",
        });
        const forwarded = parseTraceparent(backend.traceparent);
        assert.ok(forwarded, `a valid traceparent reached the host: ${String(backend.traceparent)}`);
        assert.equal(forwarded.traceId, traceId);
        assert.notEqual(forwarded.parentId, callerSpan, "the gateway's own span is the parent");
        assert.equal(forwarded.sampled, true);
        assert.equal(backend.tracestate, "congo=t61rcWkgMzE");

        const { request, tool, storage } = await hostSpansUnder(forwarded.parentId);
        assert.deepEqual(
            [request, tool, storage].map((s) => [s.name, s.kind, s.traceId]),
            [
                [`POST ${backendPaths.mcpStreamable}`, "server", traceId],
                [`tools/call ${toolNames.saveSnippet}`, "internal", traceId],
                ["snippets save", "client", traceId],
            ],
        );
        assert.equal(tool.attributes["enduser.id"], "00000000-0000-4000-8000-00000000b0b0");
    });

    it("legacy SSE: the traceparent of a POST /mcp/message reaches the host's spans of that call", async () => {
        const token = await plane.tokens.mint({
            aud: plane.source.mcpAppClientId,
            azp: "00000000-0000-4000-8000-00000000b0b1",
            idtyp: "app",
            roles: [appRoles.toolsInvoke, appRoles.snippetsWrite],
        });
        const stream = await openEventStream(`${plane.urls.mcpSse}/`, { authorization: `Bearer ${token}` });
        try {
            const endpoint = await stream.next();
            assert.equal(endpoint.event, "endpoint");
            const traceId = "5cf92f3577b34da6a3ce929d0e0e4737";
            const sent = plane.backendRequests().length;
            const res = await fetch(`${plane.urls.gateway}${endpoint.data}`, {
                method: "POST",
                headers: {
                    authorization: `Bearer ${token}`,
                    "content-type": "application/json",
                    traceparent: `00-${traceId}-00f067aa0ba902b8-01`,
                    tracestate: "congo=sse",
                },
                body: JSON.stringify({
                    jsonrpc: "2.0",
                    id: 2,
                    method: "tools/call",
                    params: {
                        name: toolNames.saveSnippet,
                        arguments: { snippetname: "traced-over-sse", snippet: "x" },
                    },
                }),
            });
            assert.equal(res.status, 202, await res.text());
            const answer = await stream.next();
            assert.match(answer.data, /"id":2/);
            const backend = plane
                .backendRequests()
                .slice(sent)
                .find((r) => r.method === "POST");
            assert.ok(backend, "the message reached the backend");
            const forwarded = parseTraceparent(backend.headers.traceparent);
            assert.ok(
                forwarded,
                `a valid traceparent reached the host: ${String(backend.headers.traceparent)}`,
            );
            assert.equal(forwarded.traceId, traceId);
            assert.equal(backend.headers.tracestate, "congo=sse");
            const { request, tool, storage } = await hostSpansUnder(forwarded.parentId);
            assert.deepEqual(
                [request, tool, storage].map((s) => [s.name, s.traceId]),
                [
                    [`POST ${backendPaths.mcpMessage}`, traceId],
                    [`tools/call ${toolNames.saveSnippet}`, traceId],
                    ["snippets save", traceId],
                ],
            );
        } finally {
            await stream.close();
        }
    });

    it("starts a valid new trace when the caller's traceparent is malformed or absent", async () => {
        const malformedTrace = "0af7651916cd43dd8448eb211c80319c";
        for (const [label, headers] of [
            ["malformed", { traceparent: `00-${malformedTrace}-b7ad6b7169203331-zz`, tracestate: "rojo=1" }],
            [
                "repeated",
                {
                    traceparent: `00-${malformedTrace}-b7ad6b7169203331-01, 00-${malformedTrace}-b7ad6b7169203331-01`,
                },
            ],
            ["absent", {}],
        ] as const) {
            const backend = await save(`new-trace-${label}`, headers);
            const forwarded = parseTraceparent(backend.traceparent);
            assert.ok(
                forwarded,
                `${label}: a valid traceparent reached the host: ${String(backend.traceparent)}`,
            );
            assert.notEqual(forwarded.traceId, malformedTrace, label);
            assert.equal(backend.tracestate, undefined, `${label}: no state without a valid parent`);
            const { request, storage } = await hostSpansUnder(forwarded.parentId);
            assert.equal(request.traceId, forwarded.traceId, label);
            assert.equal(storage.traceId, forwarded.traceId, label);
        }
    });
});
