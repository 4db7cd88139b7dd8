import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from "jose";

/**
 * A local stand-in for Entra ID's signing keys: an RSA key pair whose public half is served as a
 * JWKS on loopback, and a signer for tokens with any claims (valid or deliberately broken).
 */
export interface TokenIssuer {
    readonly issuer: string;
    readonly jwksUri: string;
    sign(
        claims: JWTPayload,
        options?: { expiresIn?: string | number; key?: "known" | "unknown" },
    ): Promise<string>;
    /** A token with `alg: none` and no signature. */
    unsigned(claims: JWTPayload): string;
    /** A token signed with HS256 using the public key's modulus as the secret (key-confusion attack). */
    hs256(claims: JWTPayload): Promise<string>;
    close(): Promise<void>;
}

export async function startTokenIssuer(): Promise<TokenIssuer> {
    const known = await generateKeyPair("RS256");
    const unknown = await generateKeyPair("RS256");
    const publicJwk: JWK = {
        ...(await exportJWK(known.publicKey)),
        kid: "known-key",
        alg: "RS256",
        use: "sig",
    };
    const server: Server = createServer((req, res) => {
        if (req.url === "/keys") {
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ keys: [publicJwk] }));
        } else {
            res.writeHead(404).end();
        }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const issuer = `${base}/tenant/v2.0`;

    const signWith = (key: CryptoKey, kid: string, claims: JWTPayload, expiresIn: string | number) =>
        new SignJWT(claims)
            .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
            .setIssuedAt()
            .setIssuer(claims.iss ?? issuer)
            .setExpirationTime(expiresIn)
            .sign(key);

    return {
        issuer,
        jwksUri: `${base}/keys`,
        sign: (claims, options = {}) =>
            options.key === "unknown"
                ? signWith(unknown.privateKey, "unknown-key", claims, options.expiresIn ?? "10m")
                : signWith(known.privateKey, "known-key", claims, options.expiresIn ?? "10m"),
        unsigned: (claims) => {
            const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
            const now = Math.floor(Date.now() / 1000);
            return `${enc({ alg: "none", typ: "JWT" })}.${enc({ iss: issuer, iat: now, exp: now + 600, ...claims })}.`;
        },
        hs256: async (claims) => {
            const secret = new TextEncoder().encode(publicJwk.n);
            return new SignJWT(claims)
                .setProtectedHeader({ alg: "HS256", kid: "known-key" })
                .setIssuedAt()
                .setIssuer(issuer)
                .setExpirationTime("10m")
                .sign(secret);
        },
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
