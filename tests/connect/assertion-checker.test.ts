/**
 * The Entra stand-in's assertion check for the platforms the dev stack file has no agent for
 * (Cognito, a generic OIDC issuer), with the credentials the platform modules create: the kit's
 * token sources against the fakes, checked without a synthesis.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsCognitoPlatform } from "../../components/platforms/aws-cognito";
import { oidcPlatform } from "../../components/platforms/oidc";
import { awsCognitoTokenSource, tokenFileSource } from "../../connect-kit";
import { AssertionChecker, type AppCredentials } from "../../local-gateway/src/entra-federation";
import { startPlatformFakes, type PlatformFakes } from "./support/platform-fakes";

const ctx = { tenantId: "11111111-2222-4333-8444-555555555555" };
const pool = "eu-west-1:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const identityId = "eu-west-1:9a8b7c6d-5e4f-4d3c-8b2a-1f0e9d8c7b6a";
const oidcIssuer = "https://oidc.databricks.example/accounts/1234";

describe("Entra stand-in: Cognito and generic OIDC credentials", function () {
    this.timeout(30_000);
    let fakes: PlatformFakes;
    let checker: AssertionChecker;
    let dir: string;

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), "checker-"));
        fakes = await startPlatformFakes({
            cognito: { identityPoolId: pool, identityId, developerProvider: "login.contoso.agents" },
        });
        await fakes.mint(oidcIssuer, {}); // publishes the issuer's key
        checker = new AssertionChecker({ issuerLocation: (i) => fakes.issuerLocation(i) }, []);
    });
    after(async () => {
        await fakes?.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    const app = (federated: AppCredentials["federatedCredentials"]): AppCredentials => ({
        clientId: "c",
        federatedCredentials: federated,
        certificates: [],
    });

    it("Cognito: the pool id is the credential's audience and matches; RS512 is refused as Entra documents (RS256 only)", async () => {
        const credentials = awsCognitoPlatform
            .federatedCredentials({ identityPoolId: pool, identityId }, ctx)
            .map((c) => ({ issuer: c.issuer, subject: c.subject, audiences: [c.audience] }));
        const token = await awsCognitoTokenSource({
            identityPoolId: pool,
            identityId,
            developerProvider: "login.contoso.agents",
            developerUserId: "agent-1",
            endpoint: fakes.cognitoEndpoint,
            credentials: () => Promise.resolve(fakes.awsCredentials),
        }).token();
        const refused = await checker.check(app(credentials), token);
        // Issuer, subject and audience matched (else 700211/700213/700212): only the algorithm fails.
        assert.deepEqual(refused?.body.error_codes, [700027]);
    });

    it("generic OIDC: a token file from the owner's issuer matches the credential created for it", async () => {
        const settings = {
            issuer: oidcIssuer,
            subjects: ["job:etl-nightly"],
            audience: "api://AzureADTokenExchange",
        };
        const credentials = oidcPlatform
            .federatedCredentials(settings, ctx)
            .map((c) => ({ issuer: c.issuer, subject: c.subject, audiences: [c.audience] }));
        const iat = Math.floor(Date.now() / 1000);
        const file = join(dir, "oidc-token");
        writeFileSync(
            file,
            await fakes.mint(oidcIssuer, {
                sub: "job:etl-nightly",
                aud: "api://AzureADTokenExchange",
                iat,
                exp: iat + 600,
            }),
        );
        const token = await tokenFileSource({ path: file, platform: "oidc" }).token();
        assert.equal(await checker.check(app(credentials), token), undefined);
        writeFileSync(
            file,
            await fakes.mint(oidcIssuer, {
                sub: "job:etl-*",
                aud: "api://AzureADTokenExchange",
                iat,
                exp: iat + 600,
            }),
        );
        const wildcard = await checker.check(app(credentials), await tokenFileSource({ path: file }).token());
        assert.deepEqual(wildcard?.body.error_codes, [700213], "no wildcards: subjects match exactly");
    });
});
