import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { allAppRoles, toolNames } from "../src/contract";
import { startAzurite, type LocalStorage } from "../scripts/azurite";
import { appRoot } from "./support/host-process";

const run = promisify(execFile);

interface SpanLine {
    readonly message: string;
    readonly name: string;
    readonly kind: string;
    readonly traceId: string;
    readonly spanId: string;
    readonly parentSpanId?: string;
    readonly attributes: Record<string, unknown>;
    readonly text?: string;
}

describe("Functions host tracing (the invocation's trace context, console export)", function () {
    let storage: LocalStorage;
    before(async () => (storage = await startAzurite()));
    after(async () => storage?.stop());

    /** One save_snippet invocation in a worker-like process; its output lines. */
    const invoke = async (traceContext: { traceParent?: string; traceState?: string } | undefined) => {
        const request = {
            tool: toolNames.saveSnippet,
            input: {
                name: toolNames.saveSnippet,
                arguments: { snippetname: "functions-traced", snippet: "x" },
                transport: {
                    name: "http-streamable",
                    properties: {
                        headers: {
                            "X-Agent-Client-Id": "agent-traced",
                            "X-Agent-Roles": allAppRoles.join(","),
                        },
                    },
                },
            },
            ...(traceContext ? { traceContext } : {}),
        };
        const { stdout } = await run(
            process.execPath,
            [
                "--import",
                "tsx",
                path.join(appRoot, "test", "support", "functions-invocation.ts"),
                JSON.stringify(request),
            ],
            {
                cwd: appRoot,
                env: {
                    PATH: process.env.PATH ?? "",
                    SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString,
                    TRACING_EXPORTER: "console",
                },
            },
        );
        return stdout
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => JSON.parse(l) as SpanLine);
    };

    it("makes the tool span a child of the host's invocation span, and the storage span its child", async () => {
        const hostTrace = "0af7651916cd43dd8448eb211c80319c";
        const hostSpan = "b7ad6b7169203331";
        const lines = await invoke({
            traceParent: `00-${hostTrace}-${hostSpan}-01`,
            traceState: "rojo=00f067aa0ba902b7",
        });
        assert.equal(
            lines.find((l) => l.message === "result")?.text,
            "Saved snippet 'functions-traced' (1 bytes).",
        );
        const spans = lines.filter((l) => l.message === "span");
        const tool = spans.find((s) => s.name === `tools/call ${toolNames.saveSnippet}`);
        const store = spans.find((s) => s.name === "snippets save");
        assert.ok(tool && store, JSON.stringify(spans));
        assert.equal(tool.traceId, hostTrace);
        assert.equal(tool.parentSpanId, hostSpan);
        assert.equal(tool.attributes["enduser.id"], "agent-traced");
        assert.equal(tool.attributes["tool.outcome"], "ok");
        assert.equal(store.kind, "client");
        assert.equal(store.traceId, hostTrace);
        assert.equal(store.parentSpanId, tool.spanId);
    });

    it("starts a new trace when the invocation carries no valid trace context", async () => {
        const runs = await Promise.all([undefined, { traceParent: "not-a-traceparent" }].map(invoke));
        for (const lines of runs) {
            const spans = lines.filter((l) => l.message === "span");
            const tool = spans.find((s) => s.name === `tools/call ${toolNames.saveSnippet}`);
            assert.ok(tool, JSON.stringify(spans));
            assert.equal(tool.parentSpanId, undefined);
            assert.match(tool.traceId, /^[0-9a-f]{32}$/);
            assert.equal(spans.find((s) => s.name === "snippets save")?.parentSpanId, tool.spanId);
        }
    });
});
