/** Why a JSON text is refused before it is parsed. */
export type JsonShapeProblem = "too-deep" | "too-many-items";

const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const openBracket = 0x5b;
const openBrace = 0x7b;
const closeBracket = 0x5d;
const closeBrace = 0x7d;

/**
 * Checks nesting depth and the number of a top-level array's elements in one loop over the raw bytes,
 * stopping as soon as a limit is passed. No recursion and no allocation, so a body nested 20,000
 * levels deep or a batch of 22,000 messages costs one linear scan and never reaches JSON.parse,
 * zod or anything else that recurses or allocates per message. Malformed JSON is left for the
 * parser to report. UTF-8 multi-byte sequences are all >= 0x80, so never look structural.
 */
export function scanJsonShape(
    body: Uint8Array,
    maxDepth: number,
    maxBatchItems: number,
): JsonShapeProblem | undefined {
    let depth = 0;
    let inString = false;
    let topIsArray = false;
    let items = 0;
    for (let i = 0; i < body.length; i++) {
        const c = body[i];
        if (c === undefined) break; // never: i < body.length
        if (inString) {
            if (c === backslash) i++;
            else if (c === quote) inString = false;
            continue;
        }
        if (depth === 1 && topIsArray && items === 0 && c > 0x20 && c !== closeBracket) items = 1;
        if (c === quote) {
            inString = true;
        } else if (c === openBracket || c === openBrace) {
            if (depth === 0) topIsArray = c === openBracket;
            if (++depth > maxDepth) return "too-deep";
        } else if (c === closeBracket || c === closeBrace) {
            depth--;
        } else if (c === comma && depth === 1 && topIsArray) {
            if (++items > maxBatchItems) return "too-many-items";
        }
    }
    return undefined;
}
