/**
 * Renders APIM policy templates from `apim-policies/`. Two marker kinds, kept apart on purpose:
 * `$(name)` is filled in here, at program time, from `values`; `{{name}}` is an APIM named value,
 * resolved by APIM at run time, and must be one the program defines. Pure apart from reading the
 * template file.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * Policy XML built by program code from escaped parts (see {@link xmlElement}); the one kind of
 * value inserted as markup rather than as text.
 */
export class XmlFragment {
    private constructor(readonly xml: string) {}

    /** A policy fragment template's statements, rendered by {@link renderFragmentFile}. */
    static fromTemplate(rendered: RenderedFragment): XmlFragment {
        return new XmlFragment(rendered.statements);
    }

    /** No markup at all (an optional element left out). */
    static readonly empty = new XmlFragment("");

    /** `<name attr="...">children</name>`; attribute values and text children are escaped. */
    static element(
        name: string,
        attributes: Readonly<Record<string, string>>,
        children: readonly (XmlFragment | string)[],
    ): XmlFragment {
        if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) throw new Error(`not an XML element name: ${name}`);
        const attrs = Object.entries(attributes)
            .map(([key, value]) => {
                if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(key))
                    throw new Error(`not an XML attribute name: ${key}`);
                return ` ${key}="${escapeXml(value)}"`;
            })
            .join("");
        const content = children.map((c) => (c instanceof XmlFragment ? c.xml : escapeXml(c))).join("");
        return new XmlFragment(`<${name}${attrs}>${content}</${name}>`);
    }
}

export type PolicyValues = Readonly<Record<string, string | number | XmlFragment>>;

const renderMarker = /\$\(([A-Za-z][A-Za-z0-9]*)\)/g;
const namedValueReference = /\{\{([^{}]*)\}\}/g;
/** APIM named value names: letters, digits, `.`, `-`, `_`. */
const namedValueName = /^[A-Za-z0-9._-]{1,256}$/;

export const policyTemplateDirectory = path.resolve(__dirname, "..", "..", "apim-policies");

export class PolicyRenderError extends Error {
    constructor(template: string, message: string) {
        super(`APIM policy ${template}: ${message}`);
        this.name = "PolicyRenderError";
    }
}

/**
 * Fills `$(name)` markers with XML-escaped values (an {@link XmlFragment} as the markup it holds). Throws on a marker without a value, a value no
 * marker uses, a value that would smuggle in a marker, or a `{{named value}}` not in `namedValues`.
 */
export function renderPolicy(
    templateName: string,
    template: string,
    values: PolicyValues,
    namedValues: ReadonlySet<string>,
    root = "policies",
): string {
    const start = template.indexOf(`<${root}>`);
    if (start < 0) throw new PolicyRenderError(templateName, `has no <${root}> root`);
    // The file's leading comment documents the template; APIM gets the document from its root.
    const body = template.slice(start);
    const used = new Set<string>();
    const missing = new Set<string>();
    const rendered = body.replace(renderMarker, (_m, name: string) => {
        const value = values[name];
        if (value === undefined) {
            missing.add(name);
            return "";
        }
        used.add(name);
        if (value instanceof XmlFragment) return value.xml;
        const text = String(value);
        if (/\$\(|\{\{|\}\}/.test(text)) {
            throw new PolicyRenderError(templateName, `value for $(${name}) contains a template marker`);
        }
        return escapeXml(text);
    });
    if (missing.size > 0)
        throw new PolicyRenderError(
            templateName,
            `no value for ${[...missing].map((m) => `$(${m})`).join(", ")}`,
        );
    const unused = Object.keys(values).filter((k) => !used.has(k));
    if (unused.length > 0)
        throw new PolicyRenderError(templateName, `values not used by the template: ${unused.join(", ")}`);
    if (rendered.includes("$(")) throw new PolicyRenderError(templateName, "a malformed $( marker remains");
    for (const ref of namedValueReferences(rendered)) {
        if (!namedValueName.test(ref))
            throw new PolicyRenderError(templateName, `{{${ref}}} is not a valid named value name`);
        if (!namedValues.has(ref))
            throw new PolicyRenderError(templateName, `{{${ref}}} is not a named value the program defines`);
    }
    return rendered;
}

/** Reads `apim-policies/<name>.xml` and renders it. */
export function renderPolicyFile(
    name: string,
    values: PolicyValues,
    namedValues: ReadonlySet<string>,
): string {
    const template = readFileSync(path.join(policyTemplateDirectory, `${name}.xml`), "utf8");
    return renderPolicy(`${name}.xml`, template, values, namedValues);
}

/** The statements of a rendered `<fragment>` template, for a policy's `$(marker)`. */
export interface RenderedFragment {
    readonly statements: string;
}

/**
 * Reads `apim-policies/<name>.xml`, a `<fragment>` of statements (APIM's policy fragment form),
 * renders it like a policy and returns its statements for insertion into a policy document.
 */
export function renderFragmentFile(
    name: string,
    values: PolicyValues,
    namedValues: ReadonlySet<string>,
): XmlFragment {
    const template = readFileSync(path.join(policyTemplateDirectory, `${name}.xml`), "utf8");
    const rendered = renderPolicy(`${name}.xml`, template, values, namedValues, "fragment");
    const statements = rendered.replace(/^<fragment>/, "").replace(/<\/fragment>\s*$/, "");
    return XmlFragment.fromTemplate({ statements });
}

/** Named values a policy refers to, in order of first use. */
export function namedValueReferences(xml: string): string[] {
    // The group always takes part in a match.
    return [...new Set([...xml.matchAll(namedValueReference)].flatMap((m) => m[1] ?? []))];
}

/**
 * The rendered policy a resource needs. Every policy is rendered before the resources are declared,
 * so a missing one is a bug in the program, reported with its key.
 */
export function renderedPolicy(policies: Readonly<Record<string, string>>, key: string): string {
    const xml = policies[key];
    if (xml === undefined) throw new Error(`no rendered policy "${key}"`);
    return xml;
}

function escapeXml(text: string): string {
    return text
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        .replace(/'/g, "&apos;");
}
