import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
    Client as ModernClient,
    StreamableHTTPClientTransport as ModernHttpTransport,
} from "@modelcontextprotocol/client";
import { decodeJwt } from "jose";
import {
    allAppRoles,
    forwardedCallerHeader,
    gatewayRole,
    toolRoles,
    type ToolName,
} from "functions-app/contract";
import { endpointsFor, localAgentToken, parseArgs, runSmoke } from "functions-app/smoke";
import { modernProtocolVersions } from "functions-app/revisions";
import { startLocalControlPlane, type LocalControlPlane } from "../src/harness";
import { devStackSource } from "./support/dev-stack";

/** Requests sent through the local gateway running the dev stack's rendered policies. */
describe("local gateway: the dev stack's policies in front of the tool host (auth on)", function () {
    this.timeout(120_000);
    let plane: LocalControlPlane;
    let agentClientId: (name: string) => string;

    before(async () => {
        plane = await startLocalControlPlane({ source: await devStackSource(), recordBackend: true });
        agentClientId = (name) => plane.source.agents.find((a) => a.name === name)!.clientId;
    });
    after(async () => plane?.stop());

    const mcpHeaders = (token?: string, extra: Record<string, string> = {}) => ({
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...extra,
    });
    const call = (name: string, args: Record<string, unknown> = {}) =>
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
    /** Arguments each tool accepts: the gateway refuses calls its input schema refuses. */
    const validArguments: Readonly<Record<ToolName, Record<string, unknown>>> = {
        hello_mcp: {},
        save_snippet: { snippetname: "roles-check", snippet: "x" },
        get_snippet: { snippetname: "roles-check" },
        list_snippets: {},
        analyze_incident: {
            incident: { incidentId: "INC-1", severity: "Low", entities: [], alertContext: {} },
        },
        memory_save: { key: "roles-check", text: "x" },
        memory_recall: { key: "roles-check" },
        memory_forget: { key: "roles-check" },
        knowledge_search: { query: "roles" },
    };
    const post = (token: string | undefined, body: string, extra: Record<string, string> = {}) =>
        fetch(plane.urls.mcp, { method: "POST", headers: mcpHeaders(token, extra), body });
    /** Runs `send` and returns how many requests reached the backend meanwhile. */
    const backendCallsDuring = async <T>(send: () => Promise<T>): Promise<[T, number]> => {
        const before = plane.backendRequests().length;
        const result = await send();
        return [result, plane.backendRequests().length - before];
    };
    const appToken = (roles: string[], azp = "00000000-0000-4000-8000-00000000a0a0") =>
        plane.tokens.mint({ aud: plane.source.mcpAppClientId, azp, oid: azp, sub: azp, idtyp: "app", roles });

    describe("local Entra token endpoint", () => {
        it("issues a v2 app token for an agent of the stack file, by name or client id", async () => {
            for (const clientId of ["aws-support", agentClientId("aws-support")]) {
                const res = await fetch(plane.urls.token, {
                    method: "POST",
                    body: new URLSearchParams({
                        grant_type: "client_credentials",
                        client_id: clientId,
                        scope: `api://${plane.source.mcpAppClientId}/.default`,
                    }),
                });
                assert.equal(res.status, 200);
                const body = (await res.json()) as Record<string, unknown>;
                assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "token_type"]);
                assert.equal(body.token_type, "Bearer");
                assert.equal(body.expires_in, 3599);
                const claims = decodeJwt(body.access_token as string);
                assert.equal(claims.aud, plane.source.mcpAppClientId);
                assert.equal(claims.azp, agentClientId("aws-support"));
                assert.equal(claims.tid, plane.source.tenantId);
                assert.equal(claims.iss, plane.gateway.entra.issuer);
                assert.deepEqual(claims.roles, ["Tools.Invoke", "Snippets.Read", "Snippets.Write"]);
                assert.equal(claims.ver, "2.0");
                assert.equal((claims.exp as number) - (claims.iat as number), 3599);
            }
        });

        it("answers an unknown agent with 400 unauthorized_client (AADSTS700016), as Entra does", async () => {
            const res = await fetch(plane.urls.token, {
                method: "POST",
                body: new URLSearchParams({
                    grant_type: "client_credentials",
                    client_id: "nobody",
                    scope: "api://x/.default",
                }),
            });
            assert.equal(res.status, 400);
            const body = (await res.json()) as { error: string; error_codes: number[] };
            assert.equal(body.error, "unauthorized_client");
            assert.deepEqual(body.error_codes, [700016]);
        });
    });

    describe("token validation (validate-azure-ad-token)", () => {
        const challenge = () => `Bearer resource_metadata="${plane.urls.protectedResourceMetadata}"`;
        it("answers no token with 401 and a resource_metadata challenge, before the host", async () => {
            const [res, reached] = await backendCallsDuring(() => post(undefined, call("hello_mcp")));
            assert.equal(res.status, 401);
            assert.equal(res.headers.get("www-authenticate"), challenge());
            assert.equal(reached, 0);
        });
        const broken: [string, () => Promise<string>][] = [
            [
                "a wrong audience",
                () => plane.tokens.mint({ aud: "api://someone-else", azp: "x", roles: ["Tools.Invoke"] }),
            ],
            ["a foreign signing key", () => plane.tokens.agent("aws-support", { foreignKey: true })],
            ["an expired lifetime", () => plane.tokens.agent("aws-support", { expiresIn: -60 })],
            [
                "another tenant's issuer",
                () =>
                    plane.tokens.mint({
                        iss: "https://login.microsoftonline.com/other/v2.0",
                        aud: plane.source.mcpAppClientId,
                        roles: ["Tools.Invoke"],
                    }),
            ],
        ];
        for (const [label, make] of broken) {
            it(`answers a token with ${label} with 401`, async () => {
                const [res, reached] = await backendCallsDuring(async () =>
                    post(await make(), call("hello_mcp")),
                );
                assert.equal(res.status, 401);
                assert.equal(res.headers.get("www-authenticate"), challenge());
                assert.equal(reached, 0);
            });
        }
        it("admits a delegated user token with the MCP.Access scope, and still enforces tool roles", async () => {
            const user = "00000000-0000-4000-8000-00000000c0de";
            const token = await plane.tokens.mint({
                aud: plane.source.mcpAppClientId,
                azp: agentClientId("github-deployer"),
                oid: user,
                sub: "user-subject",
                scp: "MCP.Access",
            });
            const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
            assert.equal((await post(token, ping)).status, 200);
            const [res, reached] = await backendCallsDuring(() => post(token, call("hello_mcp")));
            assert.equal(res.status, 403, "a user with no app role cannot call a tool that needs one");
            assert.equal(reached, 0);
        });

        it("refuses a valid token with no MCP role or scope (403 insufficient_scope)", async () => {
            const res = await post(await appToken([]), call("hello_mcp"));
            assert.equal(res.status, 403);
            assert.match(res.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/);
        });
    });

    describe("per-tool roles", () => {
        for (const [tool, needed] of Object.entries(toolRoles) as [ToolName, string][]) {
            for (const role of allAppRoles) {
                const allowed = role === needed;
                it(`${tool} with only ${role}: ${allowed ? "reaches the host" : "403 before the host"}`, async () => {
                    const [res, reached] = await backendCallsDuring(async () =>
                        post(await appToken([role]), call(tool, validArguments[tool])),
                    );
                    if (allowed) {
                        assert.equal(res.status, 200, await res.clone().text());
                        assert.equal(reached, 1);
                    } else {
                        assert.equal(res.status, 403);
                        assert.match(res.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/);
                        const body = (await res.json()) as { error: string; error_description: string };
                        assert.equal(body.error, "insufficient_scope");
                        assert.match(body.error_description, new RegExp(needed.replace(".", "\\.")));
                        assert.equal(reached, 0);
                    }
                });
            }
        }
        it("refuses case-variant and unknown tool names before the host, as unknown tools", async () => {
            const token = await appToken(["Tools.Invoke"]);
            for (const name of ["SAVE_SNIPPET", "Save_Snippet", "Hello_MCP", "no_such_tool", "toString"]) {
                const [res, reached] = await backendCallsDuring(() =>
                    post(token, call(name, { snippetname: "x", snippet: "y" })),
                );
                // Streamable HTTP: a JSON-RPC answer to the call, which MCP clients surface as its error.
                assert.equal(res.status, 200, name);
                const body = (await res.json()) as { error?: { code: number; message: string } };
                assert.equal(body.error?.code, -32602, name);
                assert.equal(reached, 0, `${name} reached the host`);
            }
        });

        it("refuses bodies it cannot read unambiguously (case-variant member names) with 400", async () => {
            const body =
                '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"hello_mcp","Name":"save_snippet","arguments":{}}}';
            const [res, reached] = await backendCallsDuring(async () =>
                post(await appToken(["Tools.Invoke"]), body),
            );
            assert.equal(res.status, 400);
            assert.equal(reached, 0);
        });
    });

    describe("limits", () => {
        it("answers past an agent's limit with 429 and Retry-After; another agent's bucket is unaffected", async () => {
            const limit = 120; // rateLimitCalls in Pulumi.dev.yaml
            const greedy = await appToken(["Tools.Invoke"], "00000000-0000-4000-8000-0000000000a1");
            const other = await appToken(["Tools.Invoke"], "00000000-0000-4000-8000-0000000000b2");
            // Refused after the limit check (400, never forwarded), so the loop stays cheap.
            const invalid = "not json";
            let last: Response | undefined;
            for (let i = 0; i < limit; i++) {
                last = await post(greedy, invalid);
                assert.equal(last.status, 400, `request ${i + 1}`);
            }
            assert.equal(last!.headers.get("ratelimit-remaining"), "0");
            const over = await post(greedy, call("hello_mcp"));
            assert.equal(over.status, 429);
            const retryAfter = Number(over.headers.get("retry-after"));
            assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
            const fine = await post(other, call("hello_mcp"));
            assert.equal(fine.status, 200);
        });

        it("answers a body over the limit with 413 before the host", async () => {
            const big = call("save_snippet", { snippetname: "big", snippet: "x".repeat(300 * 1024) });
            const [res, reached] = await backendCallsDuring(async () =>
                post(await plane.tokens.agent("aws-support"), big),
            );
            assert.equal(res.status, 413);
            assert.equal(reached, 0);
        });
    });

    describe("what the backend receives", () => {
        it("gets the gateway's own token, the validated caller id and the correlation id, never the caller's token", async () => {
            const token = await plane.tokens.agent("aws-support");
            const [res, reached] = await backendCallsDuring(() =>
                post(token, call("hello_mcp"), {
                    [forwardedCallerHeader]: "spoofed-agent",
                    "x-correlation-id": "trace-123",
                }),
            );
            assert.equal(res.status, 200);
            assert.equal(reached, 1);
            assert.equal(res.headers.get("x-correlation-id"), "trace-123");
            const seen = plane.backendRequests().at(-1)!;
            assert.equal(seen.path, "/runtime/webhooks/mcp");
            assert.notEqual(seen.headers.authorization, `Bearer ${token}`);
            const backendClaims = decodeJwt(String(seen.headers.authorization).replace(/^Bearer /, ""));
            assert.deepEqual(backendClaims.roles, [gatewayRole]);
            assert.equal(backendClaims.aud, plane.source.namedValues.get("backend-audience"));
            assert.equal(backendClaims.oid, plane.source.gatewayObjectId);
            assert.equal(seen.headers[forwardedCallerHeader], agentClientId("aws-support"));
            assert.equal(seen.headers["x-correlation-id"], "trace-123");
        });

        it("the host refuses a caller's token sent to it directly (auth on, backend audience only)", async () => {
            const res = await fetch(plane.hostUrl + "/runtime/webhooks/mcp", {
                method: "POST",
                headers: mcpHeaders(await plane.tokens.agent("aws-support")),
                body: call("hello_mcp"),
            });
            assert.equal(res.status, 401);
        });
    });

    describe("transports and metadata", () => {
        for (const kind of ["streamable-http", "sse"] as const) {
            it(`the official MCP client works through the gateway over ${kind}`, async () => {
                const token = await plane.tokens.agent("aws-support");
                const headers = { authorization: `Bearer ${token}` };
                const client = new Client({ name: "local-gateway-test", version: "1.0.0" });
                const transport =
                    kind === "streamable-http"
                        ? new StreamableHTTPClientTransport(new URL(plane.urls.mcp), {
                              requestInit: { headers },
                          })
                        : new SSEClientTransport(new URL(plane.urls.mcpSse), {
                              requestInit: { headers },
                              eventSourceInit: {
                                  fetch: (u, init) =>
                                      fetch(u, { ...init, headers: { ...init?.headers, ...headers } }),
                              },
                          });
                await client.connect(transport);
                try {
                    const { tools } = await client.listTools();
                    assert.ok(tools.some((t) => t.name === "hello_mcp"));
                    const result = await client.callTool({ name: "hello_mcp", arguments: {} });
                    assert.equal((result.content as { text: string }[])[0]?.text, "Hello I am MCPTool!");
                } finally {
                    await client.close();
                }
                if (kind === "sse")
                    assert.ok(
                        plane.backendRequests().some((r) => r.path.startsWith("/runtime/webhooks/mcp/sse")),
                    );
            });
        }

        it("the v2 SDK client pinned to 2026-07-28 works through the gateway: discover, list, its tools; others refused", async () => {
            const token = await plane.tokens.agent("aws-support");
            const [modern] = modernProtocolVersions;
            assert.ok(modern);
            const client = new ModernClient(
                { name: "local-gateway-test", version: "2.0.0" },
                { versionNegotiation: { mode: { pin: modern } } },
            );
            await client.connect(
                new ModernHttpTransport(new URL(plane.urls.mcp), {
                    requestInit: { headers: { authorization: `Bearer ${token}` } },
                }),
            );
            try {
                assert.equal(client.getProtocolEra(), "modern");
                const { tools } = await client.listTools(undefined, { cacheMode: "bypass" });
                assert.ok(tools.some((t) => t.name === "save_snippet"));
                const text = (r: unknown): string => {
                    const [first] = (r as { content: { text: string }[] }).content;
                    assert.ok(first, "the result holds a content item");
                    return first.text;
                };
                assert.equal(
                    text(await client.callTool({ name: "hello_mcp", arguments: {} })),
                    "Hello I am MCPTool!",
                );
                await client.callTool({
                    name: "save_snippet",
                    arguments: { snippetname: "gw-modern", snippet: "v2 ✓" },
                });
                assert.equal(
                    text(
                        await client.callTool({
                            name: "get_snippet",
                            arguments: { snippetname: "gw-modern" },
                        }),
                    ),
                    "v2 ✓",
                );
                const listed = await client.callTool({
                    name: "list_snippets",
                    arguments: { prefix: "gw-modern" },
                });
                assert.match(text(listed), /gw-modern/);
                // aws-support does not hold Incidents.Analyze: the gateway refuses on the Mcp-Name header.
                await assert.rejects(
                    client.callTool({ name: "analyze_incident", arguments: { incident: {} } }),
                    /insufficient.scope/i,
                );
            } finally {
                await client.close();
            }
        });

        it("serves the protected resource metadata document without a token", async () => {
            const res = await fetch(plane.urls.protectedResourceMetadata);
            assert.equal(res.status, 200);
            const doc = (await res.json()) as Record<string, unknown>;
            assert.equal(doc.resource, plane.urls.mcp);
            assert.deepEqual(doc.scopes_supported, [`api://${plane.source.mcpAppClientId}/MCP.Access`]);
        });

        it("npm run smoke -- <gateway> --layout gateway --agent <name> passes, webhook included", async () => {
            const args = parseArgs([
                plane.urls.gateway,
                "--layout",
                "gateway",
                "--agent",
                "aks-incident-bot",
            ]);
            assert.equal(args.agent, "aks-incident-bot");
            const token = await localAgentToken(args.base, args.agent);
            const checks = await runSmoke(endpointsFor(args.base, args.layout), token);
            assert.deepEqual(
                checks.filter((c) => !c.ok),
                [],
            );
            const ran = checks.filter((c) => !c.detail.startsWith("skipped")).map((c) => c.name);
            assert.ok(
                ran.includes("webhook: invalid body gives 400") && ran.includes("sse: analyze_incident"),
                ran.join(", "),
            );
        });

        it("answers a path no operation matches with 404", async () => {
            const res = await fetch(plane.urls.gateway + "/nothing-here");
            assert.equal(res.status, 404);
        });
    });
});
