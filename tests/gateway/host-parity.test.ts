/**
 * The gateway answers what it refuses as the host behind it would (SEP-1303: invalid arguments are tool
 * errors the model can correct; an unknown tool or malformed params stay JSON-RPC errors). For every
 * catalog tool, the same invalid call goes once straight to the tool host (as the gateway would send
 * it: its managed-identity token, the caller's id and roles asserted) and once through the local
 * gateway, in both eras; the answers must be the same, status and body.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { InvocationContext, McpToolResponse } from "@azure/functions";
import { allAppRoles, forwardedCallerHeader, forwardedRolesHeader } from "functions-app/contract";
import { tools } from "functions-app/catalog";
import { metaKeys, modernProtocolVersions } from "functions-app/revisions";
import { loadFunctionsApp, type Registration } from "functions-app/test-support/functions-core-stand-in";
import { renderGatewayPolicies } from "../../components/gateway/policies";
import { loadPolicyDocument } from "../../local-gateway/src/document";
import { runMcpInbound } from "../../local-gateway/src/inbound";
import { csharpParser } from "../../local-gateway/src/expressions/parser";
import { startLocalControlPlane, type LocalControlPlane } from "../../local-gateway/src/harness";
import { stackSourceFrom } from "../../local-gateway/src/stack-source";
import { synthesize } from "../../scripts/lib/synthesize";
import { shippedStack } from "../support/shipped-stacks";

const modern = modernProtocolVersions[0] ?? "2026-07-28";

interface Call {
    readonly headers: Record<string, string>;
    readonly body: Record<string, unknown>;
}

function legacyCall(tool: string, args: unknown): Call {
    return {
        headers: {
            accept: "application/json, text/event-stream",
            "content-type": "application/json",
            "mcp-protocol-version": "2025-06-18",
        },
        body: { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: tool, arguments: args } },
    };
}

function modernCall(tool: string, args: unknown): Call {
    return {
        headers: {
            accept: "application/json, text/event-stream",
            "content-type": "application/json",
            "mcp-protocol-version": modern,
            "mcp-method": "tools/call",
            "mcp-name": tool,
        },
        body: {
            jsonrpc: "2.0",
            id: 7,
            method: "tools/call",
            params: {
                name: tool,
                arguments: args,
                _meta: {
                    [metaKeys.protocolVersion]: modern,
                    "io.modelcontextprotocol/clientInfo": { name: "parity", version: "1.0.0" },
                    "io.modelcontextprotocol/clientCapabilities": {},
                },
            },
        },
    };
}

interface Answer {
    readonly status: number;
    readonly body: unknown;
}

describe("the gateway answers invalid calls as the Node host (AKS backend) does", function () {
    this.timeout(120_000);
    let plane: LocalControlPlane | undefined;
    let viaGateway: (call: Call) => Promise<Answer>;
    let toHost: (call: Call) => Promise<Answer>;

    before(async () => {
        // The Node host is the AKS backend's: the dev stack on AKS renders the gateway for it.
        const dev = await synthesize(
            shippedStack("dev", {
                "agents-control-plane:backend": "aks",
                "agents-control-plane:apimSku": "StandardV2",
                "agents-control-plane:aksPrivateCluster": "true",
            }),
        );
        plane = await startLocalControlPlane({ source: stackSourceFrom("dev", dev.resources, dev.outputs) });
        const started = plane;
        const callerToken = await started.tokens.mint({
            aud: started.source.mcpAppClientId,
            azp: "parity-agent",
            roles: [...allAppRoles],
        });
        const audience = started.source.namedValues.get("backend-audience") ?? started.source.mcpAppClientId;
        const { token: gatewayToken } = await started.gateway.entra.managedIdentityToken(audience);
        const post = async (url: string, call: Call, extra: Record<string, string>): Promise<Answer> => {
            const response = await fetch(url, {
                method: "POST",
                headers: { ...call.headers, ...extra },
                body: JSON.stringify(call.body),
            });
            return { status: response.status, body: await response.json() };
        };
        viaGateway = (call) => post(started.urls.mcp, call, { authorization: `Bearer ${callerToken}` });
        toHost = (call) =>
            post(`${started.hostUrl}/runtime/webhooks/mcp`, call, {
                authorization: `Bearer ${gatewayToken}`,
                [forwardedCallerHeader]: "parity-agent",
                [forwardedRolesHeader]: allAppRoles.join(","),
            });
    });
    after(async () => plane?.stop());

    const same = async (call: Call) => {
        const [host, gateway] = [await toHost(call), await viaGateway(call)];
        assert.deepEqual(gateway, host, JSON.stringify(call.body));
        return gateway;
    };

    for (const tool of tools) {
        it(`${tool.name}: an unknown and a missing argument, both eras: the host's tool error`, async () => {
            for (const call of [legacyCall, modernCall]) {
                const answer = await same(call(tool.name, { unexpected_arg: 1 }));
                assert.equal(answer.status, 200);
                assert.match(JSON.stringify(answer.body), /"isError":true/);
            }
        });
    }

    it("a wrong type and an over-long string: the host's words, both eras", async () => {
        for (const call of [legacyCall, modernCall]) {
            await same(call("save_snippet", { snippetname: 5, snippet: "x" }));
            await same(call("save_snippet", { snippetname: "\u20ac".repeat(30), snippet: "x" }));
        }
    });

    it("an unknown tool: the host's JSON-RPC -32602, both eras", async () => {
        for (const call of [legacyCall, modernCall]) {
            const answer = await same(call("no_such_tool", {}));
            assert.match(JSON.stringify(answer.body), /"code":-32602/);
        }
    });

    it("arguments that are not an object: the host's JSON-RPC -32602 (malformed params), both eras", async () => {
        for (const call of [legacyCall, modernCall])
            for (const args of ["text", [1], null, 5]) {
                const answer = await same(call("hello_mcp", args));
                assert.match(JSON.stringify(answer.body), /"code":-32602/);
            }
    });
});

/**
 * Behind the Functions host (no Functions runtime here): the gateway's policy rendered for it, run
 * by the local gateway's interpreter, against the app's registered tool handlers (loaded through the
 * functions-core stand-in, as the worker loads them) and, where the MCP extension answers before any
 * handler runs, against the extension's own words (azure-functions-mcp-extension @cd0d1e8:
 * `ToolInputSchema.Validate` for missing required arguments, `McpWebJobsBuilderExtensions` for
 * unknown tools; McpProtocolException code and message pass through the C# SDK unchanged).
 */
