/**
 * Text must reach storage and tools exactly as sent. Node's defaults silently replace what is not
 * valid Unicode with U+FFFD (invalid UTF-8 bytes when decoding, lone surrogates when encoding), so
 * every entry point refuses such text instead, with these two checks.
 */

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The bytes as text (a leading byte order mark dropped), or undefined when they are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
    try {
        return strictUtf8.decode(bytes);
    } catch {
        return undefined;
    }
}

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether a string is well-formed UTF-16 (no lone surrogates), so it encodes to UTF-8 unchanged. */
export function isWellFormed(text: string): boolean {
    return !loneSurrogate.test(text);
}
