/**
 * The gateway's managed identity tokens, one per resource and identity, reused until shortly
 * before they expire: APIM's authentication-managed-identity caches the token it obtains until
 * expiry, so the backend and Content Safety see the same token across calls, as in Azure.
 */
import type { MintedToken } from "./policies/types";

/** A token this close to its expiry is replaced, so no call carries one that lapses in flight. */
const renewBeforeMs = 5 * 60 * 1000;

export class ManagedIdentityTokens {
    private readonly tokens = new Map<string, Promise<MintedToken>>();

    constructor(
        private readonly mint: (resource: string, clientId?: string) => Promise<MintedToken>,
        private readonly now: () => number = Date.now,
    ) {}

    async get(resource: string, clientId?: string): Promise<MintedToken> {
        // Resource ids and client ids hold no newline.
        const key = `${clientId ?? ""}\n${resource}`;
        const cached = this.tokens.get(key);
        if (cached) {
            const token = await cached.catch(() => undefined);
            if (token && token.expiresOn - this.now() > renewBeforeMs) return token;
            if (this.tokens.get(key) !== cached) return this.get(resource, clientId);
        }
        // Concurrent calls share one mint; a failed mint is not remembered.
        const minted = this.mint(resource, clientId);
        this.tokens.set(key, minted);
        minted.catch(() => {
            if (this.tokens.get(key) === minted) this.tokens.delete(key);
        });
        return minted;
    }
}
