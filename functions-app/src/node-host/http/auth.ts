import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { MaybePromise } from "../../maybe-promise";
import { allAppRoles, backendPaths, delegatedScope, gatewayRole, type AppRole } from "../../contract";
import type { Caller } from "../../catalog";
import { forwardedCallerId, forwardedRoles } from "../../forwarded-identity";
import { VerifiedTokens } from "./verified-tokens";

/** How the Node host validates bearer tokens (Entra ID v2 tokens in Azure, a local JWKS in tests). */
export interface AuthSettings {
    /** Exact `iss` expected, e.g. https://login.microsoftonline.com/<tenant>/v2.0 */
    readonly issuer: string;
    /** Accepted `aud` values (v2 tokens carry the app's client id). */
    readonly audiences: readonly string[];
    readonly jwksUri: string;
    /** Resource identifier published in Protected Resource Metadata; defaults to the MCP URL. */
    readonly resource?: string | undefined;
    /** Authorization servers published in the metadata; defaults to the issuer. */
    readonly authorizationServers?: readonly string[];
    /** Scopes published in the metadata (e.g. api://<app>/MCP.Access). */
    readonly scopes?: readonly string[];
}

export interface AuthenticatedCaller extends Caller {
    readonly scopes: readonly string[];
    /** True when the request came through the gateway (its own token), so its forwarded headers count. */
    readonly viaGateway?: boolean;
}

/** What the gateway asserts next to its own token (contract: forwarded caller and roles headers). */
export interface ForwardedHeaders {
    readonly callerId?: string | undefined;
    readonly roles?: string | undefined;
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
    /** One minute beyond the key cache at most; 1,000 callers' tokens (a few MB) at most. */
    private readonly verified = new VerifiedTokens<Identified>({
        maxEntries: 1_000,
        maxAgeMs: 60_000,
        clockToleranceSeconds,
    });
    /** The last Authorization header read and its token: the gateway repeats both request after request. */
    private lastHeader: { readonly text: string; readonly token: string } | undefined;
    /** The last forwarded roles header and the roles it names (frozen, so callers can share them). */
    private lastRoles: { readonly header: string | undefined; readonly roles: readonly AppRole[] } = {
        header: undefined,
        roles: Object.freeze([]),
    };

    constructor(
        readonly settings: AuthSettings,
        /** The clock tokens are checked against (tests move it). */
        private readonly now: () => number = Date.now,
    ) {
        this.keys = createRemoteJWKSet(new URL(settings.jwksUri), { cooldownDuration: 30_000 });
    }

    /**
     * Answers without waiting when the token was verified before and is still valid (the gateway's
     * case); only a token seen for the first time is verified against the issuer's keys.
     *
     * @param forwarded what the gateway asserts about the caller it validated; believed only when
     *   the token is the gateway's own (an app-only token carrying {@link gatewayRole}).
     */
    authenticate(
        authorization: string | undefined,
        forwarded: ForwardedHeaders = {},
    ): MaybePromise<AuthResult> {
        if (!authorization) return { ok: false, status: 401, description: "bearer token required" };
        const token = this.tokenIn(authorization);
        if (token === undefined) {
            return {
                ok: false,
                status: 401,
                error: "invalid_request",
                description: "malformed Authorization header",
            };
        }
        const now = this.now();
        const remembered = this.verified.get(token, now);
        if (remembered !== undefined) return this.admit(remembered, forwarded);
        return this.verify(token, now).then((verified) => {
            if (!verified.ok) return verified;
            const identified = callerFromClaims(verified.payload);
            if (!identified.ok) {
                return {
                    ok: false,
                    status: 401,
                    error: "invalid_token",
                    description: identified.description,
                };
            }
            this.verified.add(token, verified.payload.exp, identified, now);
            return this.admit(identified, forwarded);
        });
    }

    /** The token of a `Bearer` Authorization header (RFC 6750 §2.1 syntax), or undefined. */
    private tokenIn(authorization: string): string | undefined {
        const last = this.lastHeader;
        if (last !== undefined && last.text === authorization) return last.token;
        const token = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(authorization)?.[1];
        if (token !== undefined) this.lastHeader = { text: authorization, token };
        return token;
    }

    private async verify(
        token: string,
        now: number,
    ): Promise<{ readonly ok: true; readonly payload: JWTPayload } | Extract<AuthResult, { ok: false }>> {
        try {
            const { payload } = await jwtVerify(token, this.keys, {
                issuer: this.settings.issuer,
                audience: [...this.settings.audiences],
                algorithms: ["RS256"],
                requiredClaims: ["exp"],
                clockTolerance: clockToleranceSeconds,
                currentDate: new Date(now),
            });
            return { ok: true, payload };
        } catch (error) {
            return { ok: false, status: 401, error: "invalid_token", description: describeTokenError(error) };
        }
    }

    /** The caller a verified token stands for, and whether it may use this server at all. */
    private admit(identified: Identified, forwarded: ForwardedHeaders): AuthResult {
        const caller = identified.caller;
        if (!identified.delegated && caller.roles.includes(gatewayRole)) {
            // The gateway validated the agent's token; it states who the agent is and which of our
            // roles it holds. Per-tool roles are still enforced here, from those roles.
            return {
                ok: true,
                caller: {
                    id: forwardedCallerId(forwarded.callerId) ?? caller.id,
                    roles: this.rolesIn(forwarded.roles),
                    scopes: [],
                    viaGateway: true,
                },
            };
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

    private rolesIn(header: string | undefined): readonly AppRole[] {
        if (header === this.lastRoles.header) return this.lastRoles.roles;
        const roles = Object.freeze(forwardedRoles(header));
        this.lastRoles = { header, roles };
        return roles;
    }
}

/** True when the caller may use something that needs `role`. */
export function hasRole(caller: Caller, role: AppRole): boolean {
    return caller.roles.includes(role);
}

/** Who a verified token speaks for; remembered with the token. */
interface Identified {
    readonly caller: AuthenticatedCaller;
    readonly delegated: boolean;
}

type IdentifiedCaller =
    ({ readonly ok: true } & Identified) | { readonly ok: false; readonly description: string };

/**
 * Who the token speaks for. A delegated token (it carries `scp`) acts for a user: the caller is
 * the user (`oid`), so two users of one client app stay two callers. An app-only token acts for
 * the application: the caller is its client id (`azp`, v1 `appid`). A token that names neither
 * is refused, never pooled under a shared placeholder.
 */
function callerFromClaims(payload: JWTPayload): IdentifiedCaller {
    const text = (name: string): string | undefined => {
        const value = payload[name];
        return typeof value === "string" && value.length > 0 ? value : undefined;
    };
    const roles = Array.isArray(payload.roles) ? (payload.roles as unknown[]).filter(isString) : [];
    const scp = typeof payload.scp === "string" ? payload.scp : undefined;
    const scopes = scp ? scp.split(" ").filter(Boolean) : [];
    if (scp !== undefined) {
        const user = text("oid");
        if (!user) return { ok: false, description: "delegated token names no user (oid claim missing)" };
        return { ok: true, caller: { id: user, roles, scopes }, delegated: true };
    }
    const app = text("azp") ?? text("appid");
    if (!app)
        return { ok: false, description: "token names no client application (azp or appid claim missing)" };
    return { ok: true, caller: { id: app, roles, scopes }, delegated: false };
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
