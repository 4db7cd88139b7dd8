/**
 * APIM policy documents: the inline formats, the policy-expression escaping `rawxml` allows, and
 * the four pipeline sections.
 */
import { XmlElement, parseXml } from "./xml";

export const sectionNames = ["inbound", "backend", "outbound", "on-error"] as const;
export type SectionName = (typeof sectionNames)[number];

export interface PolicyDocument {
    readonly root: XmlElement;
    /** Children of each section present in the document; a missing section is undefined. */
    readonly sections: Readonly<Partial<Record<SectionName, readonly XmlElement[]>>>;
}

export type PolicyDocumentResult =
    { readonly ok: true; readonly document: PolicyDocument } | { readonly ok: false; readonly error: string };

/** Formats whose content is the policy itself (the `*-link` formats point at a URL instead). */
const inlineFormats = new Set(["xml", "rawxml"]);

/**
 * Parses an APIM policy as APIM would read it. `format` is the resource's `format` input (APIM's
 * default is `xml`). `rawxml` allows unescaped policy expressions (`@(...)`, `@{...}`), which are
 * escaped here before XML parsing.
 */
export function parsePolicyDocument(
    value: string | undefined,
    format: string | undefined,
): PolicyDocumentResult {
    const fmt = format ?? "xml";
    if (!inlineFormats.has(fmt)) {
        return {
            ok: false,
            error: `format "${fmt}" keeps the policy outside the program; use format "xml" or "rawxml" with the policy inline`,
        };
    }
    if (value === undefined || value.trim() === "") {
        return { ok: false, error: "the policy document is empty" };
    }
    const parsed = parseXml(fmt === "rawxml" ? escapePolicyExpressions(value) : value);
    if (!parsed.ok) {
        return { ok: false, error: `the policy is not well-formed XML: ${parsed.error}` };
    }
    if (parsed.root.name !== "policies" && parsed.root.name !== "fragment") {
        return { ok: false, error: `the root element is <${parsed.root.name}>, expected <policies>` };
    }
    const sections: Partial<Record<SectionName, readonly XmlElement[]>> = {};
    for (const c of parsed.root.children) {
        if ((sectionNames as readonly string[]).includes(c.name)) {
            sections[c.name as SectionName] = c.children;
        }
    }
    return { ok: true, document: { root: parsed.root, sections } };
}

const xmlEscapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/**
 * Escapes the characters XML forbids inside policy expressions (`@(...)` and `@{...}`), skipping
 * C# string and character literals while matching brackets, so `rawxml` can be parsed as XML.
 */
export function escapePolicyExpressions(text: string): string {
    let out = "";
    let i = 0;
    while (i < text.length) {
        const open = text[i + 1];
        if (text[i] === "@" && (open === "(" || open === "{")) {
            const end = expressionEnd(text, i + 1);
            out += "@" + text.slice(i + 1, end).replace(/[&<>"]/g, (c) => xmlEscapes[c] ?? c);
            i = end;
        } else {
            out += text[i];
            i++;
        }
    }
    return out;
}

/** Index just past the bracket that closes the one at `start` (or the end of the text). */
function expressionEnd(text: string, start: number): number {
    const close = text[start] === "(" ? ")" : "}";
    const openChar = text[start];
    let depth = 0;
    let i = start;
    while (i < text.length) {
        const c = text[i];
        if (c === '"' || c === "'") {
            i = literalEnd(text, i);
            continue;
        }
        if (c === openChar) {
            depth++;
        } else if (c === close) {
            depth--;
            if (depth === 0) {
                return i + 1;
            }
        }
        i++;
    }
    return text.length;
}

function literalEnd(text: string, start: number): number {
    const quote = text[start];
    let i = start + 1;
    while (i < text.length && text[i] !== quote) {
        i += text[i] === "\\" ? 2 : 1;
    }
    return i + 1;
}
