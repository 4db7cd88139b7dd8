/**
 * Salesforce (or any agent that cannot federate): a client assertion the agent signs itself with
 * the private key of the certificate registered on its app. Entra finds the certificate by the
 * header thumbprint, not by `kid`: `x5t` (SHA-1 of the DER, with RS256) or `x5t#S256` (SHA-256,
 * with PS256). Microsoft's documentation has said both; MSAL sends either, so the kit offers both
 * and defaults to `x5t`, the form reported to work. Claims: `iss` = `sub` = the app's client id,
 * `aud` = the tenant's token endpoint, a unique `jti`, ten minutes of life.
 */
import { createHash, createPrivateKey, randomUUID, X509Certificate } from "node:crypto";
import { SignJWT } from "jose";
import { PlatformTokenUnavailableError } from "../errors";
import type { PlatformTokenSource } from "../source";

export interface CertificateAssertionOptions {
    readonly clientId: string;
    readonly tenantId: string;
    /** PEM of the certificate registered on the app (public part). */
    readonly certificate: string;
    /** PEM (PKCS#8 or PKCS#1) of its private key. */
    readonly privateKey: string;
    /** Default {@link entraTokenEndpoint} of the tenant: the assertion's `aud`. */
    readonly tokenEndpoint?: string;
    /** Default `x5t`. */
    readonly thumbprint?: "x5t" | "x5t#S256";
    /** Default 600. */
    readonly lifetimeSeconds?: number;
    readonly now?: () => number;
}

/** Entra's v2 token endpoint for a tenant; the authority host defaults to `$AZURE_AUTHORITY_HOST`, as in the Azure SDKs. */
export function entraTokenEndpoint(
    tenantId: string,
    authorityHost = process.env.AZURE_AUTHORITY_HOST ?? "https://login.microsoftonline.com",
): string {
    return `${authorityHost.replace(/\/+$/, "")}/${tenantId}/oauth2/v2.0/token`;
}

export function certificateAssertionSource(options: CertificateAssertionOptions): PlatformTokenSource {
    const platform = "salesforce";
    const audience = options.tokenEndpoint ?? entraTokenEndpoint(options.tenantId);
    let der: Buffer;
    try {
        der = new X509Certificate(options.certificate).raw;
    } catch (error) {
        throw new PlatformTokenUnavailableError(platform, "certificate is not an X.509 PEM", undefined, {
            cause: error,
        });
    }
    const key = createPrivateKey(options.privateKey);
    const mode = options.thumbprint ?? "x5t";
    const header =
        mode === "x5t"
            ? { alg: "RS256", typ: "JWT", x5t: createHash("sha1").update(der).digest("base64url") }
            : { alg: "PS256", typ: "JWT", "x5t#S256": createHash("sha256").update(der).digest("base64url") };
    return {
        platform,
        assertionAudience: audience,
        token() {
            const now = Math.floor((options.now ?? Date.now)() / 1000);
            return new SignJWT({ jti: randomUUID() })
                .setProtectedHeader(header)
                .setIssuer(options.clientId)
                .setSubject(options.clientId)
                .setAudience(audience)
                .setIssuedAt(now)
                .setNotBefore(now)
                .setExpirationTime(now + (options.lifetimeSeconds ?? 600))
                .sign(key);
        },
    };
}
