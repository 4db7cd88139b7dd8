/**
 * Newtonsoft.Json.Linq (JToken, JObject, JArray, JValue, JProperty) as policy expressions see it:
 * member order kept, a repeated member name replaces the earlier value in place (Json.NET's default
 * `DuplicatePropertyNameHandling.Replace`), integers and floats kept apart, `ToString()` indented
 * with two spaces. Parsing is strict JSON (Json.NET also accepts comments, single quotes and bare
 * names; see the README). Pure.
 */
import { CsException, csToString } from "./values";

export type JTokenTypeName =
    "Object" | "Array" | "Property" | "String" | "Integer" | "Float" | "Boolean" | "Null";

export abstract class JToken {
    abstract readonly type: JTokenTypeName;
    /** Newtonsoft's Formatting.Indented. */
    toString(): string {
        return serialize(this, true, 0);
    }
    toCompact(): string {
        return serialize(this, false, 0);
    }
}

export class JValue extends JToken {
    constructor(
        readonly type: "String" | "Integer" | "Float" | "Boolean" | "Null",
        readonly value: string | number | boolean | null,
    ) {
        super();
    }
}

export class JProperty extends JToken {
    readonly type = "Property" as const;
    constructor(
        readonly name: string,
        public value: JToken,
    ) {
        super();
    }
}

export class JObject extends JToken {
    readonly type = "Object" as const;
    readonly properties: JProperty[] = [];
    get(name: string): JToken | undefined {
        return this.properties.find((p) => p.name === name)?.value;
    }
    add(property: JProperty): void {
        if (this.properties.some((p) => p.name === property.name))
            throw new CsException(
                "ArgumentException",
                `Can not add property ${property.name} to Newtonsoft.Json.Linq.JObject. Property with the same name already exists on object.`,
            );
        this.properties.push(property);
    }
}

export class JArray extends JToken {
    readonly type = "Array" as const;
    constructor(readonly items: JToken[] = []) {
        super();
    }
}

/** A .NET value turned into a token the way `new JProperty(name, object)` and `JToken.FromObject` do. */
export function toToken(value: unknown): JToken {
    if (value instanceof JToken) return value;
    if (value === null || value === undefined) return new JValue("Null", null);
    if (typeof value === "string") return new JValue("String", value);
    if (typeof value === "boolean") return new JValue("Boolean", value);
    if (typeof value === "number") return new JValue(Number.isInteger(value) ? "Integer" : "Float", value);
    if (Array.isArray(value)) return new JArray(value.map(toToken));
    return new JValue("String", csToString(value));
}

/** `(string)token`: Json.NET's explicit conversion. */
export function tokenToString(token: JToken | null): string | null {
    if (token === null) return null;
    if (token instanceof JValue) {
        if (token.type === "Null") return null;
        if (token.type === "Boolean") return token.value ? "True" : "False";
        return String(token.value);
    }
    throw new CsException("ArgumentException", `Can not convert ${token.type} to String.`);
}

function quote(s: string): string {
    return JSON.stringify(s);
}

function serialize(token: JToken, indented: boolean, depth: number): string {
    const nl = indented ? "\n" + "  ".repeat(depth + 1) : "";
    const end = indented ? "\n" + "  ".repeat(depth) : "";
    if (token instanceof JValue) {
        if (token.type === "String") return quote(token.value as string);
        if (token.type === "Null") return "null";
        if (token.type === "Boolean") return token.value ? "true" : "false";
        if (token.type === "Float" && Number.isInteger(token.value)) return `${token.value}.0`;
        return String(token.value);
    }
    if (token instanceof JProperty)
        return `${quote(token.name)}:${indented ? " " : ""}${serialize(token.value, indented, depth)}`;
    if (token instanceof JObject) {
        if (token.properties.length === 0) return "{}";
        return `{${token.properties.map((p) => nl + serialize(p, indented, depth + 1)).join(",")}${end}}`;
    }
    if (token instanceof JArray) {
        if (token.items.length === 0) return "[]";
        return `[${token.items.map((i) => nl + serialize(i, indented, depth + 1)).join(",")}${end}]`;
    }
    throw new Error("unknown token");
}

/** `JToken.Parse`: throws a `JsonReaderException` for anything that is not one JSON value. */
export function parseToken(text: string): JToken {
    let i = 0;
    const fail = (what: string): never => {
        throw new CsException("JsonReaderException", `${what}. Path '', position ${i}.`);
    };
    const ws = () => {
        while (
            i < text.length &&
            (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")
        )
            i++;
    };
    const str = (): string => {
        const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
        if (!m) return fail("Unterminated or invalid string");
        i += m[0].length;
        return JSON.parse(m[0]) as string;
    };
    const value = (depth: number): JToken => {
        if (depth > 64) fail("Too deep");
        ws();
        const c = text[i];
        if (c === "{") {
            i++;
            const obj = new JObject();
            ws();
            if (text[i] === "}") {
                i++;
                return obj;
            }
            for (;;) {
                ws();
                if (text[i] !== '"') fail("Invalid property identifier character");
                const name = str();
                ws();
                if (text[i] !== ":") fail("Invalid character after parsing property name");
                i++;
                const v = value(depth + 1);
                const existing = obj.properties.find((p) => p.name === name);
                if (existing) existing.value = v;
                else obj.properties.push(new JProperty(name, v));
                ws();
                if (text[i] === ",") {
                    i++;
                    continue;
                }
                if (text[i] === "}") {
                    i++;
                    return obj;
                }
                fail("Unexpected end while parsing object");
            }
        }
        if (c === "[") {
            i++;
            const arr = new JArray();
            ws();
            if (text[i] === "]") {
                i++;
                return arr;
            }
            for (;;) {
                arr.items.push(value(depth + 1));
                ws();
                if (text[i] === ",") {
                    i++;
                    continue;
                }
                if (text[i] === "]") {
                    i++;
                    return arr;
                }
                fail("Unexpected end while parsing array");
            }
        }
        if (c === '"') return new JValue("String", str());
        const lit = /^(?:true|false|null)/.exec(text.slice(i, i + 5));
        if (lit) {
            i += lit[0].length;
            return lit[0] === "null" ? new JValue("Null", null) : new JValue("Boolean", lit[0] === "true");
        }
        const num = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
        if (num) {
            i += num[0].length;
            const float = num[1] !== undefined || num[2] !== undefined;
            return new JValue(float ? "Float" : "Integer", Number(num[0]));
        }
        return fail(i >= text.length ? "Unexpected end of input" : `Unexpected character '${c}'`);
    };
    const result = value(0);
    ws();
    if (i < text.length) fail("Additional text encountered after finished reading JSON content");
    return result;
}
