/**
 * The kit's own behaviour against local fakes: each token source speaks its platform's protocol,
 * tokens are checked before they are sent, one exchange serves concurrent callers and is renewed
 * before expiry, failures are typed and carry Entra's code or the gateway's challenge, and no
 * token ever appears in an error.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import {
    AgentCredential,
    awsCognitoTokenSource,
    awsTokenSource,
    connectMcp,
    ExchangeRefusedError,
    gcpTokenSource,
    githubActionsTokenSource,
    managedIdentityTokenSource,
    McpAuthorizationError,
    PlatformTokenUnavailableError,
    TokenCheckFailedError,
    tokenFileSource,
    type PlatformTokenSource,
} from "../../connect-kit";
import { signAws } from "../../connect-kit/sources/aws-sigv4";
import { startFakeEntra, type FakeEntra } from "./support/fake-entra";
import {
    cognitoIssuer,
    googleIssuer,
    startPlatformFakes,
    type PlatformFakes,
} from "./support/platform-fakes";

const pool = "eu-west-1:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const identity = "eu-west-1:9a8b7c6d-5e4f-4d3c-8b2a-1f0e9d8c7b6a";

describe("connection kit", function () {
    this.timeout(30_000);
    let fakes: PlatformFakes;
    let entra: FakeEntra;
    let dir: string;

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), "kit-"));
        [fakes, entra] = await Promise.all([
            startPlatformFakes({
                gcp: { uniqueId: "113456789012345678901", email: "a@p.iam.gserviceaccount.com" },
                aws: {
                    issuer: "https://3f2a9c1e-7b4d-4e8f-a1c2-5d6e7f8a9b0c.tokens.sts.global.api.aws",
                    roleArn: "arn:aws:iam::123456789012:role/agent",
                    region: "eu-west-1",
                },
                cognito: {
                    identityPoolId: pool,
                    identityId: identity,
                    developerProvider: "login.contoso.agents",
                },
                managedIdentity: {
                    tenantId: "11111111-2222-4333-8444-555555555555",
                    principalId: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                    clientId: "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                },
                github: { repository: "contoso/agents", environment: "dev", ref: "refs/heads/main" },
                kubernetes: {
                    issuer: "https://westeurope.oic.prod-aks.azure.com/t/c/",
                    namespace: "agents",
                    serviceAccount: "bot",
                },
            }),
            startFakeEntra(),
        ]);
    });
    after(async () => {
        await Promise.all([fakes?.stop(), entra?.stop()]);
        rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
        entra.requests.length = 0;
        entra.delayMs = 0;
    });

    const credentialFor = (source: PlatformTokenSource, extra: { now?: () => number } = {}) =>
        new AgentCredential({
            source,
            clientId: "67b0ad11-a6a1-5c23-a87a-e1ee2409f08d",
            tenantId: "tenant",
            scope: "api://mcp/.default",
            tokenEndpoint: entra.tokenEndpoint,
            ...extra,
        });

    describe("platform token sources", () => {
        it("GCP: the metadata server's identity token, for the federation audience", async () => {
            const token = await gcpTokenSource({ metadataUrl: fakes.gcpMetadataUrl }).token();
            const claims = decodeJwt(token);
            assert.equal(claims.iss, googleIssuer);
            assert.equal(claims.sub, "113456789012345678901");
            assert.equal(claims.aud, "api://AzureADTokenExchange");
        });

        it("AWS: GetWebIdentityToken signed with SigV4 (the fake recomputes the signature), RS256", async () => {
            const source = awsTokenSource({
                region: "eu-west-1",
                stsEndpoint: fakes.stsEndpoint,
                credentials: () => Promise.resolve(fakes.awsCredentials),
            });
            const token = await source.token();
            assert.equal(decodeJwt(token).sub, "arn:aws:iam::123456789012:role/agent");
            assert.equal(decodeProtectedHeader(token).alg, "RS256");
            const wrongKey = awsTokenSource({
                region: "eu-west-1",
                stsEndpoint: fakes.stsEndpoint,
                credentials: () => Promise.resolve({ ...fakes.awsCredentials, secretAccessKey: "wrong" }),
            });
            await assert.rejects(wrongKey.token(), (e: unknown) => {
                assert.ok(e instanceof PlatformTokenUnavailableError);
                assert.match(e.message, /SignatureDoesNotMatch/);
                assert.equal(e.status, 403);
                return true;
            });
        });

        it("SigV4 matches AWS's published test vector (get-vanilla)", () => {
            const headers = signAws({
                method: "GET",
                url: new URL("https://example.amazonaws.com/"),
                headers: {},
                body: "",
                region: "us-east-1",
                service: "service",
                credentials: {
                    accessKeyId: "AKIDEXAMPLE",
                    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                },
                date: new Date("2015-08-30T12:36:00Z"),
            });
            assert.equal(
                headers.authorization,
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            );
        });

        it("Cognito: a developer identity's OpenID token, whose audience is the pool id", async () => {
            const source = awsCognitoTokenSource({
                identityPoolId: pool,
                developerProvider: "login.contoso.agents",
                developerUserId: "agent-1",
                endpoint: fakes.cognitoEndpoint,
                credentials: () => Promise.resolve(fakes.awsCredentials),
            });
            const token = await source.token();
            const claims = decodeJwt(token);
            assert.equal(claims.iss, cognitoIssuer);
            assert.equal(claims.aud, pool);
            assert.equal(source.assertionAudience, pool);
        });

        it("Databricks access connector: a managed identity token for api://AzureADTokenExchange", async () => {
            const token = await managedIdentityTokenSource({
                endpoint: fakes.imdsEndpoint,
                clientId: "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
            }).token();
            const claims = decodeJwt(token);
            assert.equal(claims.sub, "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
            assert.equal(claims.aud, "api://AzureADTokenExchange");
            const viaCredential = managedIdentityTokenSource({
                credential: { getToken: (scope) => Promise.resolve({ token: `for ${String(scope)}` }) },
            });
            assert.equal(await viaCredential.token(), "for api://AzureADTokenExchange/.default");
        });

        it("Kubernetes: the projected token file, read again on every call", async () => {
            const file = await fakes.writeKubernetesToken(dir);
            const source = tokenFileSource({ path: file });
            const first = await source.token();
            await fakes.writeKubernetesToken(dir);
            assert.notEqual(await source.token(), first);
            assert.deepEqual(decodeJwt(first).aud, ["api://AzureADTokenExchange"]);
        });

        it("GitHub Actions: the Actions token endpoint with the request token and audience", async () => {
            const token = await githubActionsTokenSource({
                requestUrl: fakes.githubRequestUrl,
                requestToken: fakes.githubRequestToken,
            }).token();
            assert.equal(decodeJwt(token).sub, "repo:contoso/agents:environment:dev");
        });

        it("says which platform gave no token, and why", async () => {
            const down = createServer();
            await new Promise<void>((r) => down.listen(0, "127.0.0.1", r));
            const port = (down.address() as AddressInfo).port;
            await new Promise<void>((r) => down.close(() => r()));
            const cases: [PlatformTokenSource, RegExp][] = [
                [
                    gcpTokenSource({ metadataUrl: `http://127.0.0.1:${port}` }),
                    /gcp token unavailable: metadata server: .*ECONNREFUSED/,
                ],
                [githubActionsTokenSource({ requestUrl: "", requestToken: "" }), /id-token: write/],
                [
                    githubActionsTokenSource({ requestUrl: fakes.githubRequestUrl, requestToken: "stale" }),
                    /answered 401/,
                ],
                [
                    tokenFileSource({ path: join(dir, "missing") }),
                    /kubernetes token unavailable: token file .*ENOENT/,
                ],
            ];
            for (const [source, message] of cases)
                await assert.rejects(
                    source.token(),
                    (e: unknown) => e instanceof PlatformTokenUnavailableError && message.test(e.message),
                );
        });
    });

    describe("checks before sending", () => {
        const fixed = (token: string, audience = "api://AzureADTokenExchange"): PlatformTokenSource => ({
            platform: "test",
            assertionAudience: audience,
            token: () => Promise.resolve(token),
        });

        it("refuses an assertion for another audience or near its end, without calling Entra", async () => {
            const iat = Math.floor(Date.now() / 1000);
            const wrongAudience = await fakes.mint(googleIssuer, {
                aud: "https://elsewhere",
                sub: "1",
                iat,
                exp: iat + 600,
            });
            const expiring = await fakes.mint(googleIssuer, {
                aud: "api://AzureADTokenExchange",
                sub: "1",
                iat,
                exp: iat + 10,
            });
            for (const [token, problem] of [
                [wrongAudience, "audience"],
                [expiring, "lifetime"],
                ["not-a-jwt", "malformed"],
            ] as const) {
                const error = await credentialFor(fixed(token))
                    .getToken()
                    .catch((e: unknown) => e);
                assert.ok(error instanceof TokenCheckFailedError, String(error));
                assert.equal(error.token, "assertion");
                assert.equal(error.problem, problem);
                assert.ok(!error.message.includes(token), "the message never holds the token");
            }
            assert.equal(entra.requests.length, 0);
        });

        it("refuses an access token for another resource, or already expired", async () => {
            const iat = Math.floor(Date.now() / 1000);
            const assertion = await fakes.mint(googleIssuer, {
                aud: "api://AzureADTokenExchange",
                sub: "1",
                iat,
                exp: iat + 600,
            });
            for (const [claims, problem] of [
                [{ aud: "api://other", iat, exp: iat + 3599 }, "audience"],
                [{ aud: "api://mcp", iat: iat - 4000, exp: iat - 400 }, "lifetime"],
            ] as const) {
                const accessToken = await entra.accessToken(claims);
                entra.answer = () =>
                    Promise.resolve({
                        status: 200,
                        body: { token_type: "Bearer", expires_in: 3599, access_token: accessToken },
                    });
                const error = await credentialFor(fixed(assertion))
                    .getToken()
                    .catch((e: unknown) => e);
                assert.ok(error instanceof TokenCheckFailedError, String(error));
                assert.equal(error.token, "access token");
                assert.equal(error.problem, problem);
            }
        });
    });

    describe("exchange and cache", () => {
        let source: PlatformTokenSource;
        beforeEach(() => {
            source = gcpTokenSource({ metadataUrl: fakes.gcpMetadataUrl });
            entra.answer = async () => {
                const iat = Math.floor(Date.now() / 1000);
                return {
                    status: 200,
                    body: {
                        token_type: "Bearer",
                        expires_in: 3599,
                        access_token: await entra.accessToken({ aud: "api://mcp", iat, exp: iat + 3599 }),
                    },
                };
            };
        });

        it("sends client credentials with the platform token as a jwt-bearer assertion for <app id uri>/.default", async () => {
            await credentialFor(source).getToken();
            const form = entra.requests[0];
            assert.ok(form);
            assert.equal(form.get("grant_type"), "client_credentials");
            assert.equal(form.get("client_id"), "67b0ad11-a6a1-5c23-a87a-e1ee2409f08d");
            assert.equal(form.get("scope"), "api://mcp/.default");
            assert.equal(
                form.get("client_assertion_type"),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            );
            assert.equal(decodeJwt(form.get("client_assertion") ?? "").iss, googleIssuer);
            assert.equal(form.has("client_secret"), false);
            assert.equal(form.has("resource"), false);
        });

        it("serves 50 concurrent callers with one platform call and one exchange", async () => {
            entra.delayMs = 100;
            const before = fakes.calls.gcp ?? 0;
            const credential = credentialFor(source);
            const tokens = await Promise.all(Array.from({ length: 50 }, () => credential.getToken()));
            assert.equal(new Set(tokens).size, 1);
            assert.equal(entra.requests.length, 1);
            assert.equal((fakes.calls.gcp ?? 0) - before, 1);
        });

        it("renews 5 minutes before expiry, and keeps a still-valid token when renewal fails", async () => {
            let clock = Date.now();
            // Assertions issued on the test's clock, as the platform would at that time.
            const onClock: PlatformTokenSource = {
                platform: "gcp",
                assertionAudience: "api://AzureADTokenExchange",
                token: () => {
                    const iat = Math.floor(clock / 1000);
                    return fakes.mint(googleIssuer, {
                        aud: "api://AzureADTokenExchange",
                        sub: "1",
                        iat,
                        exp: iat + 3600,
                    });
                },
            };
            const credential = credentialFor(onClock, { now: () => clock });
            const first = await credential.getToken();
            clock += 54 * 60_000;
            assert.equal(await credential.getToken(), first, "cached until 5 minutes before expiry");
            assert.equal(entra.requests.length, 1);
            entra.answer = () => Promise.resolve({ status: 503, body: { error: "temporarily_unavailable" } });
            clock += 2 * 60_000; // 56 min: due for renewal, 3.98 min left
            assert.equal(await credential.getToken(), first, "Entra down: the token still valid is used");
            assert.equal(entra.requests.length, 2);
            clock += 4 * 60_000; // expired now
            await assert.rejects(credential.getToken(), ExchangeRefusedError);
        });

        it("carries Entra's error and AADSTS code when the exchange is refused", async () => {
            entra.answer = () =>
                Promise.resolve({
                    status: 400,
                    body: {
                        error: "invalid_client",
                        error_description:
                            "AADSTS700213: No matching federated identity record found for presented assertion subject '1'.",
                        error_codes: [700213],
                    },
                });
            const error = await credentialFor(source)
                .getToken()
                .catch((e: unknown) => e);
            assert.ok(error instanceof ExchangeRefusedError);
            assert.equal(error.status, 400);
            assert.equal(error.error, "invalid_client");
            assert.equal(error.aadsts, "AADSTS700213");
            const assertion = entra.requests[0]?.get("client_assertion") ?? "";
            assert.ok(
                assertion.length > 0 && !JSON.stringify({ ...error, m: error.message }).includes(assertion),
            );
        });
    });

    describe("MCP connection", () => {
        it("sends the bearer token, and turns 401/403 into errors with the challenge", async () => {
            const seen: string[] = [];
            let status = 401;
            const challenges: Record<number, string> = {
                401: 'Bearer resource_metadata="https://gw.example/.well-known/oauth-protected-resource/mcp"',
                403: 'Bearer error="insufficient_scope", scope="Tools.Invoke", resource_metadata="https://gw.example/prm"',
            };
            const server = createServer((req, res) => {
                seen.push(req.headers.authorization ?? "");
                req.resume();
                res.writeHead(status, { "www-authenticate": challenges[status] ?? "" }).end();
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            try {
                const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
                let invalidated = 0;
                const credential = {
                    getToken: () => Promise.resolve("token-abc"),
                    invalidate: () => void invalidated++,
                };
                const first = await connectMcp({ url, credential }).catch((e: unknown) => e);
                assert.ok(first instanceof McpAuthorizationError, String(first));
                assert.equal(first.status, 401);
                assert.equal(
                    first.challengeParameter("resource_metadata"),
                    "https://gw.example/.well-known/oauth-protected-resource/mcp",
                );
                assert.equal(invalidated, 1, "a refused token is dropped from the cache");
                status = 403;
                const second = await connectMcp({ url, credential }).catch((e: unknown) => e);
                assert.ok(second instanceof McpAuthorizationError);
                assert.equal(second.status, 403);
                assert.equal(second.challengeParameter("error"), "insufficient_scope");
                assert.equal(second.challengeParameter("scope"), "Tools.Invoke");
                assert.deepEqual(new Set(seen), new Set(["Bearer token-abc"]));
            } finally {
                await new Promise<void>((r) => server.close(() => r()));
            }
        });
    });
});
