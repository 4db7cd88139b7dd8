/**
 * The tool input schemas the gateway validates `tools/call` arguments against, generated at synth
 * time from the JSON Schema each host publishes in `tools/list` (one source: the catalog's
 * `defineTool` argument specs). Pure.
 */
import { inputSchemaFor, tools, type ArgumentSpec, type InputSchema } from "functions-app/catalog";

/** What the MCP API policy's validator knows of one argument. */
export interface GatewayArgumentRule {
    readonly type: "string" | "integer" | "number" | "boolean" | "object";
    readonly maxLength?: number;
    readonly pattern?: string;
    readonly minimum?: number;
    readonly maximum?: number;
    /** For a pattern: what the hosts say of a value that does not match ("must be ..."). */
    readonly patternMessage?: string;
}

export interface GatewayToolSchema {
    readonly properties: Readonly<Record<string, GatewayArgumentRule>>;
    readonly required: readonly string[];
}

/** Keywords the policy's validator implements; `description` only documents. */
const propertyKeywords = new Set(["type", "description", "maxLength", "pattern", "minimum", "maximum"]);
const schemaKeywords = new Set(["type", "properties", "required", "additionalProperties"]);
const argumentTypes: readonly string[] = ["string", "integer", "number", "boolean", "object"];

function isArgumentType(type: unknown): type is GatewayArgumentRule["type"] {
    return typeof type === "string" && argumentTypes.includes(type);
}

/**
 * The validator's view of a published schema. Throws on any keyword it does not implement, so a
 * schema the catalog grows can never be half-checked at the gateway while the hosts check it whole.
 */
export function gatewayToolSchema(
    tool: string,
    schema: InputSchema,
    specs: readonly ArgumentSpec[] = [],
): GatewayToolSchema {
    for (const keyword of Object.keys(schema))
        if (!schemaKeywords.has(keyword))
            throw new Error(`tool ${tool}: the gateway does not validate the schema keyword ${keyword}`);
    if (schema.type !== "object" || schema.additionalProperties !== false)
        throw new Error(`tool ${tool}: the gateway validates object schemas without additional properties`);
    const properties: Record<string, GatewayArgumentRule> = {};
    for (const [name, property] of Object.entries(schema.properties)) {
        for (const keyword of Object.keys(property))
            if (!propertyKeywords.has(keyword))
                throw new Error(`tool ${tool}, argument ${name}: the gateway does not validate ${keyword}`);
        const type = property.type;
        if (!isArgumentType(type))
            throw new Error(`tool ${tool}, argument ${name}: type ${String(type)} is not validated`);
        const numeric = (keyword: "maxLength" | "minimum" | "maximum"): Record<string, number> => {
            const value = property[keyword];
            if (value === undefined) return {};
            if (typeof value !== "number" || !Number.isFinite(value))
                throw new Error(`tool ${tool}, argument ${name}: ${keyword} must be a number`);
            return { [keyword]: value };
        };
        const pattern = property.pattern;
        if (pattern !== undefined && typeof pattern !== "string")
            throw new Error(`tool ${tool}, argument ${name}: pattern must be a string`);
        properties[name] = {
            type,
            ...numeric("maxLength"),
            ...numeric("minimum"),
            ...numeric("maximum"),
            ...(pattern === undefined
                ? {}
                : {
                      pattern: dotnetPattern(pattern, `tool ${tool}, argument ${name}`),
                      // The hosts' wording (validateArguments), so the gateway's tool error reads the same.
                      patternMessage: `must be ${specs.find((s) => s.name === name)?.patternHint ?? `a string matching ${pattern}`}`,
                  }),
        };
    }
    return { properties, required: [...(schema.required ?? [])] };
}

/**
 * A JSON Schema pattern (ECMAScript) as the .NET regular expression with the same meaning for the
 * policy's `Regex.IsMatch`: `$` outside a class becomes `\z`, since .NET's `$` also matches before a
 * final newline. Escapes whose classes differ between the engines (`\d`, `\w`, `\b`: ASCII in
 * ECMAScript, Unicode in .NET) are refused rather than translated.
 */
export function dotnetPattern(pattern: string, where: string): string {
    let out = "";
    let inClass = false;
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern.charAt(i);
        if (c === "\\") {
            const next = pattern.charAt(i + 1);
            if (/[dDwWbB]/.test(next))
                throw new Error(
                    `${where}: \\${next} means different things to ECMAScript and .NET; spell out the class`,
                );
            out += c + next;
            i++;
        } else if (c === "[" && !inClass) {
            inClass = true;
            out += c;
        } else if (c === "]" && inClass) {
            inClass = false;
            out += c;
        } else out += c === "$" && !inClass ? "\\z" : c;
    }
    return out;
}

/** Tool name -> schema for every catalog tool, as the hosts publish it. */
export function gatewayToolSchemas(): Readonly<Record<string, GatewayToolSchema>> {
    return Object.fromEntries(
        tools.map((tool) => [
            tool.name,
            gatewayToolSchema(tool.name, inputSchemaFor(tool.arguments), tool.arguments),
        ]),
    );
}

/**
 * The schemas as the policy embeds them: Base64 of their JSON, so no quote, brace or marker in a
 * pattern can end the C# string literal or the XML attribute that carries it.
 */
export function encodedToolSchemas(schemas: Readonly<Record<string, GatewayToolSchema>>): string {
    return Buffer.from(JSON.stringify(schemas), "utf8").toString("base64");
}
