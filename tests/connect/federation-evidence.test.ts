/**
 * Evidence that the federation the program creates accepts the tokens each platform really issues:
 * for every agent in Pulumi.dev.yaml the kit gets a token from that platform's fake, exchanges it
 * at the Entra stand-in, which checks it against the synthesized stack's own credentials, and calls
 * hello_mcp through the local gateway. Tokens with a wrong subject, issuer or audience are refused
 * at the exchange with Entra's codes. `npm run connect` is tested on the same plane (one synthesis).
 */
import * as assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader } from "jose";
import {
    AgentCredential,
    awsTokenSource,
    certificateAssertionSource,
    connectMcp,
    ExchangeRefusedError,
    exchangeAtEntra,
    gcpTokenSource,
    githubActionsTokenSource,
    managedIdentityTokenSource,
    tokenFileSource,
    type PlatformTokenSource,
} from "../../connect-kit";
import { connectionValues, type AgentConnectionValues } from "../../connect-kit/stack-outputs";
import { accessConnectorClientId, startDevPlane, type DevAgent, type DevPlane } from "./support/dev-plane";
import { describeConnectCommand, describePythonSnippets } from "./support/connect-command-cases";
import { githubIssuer, googleIssuer } from "./support/platform-fakes";

describe("connection kit: every dev agent through the stack's own federation", function () {
    this.timeout(180_000);
    let dev: DevPlane;

    before(async () => {
        dev = await startDevPlane();
    });
    after(async () => {
        await dev?.stop();
    });

    async function sourceFor(agent: DevAgent, values: AgentConnectionValues): Promise<PlatformTokenSource> {
        const { fakes } = dev;
        switch (agent.kind) {
            case "gcp":
                return gcpTokenSource({ metadataUrl: fakes.gcpMetadataUrl });
            case "aws":
                return awsTokenSource({
                    region: "eu-west-1",
                    stsEndpoint: fakes.stsEndpoint,
                    credentials: () => Promise.resolve(fakes.awsCredentials),
                });
            case "azureDatabricks":
                return managedIdentityTokenSource({
                    endpoint: fakes.imdsEndpoint,
                    clientId: accessConnectorClientId,
                });
            case "kubernetes":
                return tokenFileSource({ path: await fakes.writeKubernetesToken(dev.dir) });
            case "githubActions":
                return githubActionsTokenSource({
                    requestUrl: fakes.githubRequestUrl,
                    requestToken: fakes.githubRequestToken,
                });
            case "salesforce":
                return certificateAssertionSource({
                    clientId: values.clientId,
                    tenantId: values.tenantId,
                    certificate: dev.salesforce.certificate,
                    privateKey: dev.salesforce.privateKey,
                    tokenEndpoint: dev.tokenEndpoint,
                });
            default:
                throw new Error(`no token source for a ${agent.kind} agent: add it to the kit and this test`);
        }
    }

    it("gets each platform's token, exchanges it and calls hello_mcp through the gateway", async () => {
        assert.ok(dev.agents.length >= 6, "every platform of the dev stack file");
        for (const agent of dev.agents) {
            const values = connectionValues(dev.outputs, agent.name);
            const credential = new AgentCredential({
                source: await sourceFor(agent, values),
                clientId: values.clientId,
                tenantId: values.tenantId,
                scope: values.scope,
                tokenEndpoint: dev.tokenEndpoint,
            });
            const client = await connectMcp({ url: dev.plane.urls.mcp, credential });
            try {
                const result = await client.callTool({ name: "hello_mcp", arguments: {} });
                assert.notEqual(result.isError, true, `${agent.name}: ${JSON.stringify(result)}`);
                const token = decodeJwt(await credential.getToken());
                assert.equal(token.azp, values.clientId, agent.name);
                assert.deepEqual(token.roles, values.roles, agent.name);
            } finally {
                await client.close();
            }
            assert.equal(credential.exchanges, 1, `${agent.name}: one exchange for the whole session`);
        }
    });

    it("connects over the legacy HTTP+SSE transport as well", async () => {
        const values = connectionValues(dev.outputs, "gcp-research");
        const credential = new AgentCredential({
            source: gcpTokenSource({ metadataUrl: dev.fakes.gcpMetadataUrl }),
            clientId: values.clientId,
            tenantId: values.tenantId,
            scope: values.scope,
            tokenEndpoint: dev.tokenEndpoint,
        });
        const client = await connectMcp({ url: dev.plane.urls.mcpSse, credential, transport: "sse" });
        try {
            const result = await client.callTool({ name: "hello_mcp", arguments: {} });
            assert.notEqual(result.isError, true);
        } finally {
            await client.close();
        }
    });

    it("takes a Salesforce assertion with an x5t#S256 thumbprint (PS256) as well as x5t", async () => {
        const values = connectionValues(dev.outputs, "salesforce-service");
        const source = certificateAssertionSource({
            clientId: values.clientId,
            tenantId: values.tenantId,
            certificate: dev.salesforce.certificate,
            privateKey: dev.salesforce.privateKey,
            tokenEndpoint: dev.tokenEndpoint,
            thumbprint: "x5t#S256",
        });
        const assertion = await source.token();
        assert.equal(decodeProtectedHeader(assertion).alg, "PS256");
        const token = await exchangeAtEntra({
            tokenEndpoint: dev.tokenEndpoint,
            clientId: values.clientId,
            scope: values.scope,
            assertion,
        });
        assert.equal(decodeJwt(token.accessToken).azp, values.clientId);
    });

    describe("refused at the exchange, with Entra's codes", () => {
        const exchange = async (agent: string, assertion: string) => {
            const values = connectionValues(dev.outputs, agent);
            return exchangeAtEntra({
                tokenEndpoint: dev.tokenEndpoint,
                clientId: values.clientId,
                scope: values.scope,
                assertion,
            }).then(
                () => assert.fail("the exchange succeeded"),
                (error: unknown) => {
                    assert.ok(error instanceof ExchangeRefusedError, String(error));
                    return error;
                },
            );
        };
        const claims = () => {
            const iat = Math.floor(Date.now() / 1000);
            return { aud: "api://AzureADTokenExchange", iat, exp: iat + 600 };
        };
        const gcpId = () => String(dev.agents.find((a) => a.kind === "gcp")?.settings.serviceAccountUniqueId);

        it("a subject the stack has no credential for: AADSTS700213", async () => {
            const refused = await exchange(
                "gcp-research",
                await dev.fakes.mint(googleIssuer, { ...claims(), sub: "999999999999999999999" }),
            );
            assert.equal(refused.error, "invalid_client");
            assert.equal(refused.aadsts, "AADSTS700213");
        });

        it("a subject differing only in case (Entra matches exactly): AADSTS700213", async () => {
            const refused = await exchange(
                "github-deployer",
                await dev.fakes.mint(githubIssuer, {
                    ...claims(),
                    sub: "repo:Contoso/agents-control-plane:environment:dev",
                }),
            );
            assert.equal(refused.aadsts, "AADSTS700213");
        });

        it("another issuer, even one that signs validly: AADSTS700211", async () => {
            // A GitHub token presented for the GCP agent: real signature, wrong issuer for this app.
            const refused = await exchange(
                "gcp-research",
                await dev.fakes.mint(githubIssuer, { ...claims(), sub: gcpId() }),
            );
            assert.equal(refused.aadsts, "AADSTS700211");
        });

        it("an issuer with a trailing slash the credential does not have: AADSTS700211", async () => {
            const refused = await exchange(
                "gcp-research",
                await dev.fakes.mint(`${googleIssuer}/`, { ...claims(), sub: gcpId() }),
            );
            assert.equal(refused.aadsts, "AADSTS700211");
        });

        it("another audience: AADSTS700212", async () => {
            const refused = await exchange(
                "gcp-research",
                await dev.fakes.mint(googleIssuer, {
                    ...claims(),
                    aud: "https://agents.example",
                    sub: gcpId(),
                }),
            );
            assert.equal(refused.aadsts, "AADSTS700212");
        });

        it("the right claims signed by a key the issuer does not publish: AADSTS700027", async () => {
            const token = await dev.fakes.mint(googleIssuer, { ...claims(), sub: gcpId() });
            const forged = await dev.fakes.mint("https://forger.example", {
                ...claims(),
                iss: googleIssuer,
                sub: gcpId(),
            });
            // Same header kid as the genuine key, so only the signature differs.
            const [header] = token.split(".");
            const [, payload, signature] = forged.split(".");
            const refused = await exchange("gcp-research", `${header}.${payload}.${signature}`);
            assert.equal(refused.aadsts, "AADSTS700027");
        });

        it("an expired token: AADSTS700024", async () => {
            const iat = Math.floor(Date.now() / 1000) - 7200;
            const refused = await exchange(
                "gcp-research",
                await dev.fakes.mint(googleIssuer, {
                    aud: "api://AzureADTokenExchange",
                    iat,
                    exp: iat + 3600,
                    sub: gcpId(),
                }),
            );
            assert.equal(refused.aadsts, "AADSTS700024");
        });

        it("no assertion at all: AADSTS7000218", async () => {
            const values = connectionValues(dev.outputs, "gcp-research");
            const res = await fetch(dev.tokenEndpoint, {
                method: "POST",
                body: new URLSearchParams({
                    grant_type: "client_credentials",
                    client_id: values.clientId,
                    scope: values.scope,
                }),
            });
            assert.equal(res.status, 400);
            assert.deepEqual(((await res.json()) as { error_codes: number[] }).error_codes, [7000218]);
        });

        it("an assertion with another client_assertion_type: refused, not ignored", async () => {
            const values = connectionValues(dev.outputs, "gcp-research");
            const iat = Math.floor(Date.now() / 1000);
            const res = await fetch(dev.tokenEndpoint, {
                method: "POST",
                body: new URLSearchParams({
                    grant_type: "client_credentials",
                    client_id: values.clientId,
                    scope: values.scope,
                    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
                    client_assertion: await dev.fakes.mint(googleIssuer, {
                        aud: "api://AzureADTokenExchange",
                        sub: gcpId(),
                        iat,
                        exp: iat + 600,
                    }),
                }),
            });
            assert.equal(res.status, 400);
            assert.equal(((await res.json()) as { error: string }).error, "invalid_request");
        });

        it("a Salesforce assertion signed by a certificate the app does not hold: AADSTS700027", async () => {
            const values = connectionValues(dev.outputs, "salesforce-service");
            const other = await startOtherCertificateSource(values);
            const refused = await exchange("salesforce-service", await other.token());
            assert.equal(refused.aadsts, "AADSTS700027");
        });
    });

    /** The shipped (example) certificate's thumbprint with a key that is not its own. */
    async function startOtherCertificateSource(values: AgentConnectionValues): Promise<PlatformTokenSource> {
        const { generateKeyPairSync } = await import("node:crypto");
        const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
        return certificateAssertionSource({
            clientId: values.clientId,
            tenantId: values.tenantId,
            certificate: dev.salesforce.certificate,
            privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
            tokenEndpoint: dev.tokenEndpoint,
        });
    }

    describeConnectCommand(() => dev);
    describePythonSnippets(() => dev);
});
