/**
 * A local stand-in for Entra ID, for one tenant: OpenID metadata, a JWKS and a client-credentials
 * token endpoint issuing v2 access tokens as Entra would for each agent of the stack (issuer,
 * audience = the MCP app's client id, `azp`, `roles`, `oid`, `sub`, `tid`, one-hour lifetime), plus
 * managed identity tokens for the gateway. Also validates tokens the way validate-azure-ad-token
 * does against this tenant. Keys live in memory for the life of the process. Local only.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
    createLocalJWKSet,
    decodeProtectedHeader,
    errors as joseErrors,
    exportJWK,
    generateKeyPair,
    jwtVerify,
    SignJWT,
    type CryptoKey,
    type JWK,
    type JWTPayload,
} from "jose";
import { delegatedScope } from "functions-app/contract";
import type { MintedToken, TokenValidationResult } from "./policies/types";
import {
    AssertionChecker,
    refusal,
    type FederatedCredential,
    type FederationOptions,
} from "./entra-federation";
import { tokenExchangeAudience } from "../../components/azure/entra";
import { LocalSignIn, type LocalSignInOptions, type LocalUser } from "./entra-sign-in";
import { VerifiedTokens } from "./verified-tokens";

export interface LocalAgent {
    readonly name: string;
    readonly clientId: string;
    /** Object id of the agent's service principal (`oid`, `sub` of app-only tokens). */
    readonly objectId: string;
    readonly roles: readonly string[];
    /** The credentials on the agent's app, checked when a client assertion is presented. */
    readonly federatedCredentials?: readonly FederatedCredential[];
    readonly certificates?: readonly string[];
}

export interface LocalEntraOptions {
    /** Base URL the stand-in is served under (the gateway's URL). */
    readonly baseUrl: string;
    readonly tenantId: string;
    /** The MCP resource app: v2 tokens carry its client id as `aud`. */
    readonly resourceClientId: string;
    readonly agents: readonly LocalAgent[];
    /** The gateway's managed identity. */
    readonly gatewayIdentity: {
        readonly objectId: string;
        readonly clientId: string;
        readonly roles: readonly string[];
    };
    /** Interactive sign-in for the OAuth front door's app registration (front door mode). */
    readonly signIn?: LocalSignInOptions;
    /** The MCP app's id URI: client credentials are issued for `<it>/.default` only. Default `api://<resourceClientId>`. */
    readonly resourceAppIdUri?: string;
    /** How client assertions are checked against the agents' credentials. */
    readonly federation?: FederationOptions;
    /** The clock (ms since the epoch) tokens are minted and checked against. Default `Date.now`. */
    readonly now?: () => number;
}

export interface MintOptions {
    /** Seconds from now (negative: already expired). Default 3599. */
    readonly expiresIn?: number;
    /** Sign with a key the JWKS does not publish. */
    readonly foreignKey?: boolean;
    /** Leave out claims the defaults would add. */
    readonly omit?: readonly string[];
}

export const entraPrefix = "/local-entra";
export const tokenLifetimeSeconds = 3599;

export class LocalEntra {
    readonly issuer: string;
    readonly jwksUri: string;
    readonly tokenEndpoint: string;
    /** `<base>/local-entra/<tenant>`: where the front door sends users (authorize, token). */
    readonly authority: string;
    readonly signIn: LocalSignIn | undefined;
    private readonly keyId = randomUUID();
    private readonly assertions: AssertionChecker;
    /** The published key set, made on first use (once the key has its kid): it imports the key once. */
    private keySet: ReturnType<typeof createLocalJWKSet> | undefined;
    private readonly now: () => number;
    private readonly verified: VerifiedTokens;

