/** Load-time checks shared by element compilers: known attributes and children only. Pure. */
import type { XmlElement } from "../xml";
import type { LoadContext, PolicyValue } from "./types";

export interface ElementShape {
    readonly required?: readonly string[];
    readonly optional?: readonly string[];
    /** Attributes that must be literals (APIM accepts no expression there). */
    readonly literalOnly?: readonly string[];
    readonly children?: readonly string[];
    readonly text?: boolean;
}

export interface CheckedElement {
    attr(name: string): PolicyValue | undefined;
    literal(name: string): string | undefined;
    /** Absent when the element carries no `id` attribute. */
    readonly policyId?: string | undefined;
}

/** Rejects unknown attributes, children and text; compiles attribute values. */
export function checkElement(element: XmlElement, load: LoadContext, shape: ElementShape): CheckedElement {
    const known = new Set([...(shape.required ?? []), ...(shape.optional ?? []), "id"]);
    for (const name of element.attributes.keys())
        if (!known.has(name))
            load.fail(element, `<${element.name}> attribute '${name}' is not supported by the local gateway`);
    for (const name of shape.required ?? [])
        if (!element.attributes.has(name))
            load.fail(element, `<${element.name}> needs the attribute '${name}'`);
    for (const child of element.children)
        if (!(shape.children ?? []).includes(child.name))
            load.fail(
                child,
                `<${child.name}> is not supported inside <${element.name}> by the local gateway`,
            );
    if (element.text && !shape.text) load.fail(element.text, `<${element.name}> holds text it does not take`);
    const values = new Map<string, PolicyValue>();
    for (const [name, value] of element.attributes) {
        const compiled = load.value(value, `<${element.name} ${name}>`);
        if (compiled.expression && (shape.literalOnly ?? []).includes(name))
            load.fail(value, `<${element.name}> attribute '${name}' does not accept expressions`);
        values.set(name, compiled);
    }
    return {
        attr: (name) => values.get(name),
        literal: (name) => values.get(name)?.literal,
        policyId: element.attributes.get("id")?.text,
    };
}

export function textValue(element: XmlElement, load: LoadContext): PolicyValue | undefined {
    return element.text ? load.value(element.text, `<${element.name}> text`) : undefined;
}

/** A numeric attribute: literal checked at load, expression checked when it runs. */
export function integer(value: unknown, what: string): number {
    const n = typeof value === "number" ? value : Number(String(value).trim());
    if (!Number.isFinite(n) || !Number.isInteger(n))
        throw new Error(`${what} is not an integer: ${String(value)}`);
    return n;
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
    return element.children.filter((c) => c.name === name);
}
