/**
 * The OAuth front door end to end (`mcpClientAuth: frontDoor`): the official SDK clients start from
 * a 401 on /mcp through the local gateway, discover the front door, register (or present a client
 * ID metadata document), go through consent and the local Entra sign-in, redeem the code, call
 * tools with the Entra token they were handed, and refresh. Then every refusal the front door owes,
 * each sent as a request.
 */
import * as assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    Client as V2Client,
    StreamableHTTPClientTransport as V2Transport,
    auth as v2Auth,
} from "@modelcontextprotocol/client";
import { auth as v1Auth, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as V1Transport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { makeLoopbackCertificate } from "functions-app/test-support/loopback-certificate";
import { startBanner } from "../../local-gateway/src/banner";
import { startLocalControlPlane, type LocalControlPlane } from "../../local-gateway/src/harness";
import { TestBrowser } from "./front-door-browser";
import { MemoryOAuthProvider } from "./front-door-clients";

const clientRedirect = "http://127.0.0.1:33418/callback";
const registrationCap = 8;

function pkce(): { verifier: string; challenge: string } {
    const verifier = randomBytes(32).toString("base64url");
    return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

describe("OAuth front door through the local gateway (mcpClientAuth: frontDoor)", function () {
    this.timeout(60_000);
    let plane: LocalControlPlane;
    let clockOffsetMs = 0;
    let documents: Server;
    let documentUrl: string;
    const documentBody: Record<string, unknown> = {};

    before(async () => {
        // The metadata document is served over https, as clients require.
        const certificates = mkdtempSync(join(tmpdir(), "cimd-"));
        const tls = await makeLoopbackCertificate(certificates);
        rmSync(certificates, { recursive: true, force: true });
        documents = createServer(tls, (req, res) => {
            if (req.url !== "/mcp-client.json") return void res.writeHead(404).end();
            const body = JSON.stringify(documentBody);
            res.writeHead(200, { "content-type": "application/json" }).end(body);
        });
        await new Promise<void>((resolve) => documents.listen(0, "127.0.0.1", resolve));
        documentUrl = `https://127.0.0.1:${(documents.address() as AddressInfo).port}/mcp-client.json`;
        Object.assign(documentBody, {
            client_id: documentUrl,
            client_name: "Metadata document client",
            redirect_uris: [clientRedirect],
            grant_types: ["authorization_code", "refresh_token"],
            response_types: ["code"],
            token_endpoint_auth_method: "none",
        });
        plane = await startLocalControlPlane({
            stack: "dev",
            configOverrides: { mcpClientAuth: "frontDoor" },
            frontDoor: {
                registrationCap,
                now: () => Date.now() + clockOffsetMs,
                documents: { allowLoopback: true, ca: tls.cert },
            },
        });
        sharedClientId = ((await (await register()).json()) as { client_id: string }).client_id;
    });
    after(async () => {
        await plane?.stop();
        documents?.close();
    });

    const issuer = () => plane.frontDoor!.issuer;
    /** One registered client for the refusal tests: registrations are capped and rate-limited per IP. */
    let sharedClientId = "";

    async function register(redirectUris: unknown = [clientRedirect]): Promise<Response> {
        return fetch(`${issuer()}/register`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
                client_name: "raw client",
                redirect_uris: redirectUris,
                token_endpoint_auth_method: "none",
            }),
        });
    }

    function authorizeUrl(
        clientId: string,
        challenge: string,
        overrides: Record<string, string> = {},
    ): string {
        const url = new URL(`${issuer()}/authorize`);
        url.search = new URLSearchParams({
            response_type: "code",
            client_id: clientId,
            redirect_uri: clientRedirect,
            code_challenge: challenge,
            code_challenge_method: "S256",
            state: "client-state-1",
            resource: plane.urls.mcp,
            ...overrides,
        }).toString();
        return url.toString();
    }

    async function token(
        form: Record<string, string>,
    ): Promise<{ status: number; body: Record<string, unknown> }> {
        const response = await fetch(`${issuer()}/token`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(form).toString(),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    /** A registered client and a fresh code for it, through consent and sign-in. */
    async function codeFor(
        browser = new TestBrowser(),
    ): Promise<{ clientId: string; code: string; verifier: string }> {
        const clientId = sharedClientId;
        const { verifier, challenge } = pkce();
        const back = await browser.signIn(authorizeUrl(clientId, challenge), clientRedirect);
        const code = back.searchParams.get("code");
        assert.ok(code, `redirected back with a code: ${back.href}`);
        return { clientId, code, verifier };
    }

    it("npm start's banner names the front door's issuer and metadata, and the metadata is served there", async () => {
        const banner = startBanner(plane, "dev", 1000);
        const named = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(banner)?.[1];
        assert.equal(named("Issuer"), plane.frontDoor!.issuer);
        const metadataUrl = named("Metadata \\(RFC 8414\\)");
        assert.ok(metadataUrl, banner);
        const response = await fetch(metadataUrl);
        assert.equal(response.status, 200);
        const metadata = (await response.json()) as { issuer?: string };
        assert.equal(metadata.issuer, plane.frontDoor!.issuer);
        assert.match(banner, /Signed-in user \(local\)\s+Local User: /);
    });

    it("SDK 1.x: 401 on /mcp -> discovery -> registration -> consent and sign-in -> code -> tools -> refresh", async () => {
        const provider = new MemoryOAuthProvider(clientRedirect);
        const first = new V1Transport(new URL(plane.urls.mcp), { authProvider: provider });
        await assert.rejects(
            new V1Client({ name: "fd-v1", version: "1.0.0" }).connect(first),
            UnauthorizedError,
        );
        assert.ok(provider.authorizationUrl, "the SDK asked to open the authorization URL");
        assert.equal(
            provider.authorizationUrl.origin + provider.authorizationUrl.pathname,
            `${issuer()}/authorize`,
        );
        assert.ok(provider.clientInformation()?.client_id, "registered dynamically");

        const browser = new TestBrowser();
        const back = await browser.signIn(provider.authorizationUrl.toString(), clientRedirect);
        assert.ok(browser.sawConsent(), "the user was asked before Entra");
        assert.equal(back.searchParams.get("state"), provider.lastState);
        assert.equal(back.searchParams.get("iss"), issuer(), "RFC 9207 iss");
        await first.finishAuth(back.searchParams.get("code")!);

        const client = new V1Client({ name: "fd-v1", version: "1.0.0" });
        await client.connect(new V1Transport(new URL(plane.urls.mcp), { authProvider: provider }));
        const tools = await client.listTools();
        assert.ok(tools.tools.some((t) => t.name === "hello_mcp"));
        const hello = await client.callTool({ name: "hello_mcp", arguments: {} });
        assert.notEqual(hello.isError, true, JSON.stringify(hello));
        await client.close();

        // The access token is Entra's own, for the MCP app, acting for the signed-in user.
        const access = provider.tokens()!.access_token;
        const [, payload = ""] = access.split(".");
        const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
        assert.equal(claims.scp, "MCP.Access");
        assert.equal(claims.aud, plane.source.mcpAppClientId);
        assert.equal(claims.oid, "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f");

        const oldRefresh = provider.tokens()!.refresh_token!;
        assert.equal(await v1Auth(provider, { serverUrl: plane.urls.mcp }), "AUTHORIZED");
        assert.notEqual(provider.tokens()!.refresh_token, oldRefresh, "refresh tokens rotate");
        assert.notEqual(provider.tokens()!.access_token, access);
        const again = new V1Client({ name: "fd-v1", version: "1.0.0" });
        await again.connect(new V1Transport(new URL(plane.urls.mcp), { authProvider: provider }));
        assert.ok((await again.listTools()).tools.length > 0);
        await again.close();
        const reused = await token({
            grant_type: "refresh_token",
            refresh_token: oldRefresh,
            client_id: String(provider.clientInformation()!.client_id),
        });
        assert.equal(reused.status, 400);
        assert.equal(reused.body.error, "invalid_grant");

        // Consent is remembered for this user and client: the next sign-in skips the page.
        const { challenge } = pkce();
        const second = new TestBrowser();
        // Same browser session as before (its session cookie names the user).
        const session = browser.cookieHeader();
        const response = await fetch(
            authorizeUrl(String(provider.clientInformation()!.client_id), challenge),
            { redirect: "manual", headers: { cookie: session } },
        );
        assert.equal(response.status, 302, "no consent page for a remembered decision");
        assert.match(response.headers.get("location") ?? "", /\/local-entra\//);
        // A browser without that session is asked again.
        const fresh = await second.request(
            authorizeUrl(String(provider.clientInformation()!.client_id), challenge),
        );
        assert.equal(fresh.status, 200);
        assert.match(await fresh.text(), /action="consent"/);
    });

    it("SDK 2.x: the same flow, with the RFC 9207 issuer checked by the client, and a refresh", async () => {
        const provider = new MemoryOAuthProvider(clientRedirect);
        const first = new V2Transport(new URL(plane.urls.mcp), { authProvider: provider });
        await assert.rejects(new V2Client({ name: "fd-v2", version: "2.0.0" }).connect(first));
        assert.ok(provider.authorizationUrl, "the SDK asked to open the authorization URL");
        const back = await new TestBrowser().signIn(provider.authorizationUrl.toString(), clientRedirect);
        await first.finishAuth(back.searchParams);
        const client = new V2Client({ name: "fd-v2", version: "2.0.0" });
        await client.connect(new V2Transport(new URL(plane.urls.mcp), { authProvider: provider }));
        const tools = await client.listTools();
        assert.ok(tools.tools.some((t) => t.name === "hello_mcp"));
        const hello = await client.callTool({ name: "hello_mcp", arguments: {} });
        assert.notEqual(hello.isError, true, JSON.stringify(hello));
        await client.close();
        const oldRefresh = provider.tokens()!.refresh_token;
        assert.equal(await v2Auth(provider, { serverUrl: plane.urls.mcp }), "AUTHORIZED");
        assert.notEqual(provider.tokens()!.refresh_token, oldRefresh);
    });

    it("SDK 1.x with a client ID metadata document: no registration, the document's URL is the client id", async () => {
        const provider = new MemoryOAuthProvider(clientRedirect, documentUrl);
        const first = new V1Transport(new URL(plane.urls.mcp), { authProvider: provider });
        await assert.rejects(
            new V1Client({ name: "fd-cimd", version: "1.0.0" }).connect(first),
            UnauthorizedError,
        );
        assert.equal(provider.authorizationUrl?.searchParams.get("client_id"), documentUrl);
        const browser = new TestBrowser();
        const back = await browser.signIn(provider.authorizationUrl.toString(), clientRedirect);
        const consent = browser.visited.find((v) => v.body?.includes('action="consent"'));
        assert.match(consent?.body ?? "", /Metadata document client/);
        assert.match(consent?.body ?? "", /published by <strong>127\.0\.0\.1:/);
        await first.finishAuth(back.searchParams.get("code")!);
        const client = new V1Client({ name: "fd-cimd", version: "1.0.0" });
        await client.connect(new V1Transport(new URL(plane.urls.mcp), { authProvider: provider }));
        assert.ok((await client.callTool({ name: "hello_mcp", arguments: {} })).content);
        await client.close();
        assert.equal(await v1Auth(provider, { serverUrl: plane.urls.mcp }), "AUTHORIZED");
    });

    it("refuses a wrong code_verifier, and the code is spent by that attempt", async () => {
        const { clientId, code, verifier } = await codeFor();
        const wrong = await token({
            grant_type: "authorization_code",
            code,
            client_id: clientId,
            redirect_uri: clientRedirect,
            code_verifier: pkce().verifier,
        });
        assert.equal(wrong.status, 400);
        assert.equal(wrong.body.error, "invalid_grant");
        assert.match(String(wrong.body.error_description), /code_verifier/);
        const right = await token({
            grant_type: "authorization_code",
            code,
            client_id: clientId,
            redirect_uri: clientRedirect,
            code_verifier: verifier,
        });
        assert.equal(right.body.error, "invalid_grant");
    });

    it("redeems a code once: of concurrent redemptions exactly one succeeds, a later one is refused", async () => {
        const { clientId, code, verifier } = await codeFor();
        const form = {
            grant_type: "authorization_code",
            code,
            client_id: clientId,
            redirect_uri: clientRedirect,
            code_verifier: verifier,
        };
        const answers = await Promise.all(Array.from({ length: 5 }, () => token(form)));
        assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400, 400, 400, 400]);
        const later = await token(form);
        assert.equal(later.body.error, "invalid_grant");
    });

    it("refuses an expired code", async () => {
        const { clientId, code, verifier } = await codeFor();
        clockOffsetMs = 301_000;
        try {
            const late = await token({
                grant_type: "authorization_code",
                code,
                client_id: clientId,
                redirect_uri: clientRedirect,
                code_verifier: verifier,
            });
            assert.equal(late.status, 400);
            assert.equal(late.body.error, "invalid_grant");
        } finally {
            clockOffsetMs = 0;
        }
    });

    it("refuses a redirect URI other than the registered one, showing an error instead of redirecting", async () => {
        const clientId = sharedClientId;
        for (const redirect of [
            "https://attacker.example/cb",
            "http://127.0.0.1:33418/other",
            clientRedirect + "?x=1",
        ]) {
            const response = await fetch(
                authorizeUrl(clientId, pkce().challenge, { redirect_uri: redirect }),
                { redirect: "manual" },
            );
            assert.equal(response.status, 400, redirect);
            assert.equal(response.headers.get("location"), null, "no redirect to an unregistered URI");
            assert.match(await response.text(), /not a redirect URI of this client/);
        }
        // A loopback redirect on another port is the same registration (RFC 8252 §7.3).
        const otherPort = await fetch(
            authorizeUrl(clientId, pkce().challenge, { redirect_uri: "http://127.0.0.1:50123/callback" }),
            { redirect: "manual" },
        );
        assert.equal(otherPort.status, 200);
        // At /token the redirect URI must be the authorization request's, exactly.
        const { clientId: id2, code, verifier } = await codeFor();
        const mismatch = await token({
            grant_type: "authorization_code",
            code,
            client_id: id2,
            redirect_uri: "http://127.0.0.1:50123/callback",
            code_verifier: verifier,
        });
        assert.equal(mismatch.body.error, "invalid_grant");
    });

    it("refuses an unregistered client at /authorize and /token", async () => {
        const response = await fetch(authorizeUrl("not-a-registered-client", pkce().challenge), {
            redirect: "manual",
        });
        assert.equal(response.status, 400);
        assert.equal(response.headers.get("location"), null);
        assert.match(await response.text(), /not registered/);
        const { code, verifier } = await codeFor();
        const other = await token({
            grant_type: "authorization_code",
            code,
            client_id: "not-a-registered-client",
            redirect_uri: clientRedirect,
            code_verifier: verifier,
        });
        assert.equal(other.body.error, "invalid_grant");
    });

    it("refuses a callback whose state it did not issue, and a replayed callback", async () => {
        const unknown = await fetch(
            `${issuer()}/callback?code=abc&state=${randomBytes(32).toString("base64url")}`,
            { redirect: "manual" },
        );
        assert.equal(unknown.status, 400);
        assert.match(await unknown.text(), /state does not match/);
        // Capture the real callback URL, use it, then replay it.
        const clientId = sharedClientId;
        const browser = new TestBrowser();
        let callback = "";
        const original = browser.request.bind(browser);
        browser.request = (url, init) => {
            if (url.includes("/oauth/callback")) callback = url;
            return original(url, init);
        };
        await browser.signIn(authorizeUrl(clientId, pkce().challenge), clientRedirect);
        const replay = await fetch(callback, { redirect: "manual" });
        assert.equal(replay.status, 400);
    });

    it("refuses consent posted without the page's CSRF cookie", async () => {
        const clientId = sharedClientId;
        const page = await fetch(authorizeUrl(clientId, pkce().challenge));
        const html = await page.text();
        const field = (name: string) => {
            const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
            assert.ok(value !== undefined, `the consent page has ${name}`);
            return value;
        };
        const forged = await fetch(`${issuer()}/consent`, {
            method: "POST",
            redirect: "manual",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({
                transaction: field("transaction"),
                csrf: field("csrf"),
                decision: "approve",
            }).toString(),
        });
        assert.equal(forged.status, 403);
        assert.equal(page.headers.get("x-frame-options"), "DENY");
        assert.match(page.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    });

    it("sends the client back with access_denied when the user denies consent, before any sign-in", async () => {
        const clientId = sharedClientId;
        const browser = new TestBrowser();
        const back = await browser.signIn(authorizeUrl(clientId, pkce().challenge), clientRedirect, "deny");
        assert.equal(back.searchParams.get("error"), "access_denied");
        assert.equal(back.searchParams.get("state"), "client-state-1");
        assert.equal(back.searchParams.get("iss"), issuer());
        assert.ok(!browser.visited.some((v) => v.url.includes("/local-entra/")), "Entra was never reached");
    });

    it("refuses PKCE other than S256 and a resource other than the MCP endpoint, back at the client", async () => {
        const clientId = sharedClientId;
        const plain = await fetch(
            authorizeUrl(clientId, "x".repeat(43), { code_challenge_method: "plain" }),
            { redirect: "manual" },
        );
        assert.equal(new URL(plain.headers.get("location")!).searchParams.get("error"), "invalid_request");
        const foreign = await fetch(
            authorizeUrl(clientId, pkce().challenge, { resource: "https://other.example/mcp" }),
            { redirect: "manual" },
        );
        assert.equal(new URL(foreign.headers.get("location")!).searchParams.get("error"), "invalid_target");
    });

    it("refuses plain-http redirect URIs that are not loopback, and other schemes", async () => {
        for (const uri of [
            "http://example.com/cb",
            "http://10.0.0.5/cb",
            "javascript:alert(1)",
            "https://ok.example/cb#frag",
        ]) {
            const response = await register([uri]);
            assert.equal(response.status, 400, uri);
            assert.equal(((await response.json()) as { error: string }).error, "invalid_redirect_uri", uri);
        }
    });

    it("refuses registrations past the cap", async () => {
        let refused: Response | undefined;
        for (let i = 0; i <= registrationCap && !refused; i++) {
            const response = await register();
            if (response.status !== 201) refused = response;
        }
        assert.ok(refused, `a registration past ${registrationCap} is refused`);
        assert.equal(refused.status, 403);
        assert.match(
            ((await refused.json()) as { error_description: string }).error_description,
            new RegExp(`limit of ${registrationCap}`),
        );
    });

    it("limits registrations per caller IP at the gateway (429 with Retry-After)", async () => {
        let limited: Response | undefined;
        for (let i = 0; i < 25 && !limited; i++) {
            const response = await register();
            if (response.status === 429) limited = response;
        }
        assert.ok(limited, "the gateway's per-IP limit answered 429");
        assert.ok(Number(limited.headers.get("retry-after")) > 0);
    });

    it("serves RFC 8414 metadata at the path-inserted URL, and the resource metadata points to it", async () => {
        const prm = (await (await fetch(plane.urls.protectedResourceMetadata)).json()) as {
            authorization_servers: string[];
        };
        assert.deepEqual(prm.authorization_servers, [issuer()]);
        const metadata = (await (await fetch(plane.frontDoor!.metadataUrl)).json()) as Record<
            string,
            unknown
        >;
        assert.equal(metadata.issuer, issuer());
        assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
        assert.equal(metadata.client_id_metadata_document_supported, true);
        assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    });

    it("is reachable on the backend only with the gateway's token", async () => {
        const direct = await fetch(`${plane.hostUrl}/api/oauth/metadata`);
        assert.equal(direct.status, 401);
    });
});