    private constructor(
        readonly options: LocalEntraOptions,
        private readonly signingKey: CryptoKey,
        private readonly foreignKey: CryptoKey,
        private readonly publicJwk: JWK,
    ) {
        this.now = options.now ?? Date.now;
        this.verified = new VerifiedTokens(this.now);
        const base = options.baseUrl.replace(/\/+$/, "");
        this.issuer = `${base}${entraPrefix}/${options.tenantId}/v2.0`;
        this.jwksUri = `${base}${entraPrefix}/${options.tenantId}/discovery/v2.0/keys`;
        this.tokenEndpoint = `${base}${entraPrefix}/oauth2/v2.0/token`;
        this.authority = `${base}${entraPrefix}/${options.tenantId}`;
        this.assertions = new AssertionChecker(options.federation ?? {}, [
            `${this.authority}/oauth2/v2.0/token`,
            this.tokenEndpoint,
        ]);
        this.signIn = options.signIn
            ? new LocalSignIn(options.signIn, {
                  mintDelegated: (user, clientId) => this.delegatedToken(user, clientId),
                  assertionValid: async (assertion, audience, subject) => {
                      const result = await this.validate(assertion, options.tenantId, [audience]);
                      return result.ok && result.payload?.sub === subject;
                  },
              })
            : undefined;
    }

    static async create(options: LocalEntraOptions): Promise<LocalEntra> {
        const [known, foreign] = await Promise.all([generateKeyPair("RS256"), generateKeyPair("RS256")]);
        const jwk = await exportJWK(known.publicKey);
        const entra = new LocalEntra(options, known.privateKey, foreign.privateKey, jwk);
        Object.assign(entra.publicJwk, { kid: entra.keyId, use: "sig", alg: "RS256" });
        return entra;
    }

    /** The agent by stack-file name or client id. */
    agent(nameOrClientId: string): LocalAgent | undefined {
        return this.options.agents.find((a) => a.name === nameOrClientId || a.clientId === nameOrClientId);
    }

