import * as assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exchangeAcrRefreshToken, needsRenewal, tokenExpiry } from "../../components/aks/acr-client";
import { acrCredentialDiff } from "../../components/aks/acr-credential";

function jwt(payload: object): string {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    return `${part({ alg: "RS256", typ: "JWT" })}.${part(payload)}.c2ln`;
}

describe("registry push credential (ACR token exchange)", () => {
    let server: Server;
    let baseUrl: string;
    const requests: { url: string; contentType: string; body: URLSearchParams }[] = [];
    let reply: { status: number; body: string } = { status: 200, body: "" };

    before(async () => {
        server = createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                requests.push({
                    url: `${req.method} ${req.url}`,
                    contentType: String(req.headers["content-type"]),
                    body: new URLSearchParams(body),
                });
                res.writeHead(reply.status, { "content-type": "application/json" }).end(reply.body);
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    beforeEach(() => (requests.length = 0));

    it("exchanges the ARM token for a refresh token and reads its expiry", async () => {
        const token = jwt({ exp: 1_900_000_000, aud: "contoso.azurecr.io" });
        reply = { status: 200, body: JSON.stringify({ refresh_token: token }) };
        const result = await exchangeAcrRefreshToken({
            loginServer: "contoso.azurecr.io",
            tenantId: "t-1",
            armToken: "arm-token",
            baseUrl,
        });
        assert.deepEqual(result, { refreshToken: token, expiresAt: 1_900_000_000 });
        const [exchange] = requests;
        assert.ok(exchange && requests.length === 1, `one exchange request, got ${requests.length}`);
        assert.equal(exchange.url, "POST /oauth2/exchange");
        assert.equal(exchange.contentType, "application/x-www-form-urlencoded");
        assert.deepEqual(Object.fromEntries(exchange.body), {
            grant_type: "access_token",
            service: "contoso.azurecr.io",
            tenant: "t-1",
            access_token: "arm-token",
        });
    });

    it("fails with the registry's answer and the role needed when the exchange is refused", async () => {
        reply = { status: 401, body: '{"errors":[{"code":"UNAUTHORIZED"}]}' };
        await assert.rejects(
            exchangeAcrRefreshToken({
                loginServer: "contoso.azurecr.io",
                tenantId: "t",
                armToken: "x",
                baseUrl,
            }),
            /failed with 401: .*UNAUTHORIZED.*AcrPush/,
        );
        reply = { status: 200, body: "{}" };
        await assert.rejects(
            exchangeAcrRefreshToken({
                loginServer: "contoso.azurecr.io",
                tenantId: "t",
                armToken: "x",
                baseUrl,
            }),
            /returned no refresh_token/,
        );
    });

    it("renews only for another registry or a token within 30 minutes of expiry", () => {
        const now = 1_800_000_000;
        const news = { loginServer: "a.azurecr.io", tenantId: "t", armToken: "new-arm-token" };
        assert.equal(
            acrCredentialDiff({ loginServer: "a.azurecr.io", expiresAt: now + 7200 }, news, now).changes,
            false,
        );
        assert.equal(
            acrCredentialDiff({ loginServer: "a.azurecr.io", expiresAt: now + 600 }, news, now).changes,
            true,
        );
        assert.equal(
            acrCredentialDiff({ loginServer: "b.azurecr.io", expiresAt: now + 7200 }, news, now).changes,
            true,
        );
        assert.equal(needsRenewal(undefined, now), true);
        assert.equal(tokenExpiry(jwt({ exp: 42 })), 42);
        assert.throws(() => tokenExpiry("not-a-jwt"), /not a JWT/);
        assert.throws(() => tokenExpiry(jwt({})), /no exp/);
    });
});
