import assert from "node:assert/strict";
import { backendPaths, toolNames } from "../src/contract";
import { startHostOnAzurite, type HostOnAzurite } from "./support/host-on-azurite";
import { startOtlpCollector, type CollectedSpan, type OtlpCollector } from "./support/otlp-collector";

const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const callerSpan = "00f067aa0ba902b7";
const unsampledTrace = "5bf92f3577b34da6a3ce929d0e0e4736";

describe("Node host tracing (OTLP/HTTP export to a local collector)", function () {
    let collector: OtlpCollector;
    let running: HostOnAzurite;
    let exitCode: number | null;

    const call = (name: string, args: Record<string, unknown>, headers: Record<string, string>) =>
        fetch(running.host.url + backendPaths.mcpStreamable, {
            method: "POST",
            headers: {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                ...headers,
            },
            body: JSON.stringify({
                jsonrpc: "2.0",
                id: 1,
                method: "tools/call",
                params: { name, arguments: args },
            }),
        }).then(async (res) => {
            assert.equal(res.status, 200, await res.clone().text());
            return res.json();
        });

    before(async () => {
        collector = await startOtlpCollector();
        running = await startHostOnAzurite(() => ({
            TRACING_EXPORTER: "otlp",
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.tracesUrl,
        }));
        await call(
            toolNames.saveSnippet,
            { snippetname: "traced", snippet: "x" },
            { traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate: "congo=t61rcWkgMzE" },
        );
        // An all-zero parent id is malformed: a new trace, not an error.
        await call(
            toolNames.getSnippet,
            { snippetname: "traced" },
            { traceparent: "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01" },
        );
        await call(toolNames.listSnippets, { prefix: "tr" }, {});
        // The caller did not sample its trace: the host records none of it.
        await call(toolNames.hello, {}, { traceparent: `00-${unsampledTrace}-${callerSpan}-00` });
        assert.equal((await fetch(running.host.url + backendPaths.readiness)).status, 200);
        // A graceful stop exports what is buffered.
        exitCode = await running.stop();
    });

    after(async () => {
        await collector?.close();
    });

    const named = (name: string): CollectedSpan => {
        const found = collector.spans.filter((s) => s.name === name);
        assert.equal(
            found.length,
            1,
            `one span named ${name} in ${collector.spans.map((s) => s.name).join(", ")}`,
        );
        return found[0]!;
    };

    it("stops cleanly after exporting", () => assert.equal(exitCode, 0));

    it("continues the caller's trace: request span, tool span, storage span, each the child of the one before", () => {
        const tool = named(`tools/call ${toolNames.saveSnippet}`);
        const request = collector.spans.find((s) => s.spanId === tool.parentSpanId);
        assert.ok(request, "the tool span's parent was exported");
        assert.equal(request.name, `POST ${backendPaths.mcpStreamable}`);
        assert.equal(request.kind, 2, "server");
        assert.equal(request.traceId, callerTrace);
        assert.equal(request.parentSpanId, callerSpan);
        assert.equal(request.attributes["http.response.status_code"], 200);
        assert.equal(request.serviceName, "agents-control-plane-tools");
        assert.equal(tool.traceId, callerTrace);
        assert.equal(tool.attributes["gen_ai.tool.name"], toolNames.saveSnippet);
        assert.equal(tool.attributes["tool.outcome"], "ok");
        const storage = named("snippets save");
        assert.equal(storage.kind, 3, "client");
        assert.equal(storage.traceId, callerTrace);
        assert.equal(storage.parentSpanId, tool.spanId);
    });

    it("starts a new trace for a malformed traceparent and for none", () => {
        for (const [toolName, storageCall] of [
            [toolNames.getSnippet, "snippets get"],
            [toolNames.listSnippets, "snippets list"],
        ] as const) {
            const tool = named(`tools/call ${toolName}`);
            const request = collector.spans.find((s) => s.spanId === tool.parentSpanId);
            assert.ok(request, `${toolName}: the request span was exported`);
            assert.equal(request.parentSpanId, undefined, "a root span");
            assert.match(request.traceId, /^(?!0{32})[0-9a-f]{32}$/);
            assert.notEqual(request.traceId, "0af7651916cd43dd8448eb211c80319c");
            assert.notEqual(request.traceId, callerTrace);
            assert.equal(named(storageCall).parentSpanId, tool.spanId);
        }
    });

    it("records nothing of a trace the caller did not sample", () => {
        assert.deepEqual(
            collector.spans.filter((s) => s.traceId === unsampledTrace || s.name.endsWith(toolNames.hello)),
            [],
        );
    });

    it("leaves probes untraced", () => {
        assert.equal(collector.spans.filter((s) => s.name.includes(backendPaths.readiness)).length, 0);
        assert.equal(collector.spans.filter((s) => s.name === "snippets ping").length, 0);
        assert.equal(collector.spans.length, 9, collector.spans.map((s) => s.name).join(", "));
    });
});
