import assert from "node:assert/strict";
import type { JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import { allAppRoles, appRoles, toolNames } from "../src/contract";
import { silentLogger } from "../src/logger";
import { legacyProtocolVersions } from "../src/mcp/revisions";
import { fastAnswer } from "../src/node-host/mcp/fast-path";
import {
    authInfoFor,
    createMcpServer,
    type McpServerDependencies,
} from "../src/node-host/mcp/server-factory";
import { ServerPool } from "../src/node-host/mcp/server-pool";
import { sampleIncidents } from "../src/sentinel";
import type { SnippetInfo, SnippetStore } from "../src/storage/snippet-store";

/** Snippets in a map: both dispatch paths must see the same store, which is all this test needs. */
class MapStore implements SnippetStore {
    private readonly items = new Map<string, string>();
    save(name: string, content: string): Promise<void> {
        this.items.set(name, content);
        return Promise.resolve();
    }
    get(name: string): Promise<string | undefined> {
        return Promise.resolve(this.items.get(name));
    }
    list(prefix: string, limit: number): Promise<SnippetInfo[]> {
        const found = [...this.items]
            .filter(([n]) => n.startsWith(prefix))
            .slice(0, limit)
            .map(([name, c]) => ({
                name,
                bytes: Buffer.byteLength(c),
                lastModified: "2026-01-01T00:00:00.000Z",
            }));
        return Promise.resolve(found);
    }
    ping(): Promise<void> {
        return Promise.resolve();
    }
}

const failingStore: SnippetStore = {
    save: async () => Promise.reject(new Error("storage down")),
    get: async () => Promise.reject(new Error("storage down")),
    list: async () => Promise.reject(new Error("storage down")),
    ping: async () => Promise.reject(new Error("storage down")),
};

/** An initialize as clients send it: MCP Inspector declares roots, sampling and elicitation. */
const initialize = (
    id: number,
    protocolVersion: string,
    params: Record<string, unknown> = {},
): JSONRPCRequest => ({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
        protocolVersion,
        capabilities: { roots: { listChanged: true }, sampling: {}, elicitation: {} },
        clientInfo: { name: "inspector", version: "0.17.2" },
        ...params,
    },
});

const call = (id: number, name: string, args?: unknown): JSONRPCRequest => ({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: args === undefined ? { name } : { name, arguments: args as Record<string, unknown> },
});

