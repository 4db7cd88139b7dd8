/**
 * Local fakes of each platform's token source, issuing JWTs in that platform's real claim format,
 * each issuer with its own RSA key published the OpenID way (`/.well-known/openid-configuration`
 * -> `jwks_uri`), so the Entra stand-in verifies them as Entra would. Formats and their sources
 * (see /work/shared/reference/identity-and-oauth.md section 2):
 *  - GCP: metadata server `.../service-accounts/default/identity?audience=&format=full`, header
 *    `Metadata-Flavor: Google`; claims iss https://accounts.google.com, sub = azp = the account's
 *    numeric unique id, aud, email, email_verified, iat, exp = iat + 3600 (cloud.google.com
 *    docs/authentication/get-id-token, compute/docs/instances/verifying-instance-identity).
 *  - AWS: STS Query API `Action=GetWebIdentityToken&Version=2011-06-15`, SigV4-signed; claims iss =
 *    the account issuer, sub = the role ARN, aud, iat, exp, jti and the `https://sts.amazonaws.com/`
 *    object; `kid` like `RSA_0` (IAM User Guide id_roles_providers_outbound_token_claims; STS API
 *    Reference GetWebIdentityToken).
 *  - Cognito: JSON 1.1 `AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity` -> `{IdentityId,
 *    Token}`; claims iss https://cognito-identity.amazonaws.com, sub = identity id, aud = pool id,
 *    amr; RS512 (Cognito API Reference; alg and amr entries observed, not documented).
 *  - Azure managed identity (Databricks access connector): IMDS `/metadata/identity/oauth2/token`
 *    with `Metadata: true`, answer with string `expires_in`/`expires_on`; v2 claims iss
 *    https://login.microsoftonline.com/<tenant>/v2.0, sub = oid = the identity's object id, aud
 *    api://AzureADTokenExchange, azp, tid, idtyp app (Entra access-token claims reference;
 *    workload-identity-federation-config-app-trust-managed-identity).
 *  - GitHub Actions: GET `$ACTIONS_ID_TOKEN_REQUEST_URL&audience=` with the request bearer -> `{value}`;
 *    claims iss https://token.actions.githubusercontent.com, sub `repo:<o>/<r>:environment:<env>`
 *    (or `:ref:<ref>` without an environment), repository, ref, environment, job_workflow_ref, jti,
 *    nbf, iat, exp (docs.github.com actions/reference/security/oidc; actions/toolkit oidc-utils).
 *  - Kubernetes: a projected service account token file; claims iss = the cluster issuer, sub
 *    `system:serviceaccount:<ns>:<sa>`, aud as an array, kubernetes.io {namespace, serviceaccount,
 *    pod}, iat, nbf, exp = iat + 3600 (Kubernetes ServiceAccountTokenProjection; service accounts admin).
 */
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { signAws, type AwsCredentials } from "../../../connect-kit/sources/aws-sigv4";

export interface FakeIdentities {
    readonly gcp?: { readonly uniqueId: string; readonly email: string };
    readonly aws?: { readonly issuer: string; readonly roleArn: string; readonly region: string };
    readonly cognito?: {
        readonly identityPoolId: string;
        readonly identityId: string;
        readonly developerProvider: string;
    };
    readonly managedIdentity?: {
        readonly tenantId: string;
        readonly principalId: string;
        readonly clientId: string;
    };
    readonly github?: { readonly repository: string; readonly environment?: string; readonly ref: string };
    readonly kubernetes?: {
        readonly issuer: string;
        readonly namespace: string;
        readonly serviceAccount: string;
    };
}

export const googleIssuer = "https://accounts.google.com";
export const cognitoIssuer = "https://cognito-identity.amazonaws.com";
export const githubIssuer = "https://token.actions.githubusercontent.com";

interface IssuerKey {
    readonly slug: string;
    readonly alg: string;
    readonly kid: string;
    readonly privateKey: CryptoKey;
    readonly jwk: JWK;
}

