/**
 * Tokens whose signature, issuer and audience the local Entra stand-in has already verified, so a
 * token presented again (every call of one agent, the gateway's cached managed identity token at
 * Content Safety) skips the RSA verification. Only the lifetime depends on the time, so a
 * remembered token counts only while `nbf <= now < exp` holds, with jose's whole-second clock;
 * outside that window the caller verifies afresh and gets the same refusal as without the memo.
 */
import type { JWTPayload } from "jose";

/** Remembered tokens at most: a bound, not a tuning knob (tests and `npm start` use a few dozen). */
const capacity = 1000;

export interface VerifiedToken {
    readonly header: Record<string, unknown>;
    readonly payload: JWTPayload;
}

export class VerifiedTokens {
    private readonly entries = new Map<string, VerifiedToken>();

    constructor(private readonly now: () => number = Date.now) {}

    /** The verified token for this exact text and audience list, while its lifetime holds. */
    get(token: string, audiences: readonly string[]): VerifiedToken | undefined {
        const found = this.entries.get(keyOf(token, audiences));
        if (!found) return undefined;
        const seconds = Math.floor(this.now() / 1000);
        const { exp, nbf } = found.payload;
        if (typeof exp !== "number" || exp <= seconds) return undefined;
        if (typeof nbf === "number" && nbf > seconds) return undefined;
        return found;
    }

    remember(token: string, audiences: readonly string[], verified: VerifiedToken): void {
        if (this.entries.size >= capacity) {
            const [oldest] = this.entries.keys();
            if (oldest !== undefined) this.entries.delete(oldest);
        }
        this.entries.set(keyOf(token, audiences), verified);
    }
}

// Tokens and audiences hold no newline.
const keyOf = (token: string, audiences: readonly string[]): string => `${token}\n${audiences.join("\n")}`;