    /** Any token this tenant could issue; claims override the defaults. */
    async mint(claims: JWTPayload, options: MintOptions = {}): Promise<string> {
        const now = Math.floor(this.now() / 1000);
        const lifetime = options.expiresIn ?? tokenLifetimeSeconds;
        const payload: JWTPayload = {
            iss: this.issuer,
            iat: lifetime < 0 ? now + lifetime - 3600 : now,
            nbf: lifetime < 0 ? now + lifetime - 3600 : now,
            exp: now + lifetime,
            tid: this.options.tenantId,
            ver: "2.0",
            uti: randomUUID().replace(/-/g, "").slice(0, 22),
            ...claims,
        };
        for (const name of options.omit ?? []) delete payload[name];
        return new SignJWT(payload)
            .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.keyId })
            .sign(options.foreignKey ? this.foreignKey : this.signingKey);
    }

    /** A v2 app-only access token for an agent of the stack, as the client-credentials grant returns. */
    agentToken(agent: LocalAgent, options: MintOptions = {}): Promise<string> {
        return this.mint(
            {
                aud: this.options.resourceClientId,
                azp: agent.clientId,
                azpacr: "2",
                idtyp: "app",
                oid: agent.objectId,
                sub: agent.objectId,
                roles: [...agent.roles],
            },
            options,
        );
    }

    /** A v2 delegated token for the MCP app, as Entra issues to a client acting for a signed-in user. */
    delegatedToken(user: LocalUser, clientId: string): Promise<string> {
        return this.mint({
            aud: this.options.resourceClientId,
            azp: clientId,
            azpacr: "2",
            scp: delegatedScope,
            oid: user.objectId,
            // Pairwise per app in Entra: a stable value that is not the object id.
            sub: `${user.objectId.slice(0, 8)}-${clientId.slice(0, 8)}`,
            name: user.name,
            preferred_username: `${user.name.toLowerCase().replace(/[^a-z0-9]+/g, ".")}@local.test`,
            ...(user.roles.length > 0 ? { roles: [...user.roles] } : {}),
        });
    }

    /**
     * What a managed identity gets for `api://AzureADTokenExchange` (issuer of this tenant, `sub` =
     * the identity's object id): the client assertion a federated credential accepts.
     */
    federationAssertion(objectId: string): Promise<string> {
        return this.mint(
            { aud: tokenExchangeAudience, oid: objectId, sub: objectId, idtyp: "app" },
            { expiresIn: 600 },
        );
    }

    /** Token for the gateway's managed identity (authentication-managed-identity). */
    async managedIdentityToken(resource: string): Promise<MintedToken> {
        const id = this.options.gatewayIdentity;
        const token = await this.mint({
            aud: resource,
            azp: id.clientId,
            appid: id.clientId,
            idtyp: "app",
            oid: id.objectId,
            sub: id.objectId,
            roles: [...id.roles],
        });
        return { token, expiresOn: this.now() + tokenLifetimeSeconds * 1000 };
    }

    /**
     * validate-azure-ad-token against this tenant: RS256 signature by a published key, issuer of the
     * tenant (v2 form), audience among `audiences` (when any), lifetime with no clock skew.
     */
    async validate(
        token: string,
        tenant: string,
        audiences: readonly string[],
    ): Promise<TokenValidationResult> {
        const wellKnown = tenant === "organizations" || tenant === "common";
        if (!wellKnown && tenant !== this.options.tenantId && !tenant.endsWith(`/${this.options.tenantId}`))
            return {
                ok: false,
                reason: "TokenIssuerNotAllowed",
                message: `tenant ${tenant} is not the local tenant`,
            };
        const known = this.verified.get(token, audiences);
        if (known) return { ok: true, ...known };
        let header: Record<string, unknown>;
        try {
            header = decodeProtectedHeader(token);
        } catch {
            return { ok: false, reason: "JwtInvalid", message: "JWT is not well formed." };
        }
        try {
            this.keySet ??= createLocalJWKSet({ keys: [this.publicJwk] });
            const { payload } = await jwtVerify(token, this.keySet, {
                issuer: this.issuer,
                algorithms: ["RS256"],
                requiredClaims: ["exp"],
                currentDate: new Date(this.now()),
                ...(audiences.length > 0 ? { audience: [...audiences] } : {}),
            });
            this.verified.remember(token, audiences, { header, payload });
            return { ok: true, header, payload };
        } catch (error) {
            return { ok: false, ...describe(error) };
        }
    }

    /** Serves `/local-entra/...`; false when the path is not the stand-in's. */
    handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
        if (!path.startsWith(`${entraPrefix}/`)) return false;
        const rest = path.slice(entraPrefix.length);
        const tenantPrefix = `/${this.options.tenantId}`;
        const local = rest.startsWith(`${tenantPrefix}/`) ? rest.slice(tenantPrefix.length) : rest;
        if (req.method === "GET" && local === "/v2.0/.well-known/openid-configuration") {
            send(res, 200, {
                issuer: this.issuer,
                token_endpoint: this.tokenEndpoint,
                jwks_uri: this.jwksUri,
                token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt"],
                grant_types_supported: this.signIn
                    ? ["client_credentials", "authorization_code", "refresh_token"]
                    : ["client_credentials"],
                ...(this.signIn ? { authorization_endpoint: `${this.authority}/oauth2/v2.0/authorize` } : {}),
                id_token_signing_alg_values_supported: ["RS256"],
                tenant_region_scope: "local",
            });
        } else if (req.method === "GET" && local === "/discovery/v2.0/keys") {
            send(res, 200, { keys: [this.publicJwk] });
        } else if (local === "/oauth2/v2.0/authorize" && req.method === "GET" && this.signIn) {
            const answer = this.signIn.authorize(new URL(req.url ?? "/", "http://local").searchParams);
            if (answer.location) {
                res.writeHead(302, { location: answer.location, "cache-control": "no-store" }).end();
            } else send(res, answer.status, answer.body);
        } else if (local === "/oauth2/v2.0/token") {
            if (req.method !== "POST")
                send(res, 405, { error: "invalid_request", error_description: "POST only" });
            else void this.tokenRequest(req, res);
        } else {
            send(res, 404, { error: "not_found" });
        }
        return true;
    }

    private async tokenRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of req) {
            size += (chunk as Buffer).length;
            if (size > 64 * 1024)
                return send(res, 400, { error: "invalid_request", error_description: "body too large" });
            chunks.push(chunk as Buffer);
        }
        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        const grant = form.get("grant_type");
        if (this.signIn && (grant === "authorization_code" || grant === "refresh_token")) {
            const answer = await this.signIn.token(form);
            return send(res, answer.status, answer.body);
        }
        if (grant !== "client_credentials")
            return send(res, 400, {
                error: "unsupported_grant_type",
                error_description: "only client_credentials is issued locally",
            });
        const clientId = form.get("client_id") ?? "";
        const agent = this.options.agents.find((a) => a.clientId === clientId) ?? this.agent(clientId);
        if (!agent)
            return reply(
                res,
                refusal(
                    "unauthorized_client",
                    700016,
                    `Application with identifier '${clientId}' was not found in the directory '${this.options.tenantId}'.`,
                ),
            );
        const scope = form.get("scope") ?? "";
        if (!scope.endsWith("/.default"))
            return reply(
                res,
                refusal(
                    "invalid_scope",
                    70011,
                    `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
                ),
            );
        const assertion = form.get("client_assertion");
        const assertionType = form.get("client_assertion_type");
        if (assertion !== null && assertionType !== clientAssertionType)
            return reply(
                res,
                refusal(
                    "invalid_request",
                    7000218,
                    `client_assertion_type must be ${clientAssertionType} when a client_assertion is sent.`,
                ),
            );
        if (assertion === null) {
            // Without an assertion the stand-in issues tokens by client id alone (local runs, smoke
            // tests); with federation required it refuses, as Entra does.
            if (this.options.federation?.requireClientAssertion)
                return reply(
                    res,
                    refusal(
                        "invalid_client",
                        7000218,
                        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                    ),
                );
        } else {
            // With an assertion Entra takes only the client id, never the stand-in's name lookup.
            if (agent.clientId !== clientId)
                return reply(
                    res,
                    refusal(
                        "unauthorized_client",
                        700016,
                        `Application with identifier '${clientId}' was not found in the directory '${this.options.tenantId}'.`,
                    ),
                );
            const resource = scope.slice(0, -"/.default".length);
            const appIdUri = this.options.resourceAppIdUri ?? `api://${this.options.resourceClientId}`;
            if (resource !== appIdUri && resource !== this.options.resourceClientId)
                return reply(
                    res,
                    refusal(
                        "invalid_resource",
                        500011,
                        `The resource principal named ${resource} was not found in the tenant named ${this.options.tenantId}.`,
                    ),
                );
            const refused = await this.assertions.check(
                {
                    clientId: agent.clientId,
                    federatedCredentials: agent.federatedCredentials ?? [],
                    certificates: agent.certificates ?? [],
                },
                assertion,
            );
            if (refused) return reply(res, refused);
        }
        send(res, 200, {
            token_type: "Bearer",
            access_token: await this.agentToken(agent),
            expires_in: tokenLifetimeSeconds,
        });
    }
}

