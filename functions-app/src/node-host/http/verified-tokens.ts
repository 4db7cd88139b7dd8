/**
 * Tokens whose signature and claims were verified, by their exact text, with what the verifier made
 * of their claims, so a token presented again is neither verified nor read again: the gateway calls
 * with one token of its own for as long as it lives, and an RS256 verification per request halved
 * the host's throughput (`npm run bench`, row g).
 *
 * Safe because a hit is the same bytes that passed: only time can change the answer. Each hit is
 * checked against the token's `exp` (with the verifier's clock tolerance), and an entry lives at
 * most `maxAgeMs`, so a signing key withdrawn from the JWKS stops being honoured within that time
 * beyond the verifier's own key cache. Only successes are kept, so invalid tokens cannot fill it;
 * at `maxEntries` the oldest entry goes.
 */
export class VerifiedTokens<T> {
    private readonly entries = new Map<string, Entry<T>>();
    /**
     * The entry found last. Behind the gateway almost every request repeats it, and comparing
     * against it spares hashing a token of a kilobyte or so for the map on each request.
     */
    private last: Entry<T> | undefined;

    constructor(
        private readonly options: {
            readonly maxEntries: number;
            readonly maxAgeMs: number;
            /** Seconds a token is accepted after `exp`, as the verifier accepts it. */
            readonly clockToleranceSeconds: number;
        },
    ) {}

    /** What was remembered of `token`, or undefined when it was not verified or is no longer valid. */
    get(token: string, nowMs: number): T | undefined {
        const last = this.last;
        const entry = last !== undefined && last.token === token ? last : this.entries.get(token);
        if (entry === undefined) return undefined;
        if (nowMs >= entry.until) {
            this.forget(entry);
            return undefined;
        }
        this.last = entry;
        return entry.value;
    }

    /** Remembers a token that has just passed verification at `nowMs`, with its `exp` claim. */
    add(token: string, exp: unknown, value: T, nowMs: number): void {
        const expiresMs =
            typeof exp === "number"
                ? (exp + this.options.clockToleranceSeconds) * 1000
                : Number.NEGATIVE_INFINITY;
        const until = Math.min(expiresMs, nowMs + this.options.maxAgeMs);
        if (until <= nowMs) return;
        const replaced = this.entries.get(token);
        if (replaced !== undefined) this.forget(replaced);
        if (this.entries.size >= this.options.maxEntries) {
            const oldest = this.entries.values().next();
            if (oldest.done !== true) this.forget(oldest.value);
        }
        this.entries.set(token, { token, value, until });
    }

    private forget(entry: Entry<T>): void {
        this.entries.delete(entry.token);
        if (this.last === entry) this.last = undefined;
    }
}

interface Entry<T> {
    readonly token: string;
    readonly value: T;
    readonly until: number;
}
