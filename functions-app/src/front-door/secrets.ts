/**
 * Random values, hashes and the sealing of upstream tokens. Values handed to clients (codes, refresh
 * tokens, session ids) are 256-bit random; the store keeps only their SHA-256, and whatever upstream
 * secret a value unlocks is encrypted under a key derived from that value, so the store alone can
 * neither redeem nor read anything.
 */
import { nodeCrypto } from "../lazy-builtins";

export function randomToken(): string {
    return nodeCrypto().randomBytes(32).toString("base64url");
}

export function sha256(value: string): string {
    return nodeCrypto().createHash("sha256").update(value, "utf8").digest("base64url");
}

/** PKCE S256 (RFC 7636 §4.2). */
export function pkceChallenge(verifier: string): string {
    return nodeCrypto().createHash("sha256").update(verifier, "ascii").digest("base64url");
}

function keyFrom(secret: string): Buffer {
    return Buffer.from(nodeCrypto().hkdfSync("sha256", secret, "", "mcp-front-door seal v1", 32));
}

/** AES-256-GCM under a key derived from `secret`; the result is `iv.tag.ciphertext` (base64url). */
export function seal(secret: string, plaintext: string): string {
    const iv = nodeCrypto().randomBytes(12);
    const cipher = nodeCrypto().createCipheriv("aes-256-gcm", keyFrom(secret), iv);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
}

/** Undefined when the value was not sealed under `secret` or was altered. */
export function unseal(secret: string, sealed: string): string | undefined {
    const [iv, tag, body] = sealed.split(".").map((p) => Buffer.from(p, "base64url"));
    if (!iv || !tag || !body) return undefined;
    try {
        const decipher = nodeCrypto().createDecipheriv("aes-256-gcm", keyFrom(secret), iv);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    } catch {
        return undefined;
    }
}