const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

function reply(res: ServerResponse, answer: { status: number; body: unknown }): void {
    send(res, answer.status, answer.body);
}

function send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
        "content-length": Buffer.byteLength(text),
    });
    res.end(text);
}

function describe(error: unknown): { reason: string; message: string } {
    if (error instanceof joseErrors.JWTExpired)
        return { reason: "TokenExpired", message: "Lifetime validation failed. The token is expired." };
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
        if (error.claim === "aud")
            return { reason: "TokenAudienceNotAllowed", message: "Audience validation failed." };
        if (error.claim === "iss")
            return { reason: "TokenIssuerNotAllowed", message: "Issuer validation failed." };
        return { reason: "TokenClaimValueNotAllowed", message: `Claim ${error.claim} is not valid.` };
    }
    if (error instanceof joseErrors.JWKSNoMatchingKey)
        return { reason: "TokenSignatureKeyNotFound", message: "Signature key not found." };
    if (error instanceof joseErrors.JWSSignatureVerificationFailed)
        return { reason: "TokenSignatureInvalid", message: "Signature validation failed." };
    if (error instanceof joseErrors.JOSEAlgNotAllowed)
        return { reason: "TokenSignatureInvalid", message: "Signature algorithm not allowed." };
    return { reason: "JwtInvalid", message: "JWT is not valid." };
}
