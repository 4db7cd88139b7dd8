/**
 * A small XML reader for APIM policy documents, in both stored formats: `xml` (expressions
 * entity-encoded, well-formed) and `rawxml` (C# inside `@(...)`/`@{...}` written raw, with bare `"`,
 * `<` and `&&`). Keeps line/column of every element and value, so load errors can point at them.
 * Pure.
 */

/** Where a piece of text starts in the document (1-based). */
export interface SourcePosition {
    readonly line: number;
    readonly column: number;
}

/** An attribute value or element text, decoded, with where it came from. */
export interface XmlValue extends SourcePosition {
    readonly text: string;
}

export interface XmlElement extends SourcePosition {
    readonly name: string;
    readonly attributes: ReadonlyMap<string, XmlValue>;
    readonly children: readonly XmlElement[];
    /** Non-whitespace text content (elements like `value`, `set-body`, `audience`), if any. */
    readonly text?: XmlValue;
}

export class XmlSyntaxError extends Error {
    constructor(document: string, at: SourcePosition, message: string) {
        super(`${document} line ${at.line}, column ${at.column}: ${message}`);
        this.name = "XmlSyntaxError";
    }
}

const entities: Record<string, string> = { quot: '"', apos: "'", lt: "<", gt: ">", amp: "&" };

export function decodeEntities(text: string): string {
    return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
        if (name.startsWith("#x")) return String.fromCodePoint(parseInt(name.slice(2), 16));
        if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
        return entities[name] ?? whole;
    });
}

/**
 * Index just past the `)`/`}` that balances the `@(`/`@{` at `start`, skipping C# string, verbatim,
 * interpolated and char literals and comments; -1 when unbalanced.
 */