describe("the gateway answers invalid calls as the Functions host does", function () {
    this.timeout(30_000);
    let registrations: Registration[];
    let verdict: (variable: string, body: unknown) => Promise<string>;
    const saved = process.env.SNIPPETS_STORAGE_CONNECTION_STRING;

    before(async () => {
        // The handlers open no connection for calls they refuse; the store only needs settings.
        process.env.SNIPPETS_STORAGE_CONNECTION_STRING =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        registrations = loadFunctionsApp(
            path.join(path.dirname(require.resolve("functions-app/catalog")), "..", "functions", "index.ts"),
        );
        const rendered = renderGatewayPolicies({
            backendId: "tools-backend",
            toolHost: "functions",
            rateLimitCalls: 120,
            rateLimitPeriodSeconds: 60,
            maxRequestBodyKb: 256,
            resourceName: "MCP tools",
            corsAllowedOrigins: [],
        }).mcpApi;
        const statement = (name: string) => {
            const found = new RegExp(`<set-variable name="${name}" value="@\\{[\\s\\S]*?\\}" />`).exec(
                rendered,
            )?.[0];
            assert.ok(found, `the MCP API policy has no ${name} statement`);
            return found;
        };
        const parser = await csharpParser();
        // Each statement alone: the policy runs mcpInvalid only for catalog tools.
        const docs = new Map(
            ["unknownToolAnswer", "mcpInvalid"].map((name) => [
                name,
                loadPolicyDocument(
                    parser,
                    "mcp-api",
                    "api",
                    `<policies><inbound><set-variable name="mcpModern" value="@(false)" />${statement(name)}</inbound></policies>`,
                    new Map(),
                ),
            ]),
        );
        verdict = async (variable, body) => {
            const doc = docs.get(variable);
            assert.ok(doc, variable);
            const ctx = await runMcpInbound(doc, Buffer.from(JSON.stringify(body)));
            return String(ctx.variables.get(variable));
        };
    });

    after(() => {
        if (saved === undefined) delete process.env.SNIPPETS_STORAGE_CONNECTION_STRING;
        else process.env.SNIPPETS_STORAGE_CONNECTION_STRING = saved;
    });

    /** The CallToolResult the registered handler for `tool` gives the extension for this input. */
    const handlerAnswer = async (tool: string, name: string, args: unknown) => {
        const registration = registrations.find((r) => r.metadata.name === tool);
        assert.ok(registration, `no trigger for ${tool}`);
        const input = {
            name,
            arguments: args,
            transport: {
                name: "http-streamable",
                properties: {
                    headers: { "X-Agent-Client-Id": "parity", "X-Agent-Roles": allAppRoles.join(",") },
                },
            },
        };
        const response = await registration.handler(
            JSON.stringify(input),
            new InvocationContext({
                functionName: tool,
                invocationId: "parity",
                logHandler: () => undefined,
            }),
        );
        assert.ok(response instanceof McpToolResponse);
        return {
            content: response.content.map((c) => c.toJSON() as unknown),
            ...(response.isError ? { isError: true } : {}),
        };
    };
    const call = (name: string, args: unknown) => ({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name, arguments: args },
    });

    for (const tool of tools) {
        const [first] = tool.arguments;
        if (!first) continue;
        it(`${tool.name}: an argument of the wrong type gets the handler's tool error`, async () => {
            const args = Object.fromEntries(
                tool.arguments.filter((a) => a.required).map((a) => [a.name, a.type === "string" ? "x" : 1]),
            );
            args[first.name] = first.type === "string" ? 42 : "not-a-number";
            const answer = JSON.parse(await verdict("mcpInvalid", call(tool.name, args))) as {
                result?: unknown;
            };
            assert.deepEqual(answer.result, await handlerAnswer(tool.name, tool.name, args));
        });
    }

    it("a missing required argument: the extension's JSON-RPC -32602, before any handler", async () => {
        const answer = JSON.parse(
            await verdict("mcpInvalid", call("save_snippet", { snippet: "x", extra: 1 })),
        ) as { error?: { code: number; message: string } };
        assert.deepEqual(answer.error, {
            code: -32602,
            message: "One or more required tool properties are missing values. Please provide: snippetname",
        });
    });

    it("an unknown tool, a case variant of a catalog name included: the extension's -32602", async () => {
        for (const name of ["no_such_tool", "SAVE_SNIPPET"]) {
            const unknown = JSON.parse(
                await verdict("unknownToolAnswer", call(name, { snippetname: "gw-case", snippet: "x" })),
            ) as { error?: unknown };
            assert.deepEqual(unknown.error, { code: -32602, message: `Unknown tool: '${name}'` });
        }
    });
});
