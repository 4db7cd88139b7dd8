import assert from "node:assert/strict";
import { BlobServiceClient } from "@azure/storage-blob";
import {
    appRoles,
    backendPaths,
    delegatedScope,
    forwardedCallerHeader,
    forwardedRolesHeader,
    gatewayRole,
    snippetContainer,
    toolNames,
} from "../src/contract";
import { sampleIncidents } from "../src/sentinel";
import type { LocalStorage } from "../scripts/azurite";
import type { HostProcess } from "./support/host-process";
import { startHostOnAzurite } from "./support/host-on-azurite";
import { openEventStream } from "./support/sse-stream";
import { startTokenIssuer, type TokenIssuer } from "./support/token-issuer";

const audience = "11111111-2222-3333-4444-555555555555";
const clientApp = "cccccccc-0000-0000-0000-000000000003";
const gatewayApp = "99999999-0000-0000-0000-000000000009";

/**
 * Authorization on the Node host as an attacker probes it: the gateway's token with the roles it
 * asserts, tool names that are object keys, tokens that name nobody, and users of one client app.
 */
describe("Node host authorization (real process, tokens from a local JWKS)", function () {
    let storage: LocalStorage;
    let stopHost: () => Promise<number | null>;
    let issuer: TokenIssuer;
    let host: HostProcess;

    before(async () => {
        issuer = await startTokenIssuer();
        ({
            host,
            storage,
            stop: stopHost,
        } = await startHostOnAzurite(() => ({
            AUTH_ISSUER: issuer.issuer,
            AUTH_AUDIENCE: audience,
            AUTH_JWKS_URI: issuer.jwksUri,
        })));
    });

    after(async () => {
        await Promise.all([stopHost?.(), issuer?.close()]);
    });

    const gatewayToken = () => issuer.sign({ aud: audience, azp: gatewayApp, roles: [gatewayRole] });
    const appToken = (app: string, roles: string[]) => issuer.sign({ aud: audience, azp: app, roles });
    const userToken = (oid: string, roles: string[]) =>
        issuer.sign({ aud: audience, azp: clientApp, oid, sub: `sub-${oid}`, scp: delegatedScope, roles });

    const call = (id: number | string, name: string, args: Record<string, unknown> = {}) => ({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name, arguments: args },
    });
    const mcpPost = (token: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(host.url + backendPaths.mcpStreamable, {
            method: "POST",
            headers: {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                authorization: `Bearer ${token}`,
                ...headers,
            },
            body: JSON.stringify(body),
        });

    const blobs = () =>
        BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(snippetContainer);
    const savedBy = async (name: string) =>
        (await blobs().getBlockBlobClient(`${name}.json`).getProperties()).metadata?.savedby;
    const exists = (name: string) => blobs().getBlockBlobClient(`${name}.json`).exists();

    describe("behind the gateway (its token, the roles it asserts)", () => {
        const save = (name: string) => call(1, toolNames.saveSnippet, { snippetname: name, snippet: "x" });
        const viaGateway = async (body: unknown, roles: string | undefined) =>
            mcpPost(await gatewayToken(), body, {
                [forwardedCallerHeader]: "agent-with-roles",
                ...(roles === undefined ? {} : { [forwardedRolesHeader]: roles }),
            });

        it("refuses a tool whose role the gateway did not assert (fast path)", async () => {
            const res = await viaGateway(save("gw-fast"), appRoles.toolsInvoke);
            assert.equal(res.status, 403);
            assert.match(res.headers.get("www-authenticate") ?? "", /scope="Snippets.Write"/);
            assert.equal(await exists("gw-fast"), false);
        });

        it("refuses it on the SDK path too (a call with _meta)", async () => {
            const body = call(2, toolNames.saveSnippet, { snippetname: "gw-sdk", snippet: "x" });
            const withMeta = { ...body, params: { ...body.params, _meta: { progressToken: 1 } } };
            const res = await viaGateway(withMeta, appRoles.toolsInvoke);
            assert.equal(res.status, 403);
            assert.equal(await exists("gw-sdk"), false);
        });

        it("refuses a modern (2026-07-28) call without its role and runs it with the role", async () => {
            const modern = (name: string) => {
                const body = save(name);
                const meta = {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {},
                };
                return { ...body, params: { ...body.params, _meta: meta } };
            };
            const headers = (roles: string) => ({
                [forwardedCallerHeader]: "modern-agent",
                [forwardedRolesHeader]: roles,
                "mcp-protocol-version": "2026-07-28",
                "mcp-method": "tools/call",
                "mcp-name": toolNames.saveSnippet,
            });
            const denied = await mcpPost(
                await gatewayToken(),
                modern("gw-modern-denied"),
                headers(appRoles.toolsInvoke),
            );
            assert.equal(denied.status, 403);
            assert.equal(await exists("gw-modern-denied"), false);
            const allowed = await mcpPost(
                await gatewayToken(),
                modern("gw-modern-ok"),
                headers(appRoles.snippetsWrite),
            );
            assert.equal(allowed.status, 200);
            assert.equal(await savedBy("gw-modern-ok"), "modern-agent");
        });

        it("refuses a batch in which one call lacks its role, running none of it", async () => {
            const batch = [call(1, toolNames.hello), save("gw-batch")];
            const res = await viaGateway(batch, appRoles.toolsInvoke);
            assert.equal(res.status, 403);
            assert.equal(await exists("gw-batch"), false);
        });

        it("grants no role when the roles header is absent", async () => {
            const res = await viaGateway(call(3, toolNames.hello), undefined);
            assert.equal(res.status, 403);
        });

        it("ignores anything in the roles header that is not an MCP app role", async () => {
            const res = await viaGateway(save("gw-junk"), `${gatewayRole}, Snippets.Write.All,*`);
            assert.equal(res.status, 403);
        });

        it("runs the tool with the asserted role, saved by the forwarded agent", async () => {
            const res = await viaGateway(save("gw-ok"), `${appRoles.toolsInvoke}, ${appRoles.snippetsWrite}`);
            assert.equal(res.status, 200);
            const body = (await res.json()) as { result: { isError?: boolean } };
            assert.equal(body.result.isError, undefined);
            assert.equal(await savedBy("gw-ok"), "agent-with-roles");
        });

        it("requires the asserted incident role for the Sentinel webhook", async () => {
            const post = async (roles: string) =>
                fetch(host.url + backendPaths.sentinelWebhook, {
                    method: "POST",
                    headers: {
                        "content-type": "application/json",
                        authorization: `Bearer ${await gatewayToken()}`,
                        [forwardedCallerHeader]: "playbook",
                        [forwardedRolesHeader]: roles,
                    },
                    body: JSON.stringify(sampleIncidents[0]),
                });
            assert.equal((await post(appRoles.toolsInvoke)).status, 403);
            assert.equal((await post(appRoles.incidentsAnalyze)).status, 200);
        });

        it("does not take the roles header from a caller's own token", async () => {
            const token = await appToken(clientApp, [appRoles.toolsInvoke]);
            const res = await mcpPost(token, save("self-asserted"), {
                [forwardedRolesHeader]: appRoles.snippetsWrite,
            });
            assert.equal(res.status, 403);
            assert.equal(await exists("self-asserted"), false);
        });
    });

    describe("tool names that are object keys", () => {
        for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf"]) {
            it(`answers '${name}' as an unknown tool (-32602) on both paths`, async () => {
                const token = await appToken(clientApp, [appRoles.toolsInvoke]);
                const fast = call(1, name);
                const sdk = { ...fast, params: { ...fast.params, _meta: {} } };
                for (const body of [fast, sdk]) {
                    const res = await mcpPost(token, body);
                    assert.equal(res.status, 200, `${name}: ${res.headers.get("www-authenticate")}`);
                    const answer = (await res.json()) as { error?: { code: number; message: string } };
                    assert.equal(answer.error?.code, -32602);
                    assert.match(answer.error?.message ?? "", /Unknown tool/);
                }
            });
        }
    });

    it("answers an object-key tool name over SSE as an unknown tool, down the stream", async () => {
        const token = await appToken(clientApp, [appRoles.toolsInvoke]);
        const stream = await openEventStream(host.url + backendPaths.mcpSse, {
            authorization: `Bearer ${token}`,
        });
        try {
            const endpoint = await stream.next();
            const res = await fetch(new URL(endpoint.data, host.url + backendPaths.mcpSse), {
                method: "POST",
                headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
                body: JSON.stringify(call(5, "__proto__")),
            });
            assert.equal(res.status, 202);
            const answer = JSON.parse((await stream.next()).data) as {
                id: number;
                error?: { code: number };
            };
            assert.equal(answer.id, 5);
            assert.equal(answer.error?.code, -32602);
        } finally {
            await stream.close();
        }
    });

    describe("tokens that name no caller", () => {
        it("refuses a token without azp, appid, oid and sub (401 invalid_token)", async () => {
            const token = await issuer.sign({ aud: audience, roles: [appRoles.toolsInvoke] });
            const res = await mcpPost(token, call(1, toolNames.hello));
            assert.equal(res.status, 401);
            const challenge = res.headers.get("www-authenticate") ?? "";
            assert.match(challenge, /error="invalid_token"/);
            assert.match(challenge, /names no client application/);
            const sse = await fetch(host.url + backendPaths.mcpSse, {
                headers: { authorization: `Bearer ${token}` },
            });
            assert.equal(sse.status, 401);
        });

        it("refuses a delegated token without oid", async () => {
            const token = await issuer.sign({
                aud: audience,
                azp: clientApp,
                sub: "pairwise-subject",
                scp: delegatedScope,
                roles: [appRoles.toolsInvoke],
            });
            const res = await mcpPost(token, call(1, toolNames.hello));
            assert.equal(res.status, 401);
            assert.match(res.headers.get("www-authenticate") ?? "", /names no user/);
        });
    });

    describe("who the caller is", () => {
        /** Opens an SSE stream and returns where its messages go, and the stream's events. */
        const openSession = async (token: string) => {
            const stream = await openEventStream(host.url + backendPaths.mcpSse, {
                authorization: `Bearer ${token}`,
            });
            const endpoint = await stream.next();
            assert.equal(endpoint.event, "endpoint");
            const postUrl = new URL(endpoint.data, host.url + backendPaths.mcpSse);
            return { stream, postUrl };
        };
        const postMessage = (url: URL, token: string, body: unknown) =>
            fetch(url, {
                method: "POST",
                headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
                body: JSON.stringify(body),
            });

        it("keys delegated tokens on the user: another user of the same app cannot post into a session", async () => {
            const alice = await userToken("0000aaaa-0000-0000-0000-00000000a11c", [appRoles.toolsInvoke]);
            const bob = await userToken("0000bbbb-0000-0000-0000-000000000b0b", [appRoles.toolsInvoke]);
            const { stream, postUrl } = await openSession(alice);
            try {
                const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
                assert.equal((await postMessage(postUrl, bob, ping)).status, 404);
                assert.equal((await postMessage(postUrl, alice, ping)).status, 202);
                const answer = await stream.next();
                assert.deepEqual(JSON.parse(answer.data), {
                    jsonrpc: "2.0",
                    id: 1,
                    result: {},
                });
            } finally {
                await stream.close();
            }
        });

        it("refuses a tool without its role over SSE too", async () => {
            const alice = await userToken("0000aaaa-0000-0000-0000-00000000a11c", [appRoles.toolsInvoke]);
            const { stream, postUrl } = await openSession(alice);
            try {
                const res = await postMessage(
                    postUrl,
                    alice,
                    call(1, toolNames.saveSnippet, { snippetname: "sse-denied", snippet: "x" }),
                );
                assert.equal(res.status, 403);
                assert.equal(await exists("sse-denied"), false);
            } finally {
                await stream.close();
            }
        });

        it("records the user, not the client app, as the one who saved", async () => {
            const oid = "0000cccc-0000-0000-0000-00000000ca11";
            const token = await userToken(oid, [appRoles.toolsInvoke, appRoles.snippetsWrite]);
            const res = await mcpPost(
                token,
                call(1, toolNames.saveSnippet, { snippetname: "by-user", snippet: "x" }),
            );
            assert.equal(res.status, 200);
            assert.equal(await savedBy("by-user"), oid);
        });

        it("keys an app-only token on its app, even when it carries oid and sub", async () => {
            const token = await issuer.sign({
                aud: audience,
                azp: clientApp,
                oid: "service-principal-object-id",
                sub: "service-principal-object-id",
                roles: [appRoles.toolsInvoke, appRoles.snippetsWrite],
            });
            const res = await mcpPost(
                token,
                call(1, toolNames.saveSnippet, { snippetname: "by-app", snippet: "x" }),
            );
            assert.equal(res.status, 200);
            assert.equal(await savedBy("by-app"), clientApp);
        });

        it("keys a v1 app-only token (appid, no azp) on its app", async () => {
            const token = await issuer.sign({
                aud: audience,
                appid: clientApp,
                oid: "service-principal-object-id",
                roles: [appRoles.toolsInvoke, appRoles.snippetsWrite],
            });
            const res = await mcpPost(
                token,
                call(1, toolNames.saveSnippet, { snippetname: "by-v1-app", snippet: "x" }),
            );
            assert.equal(res.status, 200);
            assert.equal(await savedBy("by-v1-app"), clientApp);
        });
    });
});
