import type { JWTPayload } from "jose";

/**
 * Tokens whose signature and claims were verified, by their exact text, so a token presented
 * again is not verified again: the gateway calls with one token of its own for as long as it lives,
 * and an RS256 verification per request halved the host's throughput (`npm run bench`, row g).
 *
 * Safe because a hit is the same bytes that passed: only time can change the answer. Each hit is
 * checked against the token's `exp` (with the verifier's clock tolerance), and an entry lives at
 * most `maxAgeMs`, so a signing key withdrawn from the JWKS stops being honoured within that time
 * beyond the verifier's own key cache. Only successes are kept, so invalid tokens cannot fill it;
 * at `maxEntries` the oldest entry goes.
 */
export class VerifiedTokens {
    private readonly entries = new Map<string, { readonly payload: JWTPayload; readonly until: number }>();

    constructor(
        private readonly options: {
            readonly maxEntries: number;
            readonly maxAgeMs: number;
            /** Seconds a token is accepted after `exp`, as the verifier accepts it. */
            readonly clockToleranceSeconds: number;
        },
    ) {}

    /** The verified claims of `token`, or undefined when it was not verified or is no longer valid. */
    get(token: string, nowMs: number): JWTPayload | undefined {
        const entry = this.entries.get(token);
        if (entry === undefined) return undefined;
        if (nowMs >= entry.until) {
            this.entries.delete(token);
            return undefined;
        }
        return entry.payload;
    }

    /** Remembers a token that has just passed verification at `nowMs`. */
    add(token: string, payload: JWTPayload, nowMs: number): void {
        const expiresMs =
            typeof payload.exp === "number"
                ? (payload.exp + this.options.clockToleranceSeconds) * 1000
                : Number.NEGATIVE_INFINITY;
        const until = Math.min(expiresMs, nowMs + this.options.maxAgeMs);
        if (until <= nowMs) return;
        this.entries.delete(token);
        if (this.entries.size >= this.options.maxEntries) {
            const oldest = this.entries.keys().next();
            if (oldest.done !== true) this.entries.delete(oldest.value);
        }
        this.entries.set(token, { payload, until });
    }
}
