/**
 * A small, order-preserving XML tree for APIM policy documents. Policy checks walk this tree
 * instead of grepping the text, so a commented-out or misplaced element is never mistaken for a
 * working one.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";

export interface XmlElement {
    readonly name: string;
    readonly attributes: Readonly<Record<string, string>>;
    readonly children: readonly XmlElement[];
    /** Concatenated text content directly inside this element (trimmed). */
    readonly text: string;
}

export type XmlParseResult =
    { readonly ok: true; readonly root: XmlElement } | { readonly ok: false; readonly error: string };

/** One node of fast-xml-parser's `preserveOrder` output: `{ tag: children, ":@": attributes }`. */
type OrderedNode = { [key: string]: OrderedNode[] | string | Record<string, string> };

const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "",
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: true,
    commentPropName: "#comment",
});

/** Parses well-formed XML into an element tree; comments are dropped, as APIM ignores them. */
export function parseXml(text: string): XmlParseResult {
    const valid = XMLValidator.validate(text);
    if (valid !== true) {
        return { ok: false, error: `${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})` };
    }
    const nodes = parser.parse(text) as OrderedNode[];
    const elements = nodes.map(toElement).filter((e): e is XmlElement => e !== undefined);
    const [root] = elements;
    if (elements.length !== 1 || root === undefined) {
        return { ok: false, error: `expected exactly one root element, found ${elements.length}` };
    }
    return { ok: true, root };
}

function toElement(node: OrderedNode): XmlElement | undefined {
    const name = Object.keys(node).find((k) => k !== ":@");
    if (name === undefined || name === "#text" || name === "#comment" || name.startsWith("?")) {
        return undefined;
    }
    const content = node[name];
    const rawChildren = Array.isArray(content) ? content : [];
    const attributes = (node[":@"] as Record<string, string> | undefined) ?? {};
    const text = rawChildren
        .map((c) => c["#text"])
        .filter((t): t is string => typeof t === "string")
        .join("")
        .trim();
    const children = rawChildren.map(toElement).filter((e): e is XmlElement => e !== undefined);
    return { name, attributes, children, text };
}

/** Every element below `element` (depth first, document order), not including itself. */
export function descendants(element: XmlElement): XmlElement[] {
    const out: XmlElement[] = [];
    const walk = (e: XmlElement): void => {
        for (const c of e.children) {
            out.push(c);
            walk(c);
        }
    };
    walk(element);
    return out;
}

/** The first direct child with that name. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
    return element.children.find((c) => c.name === name);
}