describe("fast path for canonical initialize, ping, tools/list and tools/call", () => {
    const now = new Date("2026-11-23T12:00:00Z");
    const caller = { id: "agent-1", roles: allAppRoles };

    /** The same request through the fast path and through a pooled SDK server. */
    async function both(deps: McpServerDependencies, request: JSONRPCRequest) {
        const pool = new ServerPool(() => createMcpServer(deps));
        try {
            const fast = fastAnswer(request, caller, deps);
            assert.ok(fast, `the fast path takes ${JSON.stringify(request)}`);
            return { fast: await fast, sdk: await pool.request(request, { authInfo: authInfoFor(caller) }) };
        } finally {
            await pool.close();
        }
    }

    const requests: [string, JSONRPCRequest][] = [
        ...legacyProtocolVersions.map((version, i): [string, JSONRPCRequest] => [
            `initialize ${version}`,
            initialize(20 + i, version),
        ]),
        [
            "initialize without capabilities, with a client title",
            initialize(30, "2025-06-18", {
                capabilities: {},
                clientInfo: { name: "sdk", version: "1", title: "SDK client" },
            }),
        ],
        ["ping", { jsonrpc: "2.0", id: 31, method: "ping" }],
        ["ping with empty params", { jsonrpc: "2.0", id: "p", method: "ping", params: {} }],
        ["tools/list", { jsonrpc: "2.0", id: 1, method: "tools/list" }],
        ["tools/list with empty params", { jsonrpc: "2.0", id: "a", method: "tools/list", params: {} }],
        ["hello_mcp without arguments", call(2, toolNames.hello)],
        ["hello_mcp", call(3, toolNames.hello, {})],
        ["save_snippet", call(4, toolNames.saveSnippet, { snippetname: "one", snippet: "body ✓" })],
        ["get_snippet", call(5, toolNames.getSnippet, { snippetname: "one" })],
        ["get_snippet of a missing snippet", call(6, toolNames.getSnippet, { snippetname: "none" })],
        ["list_snippets", call(7, toolNames.listSnippets, { prefix: "o" })],
        ["bad arguments", call(8, toolNames.saveSnippet, { snippetname: "../x", extra: 1 })],
        ["analyze_incident", call(9, toolNames.analyzeIncident, { incident: sampleIncidents[2] })],
        ["an invalid incident", call(10, toolNames.analyzeIncident, { incident: { severity: "x" } })],
    ];

    it("answers exactly as the SDK server does, request by request", async () => {
        // One store for the whole sequence, so saves are visible to later gets on both paths.
        const deps: McpServerDependencies = {
            snippets: new MapStore(),
            logger: silentLogger,
            now: () => now,
        };
        for (const [label, request] of requests) {
            const { fast, sdk } = await both(deps, request);
            assert.deepEqual(fast, sdk, label);
        }
    });

    it("answers a storage fault as the SDK server does", async () => {
        const deps: McpServerDependencies = { snippets: failingStore, logger: silentLogger, now: () => now };
        const { fast, sdk } = await both(deps, call(1, toolNames.getSnippet, { snippetname: "x" }));
        assert.deepEqual(fast, sdk);
        assert.match(JSON.stringify(fast), /failed on the server/);
    });

    it("refuses a tool without its role on both paths, before the tool runs", async () => {
        const store = new MapStore();
        const deps: McpServerDependencies = { snippets: store, logger: silentLogger, now: () => now };
        const invokeOnly = { id: "agent-2", roles: [appRoles.toolsInvoke] };
        const request = call(1, toolNames.saveSnippet, { snippetname: "denied", snippet: "x" });
        const pool = new ServerPool(() => createMcpServer(deps));
        try {
            const fast = await fastAnswer(request, invokeOnly, deps);
            const sdk = await pool.request(request, { authInfo: authInfoFor(invokeOnly) });
            assert.deepEqual(fast, sdk);
            assert.match(
                JSON.stringify(fast),
                /Access denied: save_snippet requires the app role Snippets.Write/,
            );
        } finally {
            await pool.close();
        }
        assert.equal(await store.get("denied"), undefined);
    });

    const others: [string, JSONRPCRequest][] = [
        ["an unknown tool (the SDK's error)", call(1, "no_such_tool", {})],
        [
            "params with _meta",
            {
                ...call(1, toolNames.hello, {}),
                params: { name: toolNames.hello, _meta: { progressToken: 1 } },
            },
        ],
        [
            "a task-augmented call",
            { ...call(1, toolNames.hello, {}), params: { name: toolNames.hello, task: {} } },
        ],
        ["arguments that are not an object", call(1, toolNames.hello, [])],
        [
            "a tools/list page cursor",
            { jsonrpc: "2.0", id: 1, method: "tools/list", params: { cursor: "x" } },
        ],
        ["an extra top-level member", { ...call(1, toolNames.hello, {}), extra: true } as JSONRPCRequest],
        ["a fractional id", { ...call(1, toolNames.hello, {}), id: 1.5 }],
        ["initialize without params", { jsonrpc: "2.0", id: 1, method: "initialize", params: {} }],
        ["initialize asking for a version to negotiate", initialize(1, "2024-10-07")],
        ["initialize asking for an unknown version", initialize(1, "1999-01-01")],
        ["initialize with _meta", initialize(1, "2025-06-18", { _meta: { progressToken: 1 } })],
        [
            "initialize with experimental capabilities",
            initialize(1, "2025-06-18", { capabilities: { experimental: { x: {} } } }),
        ],
        [
            "initialize with sampling options",
            initialize(1, "2025-06-18", { capabilities: { sampling: { context: {} } } }),
        ],
        [
            "initialize with a malformed roots capability",
            initialize(1, "2025-06-18", { capabilities: { roots: { listChanged: "yes" } } }),
        ],
        [
            "initialize without a client version",
            initialize(1, "2025-06-18", { clientInfo: { name: "no-version" } }),
        ],
        [
            "initialize with client icons",
            initialize(1, "2025-06-18", { clientInfo: { name: "c", version: "1", icons: [] } }),
        ],
        ["ping with _meta", { jsonrpc: "2.0", id: 1, method: "ping", params: { _meta: {} } }],
    ];
    for (const [label, request] of others) {
        it(`leaves ${label} to the SDK`, () => {
            const deps: McpServerDependencies = { snippets: new MapStore(), logger: silentLogger };
            assert.equal(fastAnswer(request, caller, deps), undefined);
        });
    }
});
