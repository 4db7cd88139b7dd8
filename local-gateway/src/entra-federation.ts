/**
 * The stand-in's check of a client assertion, as Entra makes it for an app's credentials:
 *  - federated identity credentials: the assertion's issuer, subject and audience must equal one
 *    credential's exactly (case-sensitive, the issuer as configured, no trimming) and its signature
 *    must verify with a key the issuer publishes (OpenID discovery, then `jwks_uri`), RS256 only;
 *  - certificate credentials: the header's `x5t` (SHA-1) or `x5t#S256` (SHA-256) thumbprint names a
 *    certificate registered on the app, whose key verifies the signature; `iss` = `sub` = the
 *    client id, `aud` = the tenant's token endpoint.
 * The credentials are the synthesized stack's (what the program creates), so a change in how the
 * program maps a platform to a credential shows up here as a refused exchange.
 * Error codes follow Entra's AADSTS list (reference: identity-and-oauth.md 1.8); where Entra's
 * exact code is undocumented the closest documented one is used and named in a comment.
 */
import { createHash, randomUUID, X509Certificate } from "node:crypto";
import {
    createRemoteJWKSet,
    decodeJwt,
    decodeProtectedHeader,
    errors as joseErrors,
    jwtVerify,
    type JWTPayload,
    type JWTVerifyGetKey,
} from "jose";

export interface FederatedCredential {
    readonly issuer: string;
    readonly subject: string;
    readonly audiences: readonly string[];
}

export interface AppCredentials {
    readonly clientId: string;
    readonly federatedCredentials: readonly FederatedCredential[];
    /** PEM or base64 DER. */
    readonly certificates: readonly string[];
}

export interface FederationOptions {
    /**
     * Where the stand-in finds an issuer's OpenID configuration: the base URL standing for the
     * issuer (tests point real issuer URLs at local fakes). Default: the issuer itself, as Entra.
     */
    readonly issuerLocation?: (issuer: string) => string;
    /** Refuse client credentials without an assertion (Entra does; default false for local runs). */
    readonly requireClientAssertion?: boolean;
}

export interface Refusal {
    readonly status: number;
    readonly body: Record<string, unknown>;
}

/** Entra's error body: `error`, `error_description` starting with the AADSTS code, `error_codes`. */
export function refusal(error: string, code: number, message: string, status = 400): Refusal {
    const trace = randomUUID();
    const timestamp = new Date().toISOString();
    return {
        status,
        body: {
            error,
            error_description: `AADSTS${code}: ${message} Trace ID: ${trace} Correlation ID: ${randomUUID()} Timestamp: ${timestamp}`,
            error_codes: [code],
            timestamp,
            trace_id: trace,
            correlation_id: randomUUID(),
            error_uri: `https://login.microsoftonline.com/error?code=${code}`,
        },
    };
}

export class AssertionChecker {
    private readonly keySets = new Map<string, JWTVerifyGetKey>();

    constructor(
        private readonly options: FederationOptions,
        /** Audiences a certificate assertion may carry: the stand-in's token endpoint URLs. */
        private readonly tokenEndpoints: readonly string[],
    ) {}

    /** Undefined when the assertion proves the app's identity; else Entra's refusal. */
    async check(app: AppCredentials, assertion: string): Promise<Refusal | undefined> {
        let header: Record<string, unknown>;
        let claims: JWTPayload;
        try {
            header = decodeProtectedHeader(assertion);
            claims = decodeJwt(assertion);
        } catch {
            return refusal("invalid_request", 50027, "JWT token is invalid or malformed.");
        }
        const thumbprint = header["x5t#S256"] ?? header.x5t;
        if (typeof thumbprint === "string" && app.certificates.length > 0)
            return this.checkCertificate(app, assertion, header);
        return this.checkFederated(app, assertion, claims);
    }