export function balancedExpressionEnd(text: string, start: number): number {
    const open = text[start + 1];
    const close = open === "(" ? ")" : "}";
    let depth = 0;
    let i = start + 1;
    while (i < text.length) {
        const c = text[i];
        if (c === "/" && text[i + 1] === "/") {
            const end = text.indexOf("\n", i);
            i = end < 0 ? text.length : end + 1;
            continue;
        }
        if (c === "/" && text[i + 1] === "*") {
            const end = text.indexOf("*/", i + 2);
            if (end < 0) return -1;
            i = end + 2;
            continue;
        }
        if (
            c === '"' ||
            c === "'" ||
            ((c === "@" || c === "$") && /^[@$]{1,2}"/.test(text.slice(i, i + 3)))
        ) {
            i = skipLiteral(text, i);
            if (i < 0) return -1;
            continue;
        }
        if (c === open) depth++;
        else if (c === close) {
            depth--;
            if (depth === 0) return i + 1;
        }
        i++;
    }
    return -1;
}

function skipLiteral(text: string, start: number): number {
    let i = start;
    let verbatim = false;
    let interpolated = false;
    while (text[i] === "@" || text[i] === "$") {
        if (text[i] === "@") verbatim = true;
        else interpolated = true;
        i++;
    }
    const quote = text[i];
    i++;
    while (i < text.length) {
        const c = text[i];
        if (!verbatim && c === "\\") {
            i += 2;
            continue;
        }
        if (interpolated && c === "{") {
            if (text[i + 1] === "{") {
                i += 2;
                continue;
            }
            // A hole: balance braces, skipping nested literals.
            let depth = 1;
            i++;
            while (i < text.length && depth > 0) {
                if (text[i] === '"' || text[i] === "'") {
                    i = skipLiteral(text, i);
                    if (i < 0) return -1;
                    continue;
                }
                if (text[i] === "{") depth++;
                else if (text[i] === "}") depth--;
                i++;
            }
            continue;
        }
        if (c === quote) {
            if (verbatim && text[i + 1] === quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    return -1;
}

/** Parses one document; `name` labels errors. */
export function parseXml(name: string, source: string): XmlElement {
    let pos = 0;
    const lineStarts = [0];
    for (let i = 0; i < source.length; i++) if (source[i] === "\n") lineStarts.push(i + 1);
    const at = (offset: number): SourcePosition => {
        let lo = 0;
        let loStart = 0;
        let hi = lineStarts.length - 1;
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            const start = lineStarts[mid];
            if (start !== undefined && start <= offset) {
                lo = mid;
                loStart = start;
            } else hi = mid - 1;
        }
        return { line: lo + 1, column: offset - loStart + 1 };
    };
    const fail = (offset: number, message: string): never => {
        throw new XmlSyntaxError(name, at(offset), message);
    };
    const skipMisc = () => {
        for (;;) {
            while (pos < source.length && /\s/.test(source.charAt(pos))) pos++;
            if (source.startsWith("<!--", pos)) {
                const end = source.indexOf("-->", pos);
                if (end < 0) fail(pos, "unterminated comment");
                pos = end + 3;
            } else if (source.startsWith("<?", pos)) {
                const end = source.indexOf("?>", pos);
                if (end < 0) fail(pos, "unterminated processing instruction");
                pos = end + 2;
            } else return;
        }
    };
    const value = (raw: string, offset: number): XmlValue => ({ text: raw, ...at(offset) });

    /** An expression value written raw: scan it balanced from the raw source. */
    const rawExpressionAt = (offset: number): number | undefined => {
        let i = offset;
        while (i < source.length && /\s/.test(source.charAt(i))) i++;
        if (source[i] !== "@" || (source[i + 1] !== "(" && source[i + 1] !== "{")) return undefined;
        const end = balancedExpressionEnd(source, i);
        return end < 0 ? undefined : end;
    };

    const attributeValue = (quote: string): XmlValue => {
        const start = pos;
        const naiveEnd = source.indexOf(quote, start);
        if (naiveEnd < 0) fail(start, "unterminated attribute value");
        const naive = decodeEntities(source.slice(start, naiveEnd));
        const trimmed = naive.trim();
        const looksLikeExpression = /^@[({]/.test(trimmed);
        if (!looksLikeExpression || balancedExpressionEnd(trimmed, 0) === trimmed.length) {
            if (source.slice(start, naiveEnd).includes("<")) fail(start, "'<' in an attribute value");
            pos = naiveEnd + 1;
            return value(naive, start);
        }
        // rawxml: the expression contains the quote character itself.
        const end = rawExpressionAt(start);
        if (end === undefined || source[end] !== quote) fail(start, "unbalanced policy expression");
        pos = (end as number) + 1;
        return value(source.slice(start, end), start);
    };

    const element = (): XmlElement => {
        const start = pos;
        if (source[pos] !== "<") fail(pos, "expected an element");
        pos++;
        const nameMatch = /^[A-Za-z_][\w.:-]*/.exec(source.slice(pos, pos + 200));
        if (!nameMatch) return fail(pos, "expected an element name");
        const elementName = nameMatch[0];
        pos += elementName.length;
        const attributes = new Map<string, XmlValue>();
        for (;;) {
            while (/\s/.test(source[pos] ?? "")) pos++;
            if (source.startsWith("/>", pos)) {
                pos += 2;
                return { name: elementName, attributes, children: [], ...at(start) };
            }
            if (source[pos] === ">") {
                pos++;
                break;
            }
            const attr = /^[A-Za-z_][\w.:-]*/.exec(source.slice(pos, pos + 200));
            if (!attr) return fail(pos, `malformed attribute in <${elementName}>`);
            pos += attr[0].length;
            while (/\s/.test(source[pos] ?? "")) pos++;
            if (source[pos] !== "=") fail(pos, `attribute ${attr[0]} has no value`);
            pos++;
            while (/\s/.test(source[pos] ?? "")) pos++;
            const quote = source.charAt(pos);
            if (quote !== '"' && quote !== "'") fail(pos, `attribute ${attr[0]} value must be quoted`);
            pos++;
            if (attributes.has(attr[0])) fail(pos, `attribute ${attr[0]} repeated`);
            attributes.set(attr[0], attributeValue(quote));
        }
        const children: XmlElement[] = [];
        let text = "";
        let textStart = -1;
        for (;;) {
            if (pos >= source.length) fail(start, `<${elementName}> is not closed`);
            if (source.startsWith("</", pos)) {
                const close = `</${elementName}`;
                if (!source.startsWith(close, pos)) fail(pos, `expected </${elementName}>`);
                pos += close.length;
                while (/\s/.test(source[pos] ?? "")) pos++;
                if (source[pos] !== ">") fail(pos, `malformed </${elementName}>`);
                pos++;
                break;
            }
            if (source.startsWith("<!--", pos)) {
                const end = source.indexOf("-->", pos);
                if (end < 0) fail(pos, "unterminated comment");
                pos = end + 3;
                continue;
            }
            if (source.startsWith("<![CDATA[", pos)) {
                const end = source.indexOf("]]>", pos);
                if (end < 0) fail(pos, "unterminated CDATA");
                if (textStart < 0) textStart = pos + 9;
                text += source.slice(pos + 9, end);
                pos = end + 3;
                continue;
            }
            if (source[pos] === "<") {
                children.push(element());
                continue;
            }
            const rawEnd = text.trim() === "" ? rawExpressionAt(pos) : undefined;
            const naiveEnd = source.indexOf("<", pos);
            if (rawEnd !== undefined && (naiveEnd < 0 || rawEnd > naiveEnd)) {
                // rawxml expression text containing '<' (generic arguments, comparisons).
                if (textStart < 0) textStart = pos;
                text += source.slice(pos, rawEnd);
                pos = rawEnd;
                continue;
            }
            const end = naiveEnd < 0 ? source.length : naiveEnd;
            if (textStart < 0 && source.slice(pos, end).trim() !== "") textStart = pos;
            text += decodeEntities(source.slice(pos, end));
            pos = end;
        }
        const trimmed = text.trim();
        if (trimmed !== "" && children.length > 0)
            fail(start, `<${elementName}> mixes text and child elements`);
        const leading = text.length - text.trimStart().length;
        return {
            name: elementName,
            attributes,
            children,
            ...(trimmed !== "" ? { text: value(trimmed, textStart + leading) } : {}),
            ...at(start),
        };
    };

    skipMisc();
    const root = element();
    skipMisc();
    if (pos < source.length) fail(pos, "content after the root element");
    return root;
}
