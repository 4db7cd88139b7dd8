import assert from "node:assert/strict";
import {
    appRoles,
    backendPaths,
    forwardedCallerHeader,
    forwardedRolesHeader,
    gatewayRole,
    toolNames,
} from "../src/contract";
import { sampleIncidents } from "../src/sentinel";
import type { HostProcess } from "./support/host-process";
import { startHostOnAzurite } from "./support/host-on-azurite";
import { connectClient, textOf } from "./support/mcp-clients";
import { startTokenIssuer, type TokenIssuer } from "./support/token-issuer";

const audience = "11111111-2222-3333-4444-555555555555";
const agent = "aaaaaaaa-0000-0000-0000-000000000001";

describe("Node host with auth on (tokens from a local JWKS)", function () {
    let stopHost: () => Promise<number | null>;
    let issuer: TokenIssuer;
    let host: HostProcess;
    let metadataUrl: string;

    before(async () => {
        issuer = await startTokenIssuer();
        ({ host, stop: stopHost } = await startHostOnAzurite(() => ({
            AUTH_ISSUER: issuer.issuer,
            AUTH_AUDIENCE: audience,
            AUTH_JWKS_URI: issuer.jwksUri,
            AUTH_SCOPES: `api://${audience}/MCP.Access`,
        })));
        metadataUrl = host.url + backendPaths.protectedResourceMetadata;
    });

    after(async () => {
        await Promise.all([stopHost?.(), issuer?.close()]);
    });

    const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
    const mcpPost = (token: string | undefined, body = ping) =>
        fetch(host.url + backendPaths.mcpStreamable, {
            method: "POST",
            headers: {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            body,
        });
    const agentToken = (roles: string[], extra: Record<string, unknown> = {}) =>
        issuer.sign({ aud: audience, azp: agent, sub: agent, roles, ...extra });

    it("publishes Protected Resource Metadata", async () => {
        const res = await fetch(metadataUrl);
        assert.equal(res.status, 200);
        const doc = (await res.json()) as Record<string, unknown>;
        assert.equal(doc.resource, host.url + backendPaths.mcpStreamable);
        assert.deepEqual(doc.authorization_servers, [issuer.issuer]);
        assert.deepEqual(doc.scopes_supported, [`api://${audience}/MCP.Access`]);
    });

    it("answers a request without a token with 401 naming the metadata URL", async () => {
        const res = await mcpPost(undefined);
        assert.equal(res.status, 401);
        assert.equal(res.headers.get("www-authenticate"), `Bearer resource_metadata="${metadataUrl}"`);
    });

    const rejected: [string, () => Promise<string> | string][] = [
        [
            "wrong audience",
            () => issuer.sign({ aud: "api://someone-else", azp: agent, roles: [appRoles.toolsInvoke] }),
        ],
        [
            "wrong issuer",
            () =>
                issuer.sign({
                    aud: audience,
                    iss: "https://login.example/other/v2.0",
                    azp: agent,
                    roles: [appRoles.toolsInvoke],
                }),
        ],
        [
            "expired",
            () =>
                issuer.sign(
                    { aud: audience, azp: agent, roles: [appRoles.toolsInvoke] },
                    { expiresIn: Math.floor(Date.now() / 1000) - 600 },
                ),
        ],
        ["alg none", () => issuer.unsigned({ aud: audience, azp: agent, roles: [appRoles.toolsInvoke] })],
        ["HS256", () => issuer.hs256({ aud: audience, azp: agent, roles: [appRoles.toolsInvoke] })],
        [
            "unknown key",
            () =>
                issuer.sign({ aud: audience, azp: agent, roles: [appRoles.toolsInvoke] }, { key: "unknown" }),
        ],
        ["garbage", () => "not-a-jwt"],
    ];
    for (const [label, make] of rejected) {
        it(`rejects a token with ${label} (401, invalid_token)`, async () => {
            const res = await mcpPost(await make());
            assert.equal(res.status, 401);
            const challenge = res.headers.get("www-authenticate") ?? "";
            assert.match(challenge, /^Bearer /);
            assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`), challenge);
            assert.match(challenge, /error="invalid_token"/);
        });
    }

    it("refuses a valid token that grants none of the app's roles (403)", async () => {
        const res = await mcpPost(await agentToken([]));
        assert.equal(res.status, 403);
        assert.match(res.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/);
    });

    it("accepts a valid token (200)", async () => {
        const res = await mcpPost(await agentToken([appRoles.toolsInvoke]));
        assert.equal(res.status, 200);
    });

    it("refuses a tool call without the tool's role (403) and allows it with the role", async () => {
        const call = JSON.stringify({
            jsonrpc: "2.0",
            id: 7,
            method: "tools/call",
            params: { name: toolNames.saveSnippet, arguments: { snippetname: "x", snippet: "y" } },
        });
        const denied = await mcpPost(await agentToken([appRoles.toolsInvoke, appRoles.snippetsRead]), call);
        assert.equal(denied.status, 403);
        assert.match(denied.headers.get("www-authenticate") ?? "", /scope="Snippets.Write"/);
        const allowed = await mcpPost(await agentToken([appRoles.toolsInvoke, appRoles.snippetsWrite]), call);
        assert.equal(allowed.status, 200);
        const body = (await allowed.json()) as { result: { isError?: boolean } };
        assert.equal(body.result.isError, undefined);
    });

    it("trusts the gateway's own token (Backend.Invoke) with the roles it asserts, naming the forwarded agent", async () => {
        const gatewayToken = await issuer.sign({
            aud: audience,
            azp: "gateway-identity",
            roles: [gatewayRole],
        });
        const call = JSON.stringify({
            jsonrpc: "2.0",
            id: 9,
            method: "tools/call",
            params: { name: toolNames.saveSnippet, arguments: { snippetname: "via-gateway", snippet: "ok" } },
        });
        const res = await fetch(host.url + backendPaths.mcpStreamable, {
            method: "POST",
            headers: {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                authorization: `Bearer ${gatewayToken}`,
                [forwardedCallerHeader]: agent,
                [forwardedRolesHeader]: `${appRoles.toolsInvoke},${appRoles.snippetsWrite}`,
            },
            body: call,
        });
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as { result: { isError?: boolean } }).result.isError, undefined);
    });

    it("lets the official client work over both transports with a valid token", async () => {
        const token = await agentToken([appRoles.toolsInvoke, appRoles.snippetsRead, appRoles.snippetsWrite]);
        for (const kind of ["streamable-http", "sse"] as const) {
            const client = await connectClient(host.url, kind, token);
            try {
                const hello = await client.callTool({ name: toolNames.hello, arguments: {} });
                assert.equal(textOf(hello), "Hello I am MCPTool!");
            } finally {
                await client.close();
            }
        }
    });

    it("refuses an SSE message from a caller other than the session's owner", async () => {
        const owner = await agentToken([appRoles.toolsInvoke]);
        const stream = await fetch(host.url + backendPaths.mcpSse, {
            headers: { authorization: `Bearer ${owner}` },
        });
        assert.equal(stream.status, 200);
        const reader = stream.body!.getReader();
        const chunk: unknown = (await reader.read()).value;
        assert.ok(chunk instanceof Uint8Array, "the stream sent bytes");
        const endpoint = /data: (\S+)/.exec(new TextDecoder().decode(chunk))?.[1];
        assert.ok(endpoint, "the first event names the message endpoint");
        const other = await issuer.sign({
            aud: audience,
            azp: "bbbbbbbb-0000-0000-0000-000000000002",
            roles: [appRoles.toolsInvoke],
        });
        const res = await fetch(new URL(endpoint, host.url + backendPaths.mcpSse), {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${other}` },
            body: ping,
        });
        assert.equal(res.status, 404);
        await reader.cancel();
    });

    it("requires the incident role for the Sentinel webhook", async () => {
        const post = async (roles: string[]) =>
            fetch(host.url + backendPaths.sentinelWebhook, {
                method: "POST",
                headers: {
                    "content-type": "application/json",
                    authorization: `Bearer ${await agentToken(roles)}`,
                },
                body: JSON.stringify(sampleIncidents[0]),
            });
        assert.equal((await post([appRoles.toolsInvoke])).status, 403);
        assert.equal((await post([appRoles.incidentsAnalyze])).status, 200);
        const anonymous = await fetch(host.url + backendPaths.sentinelWebhook, { method: "POST" });
        assert.equal(anonymous.status, 401);
    });
});
