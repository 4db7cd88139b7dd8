/**
 * The gateway answers what it refuses as the host would (SEP-1303: invalid arguments are tool
 * errors the model can correct; an unknown tool or malformed params stay JSON-RPC errors). For every
 * catalog tool, the same invalid call goes once straight to the tool host (as the gateway would send
 * it: its managed-identity token, the caller's id and roles asserted) and once through the local
 * gateway, in both eras; the answers must be the same, status and body.
 */
import * as assert from "node:assert/strict";
import { allAppRoles, forwardedCallerHeader, forwardedRolesHeader } from "functions-app/contract";
import { tools } from "functions-app/catalog";
import { metaKeys, modernProtocolVersions } from "functions-app/revisions";
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

describe("the gateway answers invalid calls as the tool host does", function () {
    this.timeout(120_000);
    let plane: LocalControlPlane | undefined;
    let viaGateway: (call: Call) => Promise<Answer>;
    let toHost: (call: Call) => Promise<Answer>;

    before(async () => {
        const dev = await synthesize(shippedStack("dev"));
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

    it("arguments that are not an object: JSON-RPC -32602 in both, as malformed params", async () => {
        for (const call of [legacyCall, modernCall]) {
            const [host, gateway] = [
                await toHost(call("hello_mcp", "text")),
                await viaGateway(call("hello_mcp", "text")),
            ];
            assert.equal(gateway.status, host.status);
            const code = (a: Answer) => (a.body as { error?: { code?: number } }).error?.code;
            assert.equal(code(gateway), -32602);
            assert.equal(code(host), -32602);
        }
    });
});