    private async checkFederated(
        app: AppCredentials,
        assertion: string,
        claims: JWTPayload,
    ): Promise<Refusal | undefined> {
        const { iss, sub } = claims;
        const aud = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
        const presented = `Presented assertion issuer '${String(iss)}', subject '${String(sub)}', audience '${aud.join(",")}'.`;
        const byIssuer = app.federatedCredentials.filter((c) => c.issuer === iss);
        if (byIssuer.length === 0)
            return refusal(
                "invalid_client",
                700211,
                `No matching federated identity record found for presented assertion issuer '${String(iss)}'. ${presented}`,
            );
        const bySubject = byIssuer.filter((c) => c.subject === sub);
        if (bySubject.length === 0)
            return refusal(
                "invalid_client",
                700213,
                `No matching federated identity record found for presented assertion subject '${String(sub)}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${presented}`,
            );
        const match = bySubject.find((c) => c.audiences.some((a) => aud.includes(a)));
        if (!match)
            return refusal(
                "invalid_client",
                700212,
                `No matching federated identity record found for presented assertion audience '${aud.join(",")}'. ${presented}`,
            );
        try {
            await jwtVerify(assertion, await this.issuerKeys(match.issuer), {
                issuer: match.issuer,
                subject: match.subject,
                algorithms: ["RS256"],
                requiredClaims: ["exp"],
                clockTolerance: 300,
            });
        } catch (error) {
            return verificationRefusal(error);
        }
        return undefined;
    }

    private async checkCertificate(
        app: AppCredentials,
        assertion: string,
        header: Record<string, unknown>,
    ): Promise<Refusal | undefined> {
        const sha256 = typeof header["x5t#S256"] === "string";
        const wanted = sha256 ? header["x5t#S256"] : header.x5t;
        const cert = app.certificates.map(readCertificate).find(
            (c) =>
                c !== undefined &&
                createHash(sha256 ? "sha256" : "sha1")
                    .update(c.raw)
                    .digest("base64url") === wanted,
        );
        if (!cert)
            return refusal(
                "invalid_client",
                700027,
                `Client assertion failed signature validation. The certificate with thumbprint '${String(wanted)}' is not registered on application '${app.clientId}'.`,
            );
        try {
            await jwtVerify(assertion, cert.publicKey, {
                issuer: app.clientId,
                subject: app.clientId,
                audience: [...this.tokenEndpoints],
                algorithms: ["RS256", "PS256"],
                requiredClaims: ["exp", "jti"],
                clockTolerance: 300,
            });
        } catch (error) {
            return verificationRefusal(error);
        }
        return undefined;
    }

    /** The issuer's keys, found the way Entra finds them: OpenID discovery, then `jwks_uri`. */
    private async issuerKeys(issuer: string): Promise<JWTVerifyGetKey> {
        const cached = this.keySets.get(issuer);
        if (cached) return cached;
        const base = (this.options.issuerLocation ?? ((i: string) => i))(issuer).replace(/\/+$/, "");
        const response = await fetch(`${base}/.well-known/openid-configuration`, {
            signal: AbortSignal.timeout(5000),
        });
        const config = (await response.json()) as { jwks_uri?: unknown; issuer?: unknown };
        if (typeof config.jwks_uri !== "string") throw new Error(`issuer ${issuer} publishes no jwks_uri`);
        const keys = createRemoteJWKSet(new URL(config.jwks_uri));
        this.keySets.set(issuer, keys);
        return keys;
    }
}

function readCertificate(text: string): X509Certificate | undefined {
    try {
        return new X509Certificate(
            text.includes("-----BEGIN") ? text : Buffer.from(text.replace(/\s+/g, ""), "base64"),
        );
    } catch {
        return undefined;
    }
}

function verificationRefusal(error: unknown): Refusal {
    if (error instanceof joseErrors.JWTExpired)
        return refusal("invalid_client", 700024, "Client assertion is not within its valid time range.");
    if (error instanceof joseErrors.JWTClaimValidationFailed)
        // Entra's code for a certificate assertion with the wrong iss/sub/aud is undocumented; 700027
        // ("client assertion failed ... validation") is the closest documented one.
        return refusal(
            "invalid_client",
            700027,
            `Client assertion failed validation: claim '${error.claim}' is not valid.`,
        );
    return refusal("invalid_client", 700027, "Client assertion failed signature validation.");
}