export interface PlatformFakes {
    readonly url: string;
    /** The local base URL standing for an issuer the fakes sign for (the Entra stand-in's `issuerLocation`). */
    issuerLocation(issuer: string): string;
    readonly gcpMetadataUrl: string;
    readonly stsEndpoint: string;
    readonly cognitoEndpoint: string;
    readonly imdsEndpoint: string;
    readonly githubRequestUrl: string;
    readonly githubRequestToken: string;
    /** The `IDENTITY_HEADER` the managed identity endpoint accepts (App Service protocol). */
    readonly identityHeader: string;
    /** The AWS credentials STS and Cognito accept. */
    readonly awsCredentials: AwsCredentials;
    /** Writes a projected service account token for `audience` into `dir`; returns its path. */
    writeKubernetesToken(dir: string, audience?: string, lifetimeSeconds?: number): Promise<string>;
    /** A token from `issuer` (signed with its key) with exactly these claims. */
    mint(issuer: string, claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
    /** Requests per route (`gcp`, `aws`, `cognito`, `imds`, `github`). */
    readonly calls: Record<string, number>;
    stop(): Promise<void>;
}

export async function startPlatformFakes(ids: FakeIdentities): Promise<PlatformFakes> {
    const keys = new Map<string, IssuerKey>();
    const keyFor = async (issuer: string): Promise<IssuerKey> => {
        const known = keys.get(issuer);
        if (known) return known;
        const alg = issuer === cognitoIssuer ? "RS512" : "RS256";
        const pair = await generateKeyPair(alg, { extractable: true });
        const kid =
            issuer === cognitoIssuer
                ? "eu-west-11"
                : issuer.includes(".tokens.sts.")
                  ? "RSA_0"
                  : randomUUID();
        const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: "sig" };
        const entry = { slug: String(keys.size), alg, kid, privateKey: pair.privateKey, jwk };
        keys.set(issuer, entry);
        return entry;
    };
    const mint = async (issuer: string, claims: JWTPayload, header: Record<string, unknown> = {}) => {
        const key = await keyFor(issuer);
        return new SignJWT({ iss: issuer, ...claims })
            .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header })
            .sign(key.privateKey);
    };
    // Keys up front, so every issuer's discovery answers before its first token.
    for (const issuer of [
        googleIssuer,
        cognitoIssuer,
        githubIssuer,
        ids.aws?.issuer,
        ids.kubernetes?.issuer,
        ids.managedIdentity && `https://login.microsoftonline.com/${ids.managedIdentity.tenantId}/v2.0`,
    ])
        if (issuer) await keyFor(issuer);

    const awsCredentials = {
        accessKeyId: "AKIAFAKEKIT000000001",
        secretAccessKey: randomUUID(),
        sessionToken: randomUUID(),
    };
    const githubRequestToken = randomUUID();
    const identityHeader = randomUUID();
    const calls: Record<string, number> = {};
    let url = "";
    const now = () => Math.floor(Date.now() / 1000);

    const routes: Record<
        string,
        (req: IncomingMessage, u: URL, body: string) => Promise<[number, string, string?]>
    > = {
        gcp: async (req, u) => {
            if (req.headers["metadata-flavor"] !== "Google")
                return [403, "Missing Metadata-Flavor:Google header."];
            const audience = u.searchParams.get("audience");
            if (!ids.gcp || !audience) return [400, "non-empty audience parameter required"];
            const iat = now();
            const full = u.searchParams.get("format") === "full";
            return [
                200,
                await mint(googleIssuer, {
                    aud: audience,
                    azp: ids.gcp.uniqueId,
                    ...(full ? { email: ids.gcp.email, email_verified: true } : {}),
                    exp: iat + 3600,
                    iat,
                    sub: ids.gcp.uniqueId,
                }),
                "text/html",
            ];
        },
        aws: async (req, u, body) => {
            const form = new URLSearchParams(body);
            const error = (code: string, status = 400): [number, string, string] => [
                status,
                `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${code}</Message></Error></ErrorResponse>`,
                "text/xml",
            ];
            if (!ids.aws) return error("OutboundWebIdentityFederationDisabled", 403);
            if (!signatureValid(req, u, body, ids.aws.region, "sts", awsCredentials))
                return error("SignatureDoesNotMatch", 403);
            if (form.get("Action") !== "GetWebIdentityToken" || form.get("Version") !== "2011-06-15")
                return error("InvalidAction");
            const audiences = [...form.keys()]
                .filter((k) => k.startsWith("Audience.member."))
                .map((k) => form.get(k) ?? "");
            const alg = form.get("SigningAlgorithm");
            const duration = Number(form.get("DurationSeconds") ?? 300);
            if (
                audiences.length < 1 ||
                audiences.length > 10 ||
                (alg !== "RS256" && alg !== "ES384") ||
                duration < 60 ||
                duration > 3600
            )
                return error("ValidationError");
            const iat = now();
            const token = await mint(ids.aws.issuer, {
                aud: audiences.length === 1 ? (audiences[0] ?? "") : audiences,
                sub: ids.aws.roleArn,
                iat,
                exp: iat + duration,
                jti: randomUUID(),
                "https://sts.amazonaws.com/": {
                    aws_account: /::(\d{12}):/.exec(ids.aws.roleArn)?.[1],
                    source_region: ids.aws.region,
                    principal_id: ids.aws.roleArn,
                },
            });
            const expiration = new Date((iat + duration) * 1000).toISOString();
            return [
                200,
                `<GetWebIdentityTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetWebIdentityTokenResult><WebIdentityToken>${token}</WebIdentityToken><Expiration>${expiration}</Expiration></GetWebIdentityTokenResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetWebIdentityTokenResponse>`,
                "text/xml",
            ];
        },
        cognito: async (req, u, body) => {
            const c = ids.cognito;
            if (!c) return [400, JSON.stringify({ __type: "ResourceNotFoundException" })];
            const region = c.identityPoolId.split(":")[0] ?? "";
            if (!signatureValid(req, u, body, region, "cognito-identity", awsCredentials))
                return [403, JSON.stringify({ __type: "InvalidSignatureException" })];
            if (
                req.headers["x-amz-target"] !== "AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity"
            )
                return [400, JSON.stringify({ __type: "UnknownOperationException" })];
            const input = JSON.parse(body) as {
                IdentityPoolId?: string;
                Logins?: Record<string, string>;
                TokenDuration?: number;
            };
            const userId = input.Logins?.[c.developerProvider];
            if (input.IdentityPoolId !== c.identityPoolId || !userId)
                return [400, JSON.stringify({ __type: "NotAuthorizedException" })];
            const iat = now();
            const token = await mint(cognitoIssuer, {
                sub: c.identityId,
                aud: c.identityPoolId,
                amr: [
                    "authenticated",
                    c.developerProvider,
                    `${c.developerProvider}:${c.identityPoolId}:${userId}`,
                ],
                iat,
                exp: iat + (input.TokenDuration ?? 900),
            });
            return [
                200,
                JSON.stringify({ IdentityId: c.identityId, Token: token }),
                "application/x-amz-json-1.1",
            ];
        },
        imds: async (req, u) => {
            const m = ids.managedIdentity;
            // IMDS wants `Metadata: true`; App Service and Functions the endpoint's own header.
            if (req.headers.metadata !== "true" && req.headers["x-identity-header"] !== identityHeader)
                return [
                    400,
                    JSON.stringify({
                        error: "invalid_request",
                        error_description: "Required metadata header not specified",
                    }),
                ];
            const resource = u.searchParams.get("resource");
            if (!m || !resource) return [400, JSON.stringify({ error: "invalid_request" })];
            if (u.searchParams.has("client_id") && u.searchParams.get("client_id") !== m.clientId)
                return [
                    400,
                    JSON.stringify({ error: "invalid_request", error_description: "Identity not found" }),
                ];
            const iat = now();
            const lifetime = 86399;
            const token = await mint(`https://login.microsoftonline.com/${m.tenantId}/v2.0`, {
                aud: resource,
                iat,
                nbf: iat,
                exp: iat + lifetime,
                azp: m.clientId,
                azpacr: "2",
                idtyp: "app",
                oid: m.principalId,
                sub: m.principalId,
                tid: m.tenantId,
                uti: randomUUID().replace(/-/g, "").slice(0, 22),
                ver: "2.0",
            });
            return [
                200,
                JSON.stringify({
                    access_token: token,
                    client_id: m.clientId,
                    expires_in: String(lifetime),
                    expires_on: String(iat + lifetime),
                    ext_expires_in: String(lifetime),
                    not_before: String(iat),
                    resource,
                    token_type: "Bearer",
                }),
                "application/json",
            ];
        },
        github: async (req, u) => {
            const g = ids.github;
            if (req.headers.authorization !== `Bearer ${githubRequestToken}`)
                return [401, JSON.stringify({ message: "Bad credentials" })];
            if (!g) return [404, "{}"];
            const [owner] = g.repository.split("/");
            const audience = u.searchParams.get("audience") ?? `https://github.com/${owner}`;
            const iat = now();
            const token = await mint(githubIssuer, {
                jti: randomUUID(),
                sub: g.environment
                    ? `repo:${g.repository}:environment:${g.environment}`
                    : `repo:${g.repository}:${g.ref}`,
                aud: audience,
                ref: g.ref,
                repository: g.repository,
                repository_owner: owner,
                ...(g.environment ? { environment: g.environment } : {}),
                event_name: "workflow_dispatch",
                ref_type: "branch",
                job_workflow_ref: `${g.repository}/.github/workflows/deploy.yml@${g.ref}`,
                runner_environment: "github-hosted",
                nbf: iat - 5,
                iat,
                exp: iat + 300,
            });
            return [200, JSON.stringify({ count: 1, value: token }), "application/json"];
        },
    };

    const issuerRoute = (u: URL): [number, string, string] | undefined => {
        const m = /^\/issuers\/(\d+)\/(\.well-known\/openid-configuration|jwks)$/.exec(u.pathname);
        if (!m) return undefined;
        const entry = [...keys].find(([, k]) => k.slug === m[1]);
        if (!entry) return [404, "{}", "application/json"];
        const [issuer, key] = entry;
        return m[2] === "jwks"
            ? [200, JSON.stringify({ keys: [key.jwk] }), "application/json"]
            : [
                  200,
                  JSON.stringify({
                      issuer,
                      jwks_uri: `${url}/issuers/${key.slug}/jwks`,
                      id_token_signing_alg_values_supported: [key.alg],
                  }),
                  "application/json",
              ];
    };

    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const u = new URL(req.url ?? "/", url);
            const body = Buffer.concat(chunks).toString("utf8");
            const route = u.pathname.split("/")[1] ?? "";
            const answer = issuerRoute(u) ?? routes[route]?.(req, u, body);
            void Promise.resolve(answer ?? ([404, "not found"] as const)).then(([status, text, type]) => {
                if (routes[route]) calls[route] = (calls[route] ?? 0) + 1;
                res.writeHead(status, { "content-type": type ?? "text/plain" }).end(text);
            });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    return {
        url,
        issuerLocation: (issuer) => {
            const key = keys.get(issuer);
            return key ? `${url}/issuers/${key.slug}` : issuer;
        },
        gcpMetadataUrl: `${url}/gcp`,
        stsEndpoint: `${url}/aws/`,
        cognitoEndpoint: `${url}/cognito/`,
        imdsEndpoint: `${url}/imds/metadata/identity/oauth2/token`,
        githubRequestUrl: `${url}/github/idtoken?api-version=2.0`,
        githubRequestToken,
        identityHeader,
        awsCredentials,
        async writeKubernetesToken(dir, audience = "api://AzureADTokenExchange", lifetimeSeconds = 3600) {
            const k = ids.kubernetes;
            if (!k) throw new Error("no kubernetes identity configured");
            const iat = now();
            const token = await mint(k.issuer, {
                aud: [audience],
                exp: iat + lifetimeSeconds,
                iat,
                nbf: iat,
                jti: randomUUID(),
                "kubernetes.io": {
                    namespace: k.namespace,
                    pod: { name: `${k.serviceAccount}-7d9f8c6b5-x2x4q`, uid: randomUUID() },
                    serviceaccount: { name: k.serviceAccount, uid: randomUUID() },
                },
                sub: `system:serviceaccount:${k.namespace}:${k.serviceAccount}`,
            });
            const file = path.join(dir, "azure-identity-token");
            await writeFile(file, token);
            return file;
        },
        mint,
        calls,
        stop: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

/** Recomputes the SigV4 signature over what arrived: a request altered after signing fails. */
function signatureValid(
    req: IncomingMessage,
    u: URL,
    body: string,
    region: string,
    service: string,
    credentials: AwsCredentials,
): boolean {
    const authorization = req.headers.authorization ?? "";
    const signed = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
    const amzDate = String(req.headers["x-amz-date"] ?? "");
    const date = new Date(
        amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    if (!authorization.includes(`Credential=${credentials.accessKeyId}/`) || Number.isNaN(date.getTime()))
        return false;
    const headers = Object.fromEntries(
        signed
            .filter((h) => !["host", "x-amz-date", "x-amz-security-token"].includes(h))
            .map((h) => [h, String(req.headers[h] ?? "")]),
    );
    const expected = signAws({
        method: req.method ?? "POST",
        url: u,
        headers,
        body,
        region,
        service,
        credentials,
        date,
    });
    return expected.authorization === authorization;
}
