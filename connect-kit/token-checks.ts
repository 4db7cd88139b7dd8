/**
 * Checks the kit runs on a token before it sends it anywhere: the audience is the one the receiver
 * expects, and the token is neither expired nor about to be nor not yet valid. The kit cannot verify
 * signatures (it has no reason to trust a key the receiver trusts); the receiver does that. These
 * checks turn a far-away refusal ("AADSTS700024", a 401) into a precise local one.
 */
import { decodeJwt, type JWTPayload } from "jose";
import { TokenCheckFailedError } from "./errors";

export interface TokenExpectation {
    readonly token: "assertion" | "access token";
    /** The token's `aud` (a string or one entry of the array) must be one of these. */
    readonly audiences: readonly string[];
    /** Seconds the token must still be valid for; default 30. */
    readonly minRemainingSeconds?: number;
    /** Tolerated clock difference for `nbf`/`iat`; default 60 s. */
    readonly clockSkewSeconds?: number;
    readonly now?: () => number;
}

/** The token's claims when it passes; throws {@link TokenCheckFailedError} otherwise. */
export function checkToken(jwt: string, expect: TokenExpectation): JWTPayload & { exp: number } {
    let claims: JWTPayload;
    try {
        claims = decodeJwt(jwt);
    } catch {
        throw new TokenCheckFailedError(expect.token, "malformed", "not a JWT");
    }
    const audiences = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
    if (!audiences.some((a) => expect.audiences.includes(a)))
        throw new TokenCheckFailedError(
            expect.token,
            "audience",
            `aud ${JSON.stringify(claims.aud ?? null)} is not ${expect.audiences.join(" or ")}`,
        );
    const now = Math.floor((expect.now ?? Date.now)() / 1000);
    const skew = expect.clockSkewSeconds ?? 60;
    const { exp } = claims;
    if (typeof exp !== "number") throw new TokenCheckFailedError(expect.token, "lifetime", "no exp claim");
    const remaining = exp - now;
    const minRemaining = expect.minRemainingSeconds ?? 30;
    if (remaining < minRemaining)
        throw new TokenCheckFailedError(
            expect.token,
            "lifetime",
            remaining <= 0
                ? `expired ${-remaining} s ago`
                : `valid for ${remaining} s only (at least ${minRemaining} s needed)`,
        );
    if (typeof claims.nbf === "number" && claims.nbf > now + skew)
        throw new TokenCheckFailedError(
            expect.token,
            "lifetime",
            `not valid before ${claims.nbf - now} s from now`,
        );
    return { ...claims, exp };
}

/** Who a token says it is, for messages: never the token itself. */
export function describeToken(jwt: string): string {
    try {
        const { iss, sub, aud } = decodeJwt(jwt);
        return `iss=${String(iss)} sub=${String(sub)} aud=${JSON.stringify(aud ?? null)}`;
    } catch {
        return "(not a JWT)";
    }
}
