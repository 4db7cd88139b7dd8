import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { allAppRoles, backendPaths, delegatedScope, gatewayRole, type AppRole } from "../contract";
import type { Caller } from "../catalog";

/** How the Node host validates bearer tokens (Entra ID v2 tokens in Azure, a local JWKS in tests). */
export interface AuthSettings {
    /** Exact `iss` expected, e.g. https://login.microsoftonline.com/<tenant>/v2.0 */
    readonly issuer: string;
    /** Accepted `aud` values (v2 tokens carry the app's client id). */
    readonly audiences: readonly string[];
    readonly jwksUri: string;
    /** Resource identifier published in Protected Resource Metadata; defaults to the MCP URL. */
    readonly resource?: string;
    /** Authorization servers published in the metadata; defaults to the issuer. */
    readonly authorizationServers?: readonly string[];
    /** Scopes published in the metadata (e.g. api://<app>/MCP.Access). */
    readonly scopes?: readonly string[];
}

export interface AuthenticatedCaller extends Caller {
    readonly scopes: readonly string[];
}

export type AuthResult =
    | { readonly ok: true; readonly caller: AuthenticatedCaller }
    | {
          readonly ok: false;
          readonly status: 401 | 403;
          readonly error?: string;
          readonly description: string;
      };

/** Tokens are accepted this long after `exp` / before `nbf`, for clock skew between hosts. */
const clockToleranceSeconds = 60;

/**
 * Verifies bearer tokens: RS256 only (an `alg: none` or HMAC token is rejected before any key is
 * consulted), issuer, audience, expiry, signature against the issuer's published keys.
 */
export class BearerAuthenticator {
    private readonly keys: ReturnType<typeof createRemoteJWKSet>;

    constructor(readonly settings: AuthSettings) {
        this.keys = createRemoteJWKSet(new URL(settings.jwksUri), { cooldownDuration: 30_000 });
    }

    /**
     * @param forwardedCaller the agent the gateway says it calls for; believed only when the token
     *   is the gateway's own (it carries {@link gatewayRole}).
     */
    async authenticate(authorization: string | undefined, forwardedCaller?: string): Promise<AuthResult> {
        if (!authorization) return { ok: false, status: 401, description: "bearer token required" };
        const match = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(authorization);
        if (!match) {
            return {
                ok: false,
                status: 401,
                error: "invalid_request",
                description: "malformed Authorization header",
            };
        }
        let payload: JWTPayload;
        try {
            ({ payload } = await jwtVerify(match[1], this.keys, {
                issuer: this.settings.issuer,
                audience: [...this.settings.audiences],
                algorithms: ["RS256"],
                requiredClaims: ["exp"],
                clockTolerance: clockToleranceSeconds,
            }));
        } catch (error) {
            return { ok: false, status: 401, error: "invalid_token", description: describeTokenError(error) };
        }
        const caller = callerFromClaims(payload);
        if (caller.roles.includes(gatewayRole)) {
            // The gateway already validated the agent's token and its role for the tool it calls.
            const id =
                forwardedCaller && /^[\w.@:-]{1,128}$/.test(forwardedCaller) ? forwardedCaller : caller.id;
            return { ok: true, caller: { id, roles: allAppRoles, scopes: [] } };
        }
        // A token for our audience proves little on its own: any app in the tenant can get one.
        // The caller must also hold one of our roles or the delegated scope.
        const known = caller.roles.some((r) => (allAppRoles as readonly string[]).includes(r));
        if (!known && !caller.scopes.includes(delegatedScope)) {
            return {
                ok: false,
                status: 403,
                error: "insufficient_scope",
                description: `token grants none of the roles ${allAppRoles.join(", ")} nor the scope ${delegatedScope}`,
            };
        }
        return { ok: true, caller };
    }
}

/** True when the caller may use something that needs `role`. */
export function hasRole(caller: Caller, role: AppRole): boolean {
    return caller.roles.includes(role);
}

function callerFromClaims(payload: JWTPayload): AuthenticatedCaller {
    const claim = (name: string): unknown => payload[name];
    const id = [claim("azp"), claim("appid"), claim("oid"), payload.sub].find(
        (v) => typeof v === "string",
    ) as string | undefined;
    const roles = Array.isArray(claim("roles")) ? (claim("roles") as unknown[]).filter(isString) : [];
    const scp = claim("scp");
    const scopes = typeof scp === "string" ? scp.split(" ").filter(Boolean) : [];
    return { id: id ?? "unknown", roles, scopes };
}

function isString(v: unknown): v is string {
    return typeof v === "string";
}

function describeTokenError(error: unknown): string {
    if (error instanceof joseErrors.JWTExpired) return "token expired";
    if (error instanceof joseErrors.JWTClaimValidationFailed)
        return `token claim '${error.claim}' is not accepted`;
    if (error instanceof joseErrors.JOSEAlgNotAllowed) return "token algorithm not accepted (RS256 only)";
    if (error instanceof joseErrors.JWKSNoMatchingKey) return "token signed by an unknown key";
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "token signature invalid";
    if (error instanceof joseErrors.JWKSTimeout) return "signing keys could not be fetched";
    return "token invalid";
}

/** RFC 6750 / RFC 9728 challenge pointing the client at the Protected Resource Metadata. */
export function bearerChallenge(
    metadataUrl: string,
    error?: string,
    description?: string,
    scope?: string,
): string {
    const parts = [`resource_metadata="${metadataUrl}"`];
    if (error) parts.push(`error="${error}"`);
    if (description) parts.push(`error_description="${description.replace(/["\\]/g, "")}"`);
    if (scope) parts.push(`scope="${scope}"`);
    return `Bearer ${parts.join(", ")}`;
}

/** RFC 9728 Protected Resource Metadata document for this server. */
export function protectedResourceMetadata(settings: AuthSettings, baseUrl: string): Record<string, unknown> {
    return {
        resource: settings.resource ?? baseUrl + backendPaths.mcpStreamable,
        authorization_servers: settings.authorizationServers ?? [settings.issuer],
        ...(settings.scopes && settings.scopes.length > 0 ? { scopes_supported: settings.scopes } : {}),
        bearer_methods_supported: ["header"],
        resource_name: "Agents control plane MCP tools",
    };
}
