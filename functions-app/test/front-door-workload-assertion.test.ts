/**
 * The front door on AKS: its client assertion is the service account token the workload identity
 * webhook projects into the pod, read from AZURE_FEDERATED_TOKEN_FILE on every token request and
 * sent to Entra's token endpoint (here a local one) as is.
 */
import assert from "node:assert/strict";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientAssertionFor } from "../src/front-door/client-assertion";
import { readFrontDoorEnvironment, type FrontDoorEnvironment } from "../src/front-door/environment";
import { EntraUpstream } from "../src/front-door/upstream";

const frontDoorClientId = "00000000-0000-4000-8000-0000000000fd";

function serviceAccountToken(subject: string, exp: number): string {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    return [
        part({ alg: "RS256", kid: "k1" }),
        part({
            iss: "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/",
            sub: subject,
            aud: ["api://AzureADTokenExchange"],
            exp,
        }),
        Buffer.from("signature").toString("base64url"),
    ].join(".");
}

/** Entra's token endpoint as far as the front door sees it: records each form, answers with tokens. */
async function startTokenEndpoint(): Promise<{
    server: Server;
    authority: string;
    forms: URLSearchParams[];
}> {
    const forms: URLSearchParams[] = [];
    const server = createServer((req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (body += chunk));
        req.on("end", () => {
            forms.push(new URLSearchParams(body));
            res.writeHead(200, { "content-type": "application/json" });
            res.end(
                JSON.stringify({
                    token_type: "Bearer",
                    access_token: "a.b.c",
                    refresh_token: `refresh-${forms.length}`,
                    expires_in: 3599,
                }),
            );
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { server, authority: `http://127.0.0.1:${port}/tenant`, forms };
}

function aksSettings(authority: string, tokenFile: string | undefined): FrontDoorEnvironment {
    const read = readFrontDoorEnvironment({
        FRONT_DOOR_ISSUER: "https://apim.example.net/oauth",
        FRONT_DOOR_RESOURCE: "https://apim.example.net/mcp",
        FRONT_DOOR_CLIENT_ID: frontDoorClientId,
        FRONT_DOOR_AUTHORITY: authority,
        FRONT_DOOR_SCOPE: "api://mcp/MCP.Access",
        FRONT_DOOR_CLIENT_ASSERTION: "federated-token-file",
        AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    });
    assert.deepEqual(read.errors, []);
    assert.ok(read.settings);
    return read.settings;
}

describe("front door client assertion from the AKS workload identity token file", function () {
    this.timeout(10_000);
    let dir: string;
    let endpoint: Awaited<ReturnType<typeof startTokenEndpoint>>;
    const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

    before(async () => {
        dir = await mkdtemp(join(tmpdir(), "fd-wi-"));
        endpoint = await startTokenEndpoint();
    });
    after(async () => {
        await new Promise<void>((resolve) => endpoint.server.close(() => resolve()));
        await rm(dir, { recursive: true, force: true });
    });
    beforeEach(() => endpoint.forms.splice(0));

    function upstreamFor(tokenFile: string): EntraUpstream {
        const settings = aksSettings(endpoint.authority, tokenFile);
        return new EntraUpstream({
            authority: settings.authority,
            clientId: settings.clientId,
            scope: settings.scope,
            redirectUri: `${settings.issuer}/callback`,
            // The same wiring frontDoorFromEnvironment uses; no managed identity is involved.
            clientAssertion: clientAssertionFor(settings.clientAssertion, undefined),
        });
    }

    it("presents the projected token as the assertion, and the rotated one after the kubelet rewrites it", async () => {
        const tokenFile = join(dir, "azure-identity-token");
        const first = serviceAccountToken("system:serviceaccount:mcp-tools:mcp-tools", inAnHour());
        await writeFile(tokenFile, `${first}\n`);
        const upstream = upstreamFor(tokenFile);

        await upstream.redeemCode("code-1", "verifier-1");
        // The kubelet's atomic writer swaps the file in place.
        const second = serviceAccountToken("system:serviceaccount:mcp-tools:mcp-tools", inAnHour() + 60);
        await writeFile(`${tokenFile}.new`, second);
        await rename(`${tokenFile}.new`, tokenFile);
        await upstream.refresh("refresh-1");

        assert.equal(endpoint.forms.length, 2);
        const [redeem, refresh] = endpoint.forms;
        assert.ok(redeem && refresh);
        for (const form of [redeem, refresh]) {
            assert.equal(form.get("client_id"), frontDoorClientId);
            assert.equal(
                form.get("client_assertion_type"),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            );
            assert.equal(form.has("client_secret"), false);
        }
        assert.equal(redeem.get("grant_type"), "authorization_code");
        assert.equal(redeem.get("client_assertion"), first);
        assert.equal(refresh.get("grant_type"), "refresh_token");
        assert.equal(refresh.get("client_assertion"), second);
    });

    it("refuses, naming the file and the reason, before calling Entra: missing, not a JWT, expired", async () => {
        const missing = join(dir, "absent");
        await assert.rejects(upstreamFor(missing).redeemCode("c", "v"), /absent cannot be read \(ENOENT\)/);

        const garbage = join(dir, "garbage");
        await writeFile(garbage, "not a token");
        await assert.rejects(upstreamFor(garbage).redeemCode("c", "v"), /garbage does not hold a JWT/);

        const stale = join(dir, "stale");
        await writeFile(stale, serviceAccountToken("system:serviceaccount:mcp-tools:mcp-tools", 1_000));
        await assert.rejects(upstreamFor(stale).refresh("r"), /stale expired at 1970-01-01T00:16:40\.000Z/);

        assert.equal(endpoint.forms.length, 0);
    });

    it("reads the source from FRONT_DOOR_CLIENT_ASSERTION: managed identity by default, the token file required on AKS", () => {
        const base = {
            FRONT_DOOR_ISSUER: "https://apim.example.net/oauth",
            FRONT_DOOR_RESOURCE: "https://apim.example.net/mcp",
            FRONT_DOOR_CLIENT_ID: frontDoorClientId,
            FRONT_DOOR_AUTHORITY: "https://login.microsoftonline.com/tenant",
            FRONT_DOOR_SCOPE: "api://mcp/MCP.Access",
        };
        assert.deepEqual(readFrontDoorEnvironment(base).settings?.clientAssertion, {
            source: "managed-identity",
        });
        const noFile = readFrontDoorEnvironment({
            ...base,
            FRONT_DOOR_CLIENT_ASSERTION: "federated-token-file",
        });
        assert.equal(noFile.settings, undefined);
        assert.match(
            noFile.errors.join("\n"),
            /^AZURE_FEDERATED_TOKEN_FILE: required when FRONT_DOOR_CLIENT_ASSERTION/,
        );
        const unknown = readFrontDoorEnvironment({ ...base, FRONT_DOOR_CLIENT_ASSERTION: "secret" });
        assert.match(
            unknown.errors.join("\n"),
            /^FRONT_DOOR_CLIENT_ASSERTION: must be one of managed-identity, federated-token-file, got secret/,
        );
    });
});
