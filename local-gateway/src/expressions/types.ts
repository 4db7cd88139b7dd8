/**
 * The static types the expression compiler tracks: names as written in C#, their .NET full names
 * (for APIM's allow-list), base types (for member lookup) and run-time type tests. Pure.
 */
import { JArray, JObject, JProperty, JToken, JValue } from "./json";
import {
    CsComparer,
    CsDictionary,
    CsEnum,
    CsException,
    CsGuid,
    CsHashSet,
    CsJwt,
    CsSentResponse,
    CsTimeSpan,
} from "./values";

export interface CsType {
    readonly name: string;
    readonly args: readonly CsType[];
}

export const t = (name: string, ...args: CsType[]): CsType => ({ name, args });

export const types = {
    object: t("object"),
    string: t("string"),
    char: t("char"),
    int: t("int"),
    long: t("long"),
    byte: t("byte"),
    double: t("double"),
    bool: t("bool"),
    void: t("void"),
    null: t("null"),
    jtoken: t("JToken"),
} as const;

export function arrayOf(element: CsType): CsType {
    return t("Array", element);
}

/**
 * A generic type's argument. The compiler builds generic types with all their arguments, so a missing
 * one is a bug in the compiler, reported as such rather than as a user's type error.
 */
export function typeArg(type: CsType, index: number): CsType {
    const arg = type.args[index];
    if (arg === undefined) throw new Error(`internal: ${type.name} has no type argument ${index}`);
    return arg;
}

export function typeText(type: CsType): string {
    const [element] = type.args;
    if (type.name === "Array" && type.args.length === 1 && element) return `${typeText(element)}[]`;
    return type.args.length ? `${type.name}<${type.args.map(typeText).join(", ")}>` : type.name;
}

/** C# keyword and simple names -> .NET full names. APIM context types are not .NET types. */
export const fullNames: Readonly<Record<string, string>> = {
    object: "System.Object",
    string: "System.String",
    String: "System.String",
    char: "System.Char",
    int: "System.Int32",
    long: "System.Int64",
    byte: "System.Byte",
    double: "System.Double",
    bool: "System.Boolean",
    Array: "System.Array",
    Math: "System.Math",
    Convert: "System.Convert",
    Encoding: "System.Text.Encoding",
    Guid: "System.Guid",
    TimeSpan: "System.TimeSpan",
    DateTime: "System.DateTime",
    Exception: "System.Exception",
    StringComparer: "System.StringComparer",
    StringComparison: "System.StringComparison",
    StringSplitOptions: "System.StringSplitOptions",
    Enumerable: "System.Linq.Enumerable",
    List: "System.Collections.Generic.List<T>",
    HashSet: "System.Collections.Generic.HashSet<T>",
    Dictionary: "System.Collections.Generic.Dictionary<TKey, TValue>",
    IReadOnlyDictionary: "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>",
    IEnumerable: "System.Collections.Generic.IEnumerable<T>",
    KeyValuePair: "System.Collections.Generic.KeyValuePair<TKey, TValue>",
    Regex: "System.Text.RegularExpressions.Regex",
    RegexOptions: "System.Text.RegularExpressions.RegexOptions",
    JToken: "Newtonsoft.Json.Linq.JToken",
    JContainer: "Newtonsoft.Json.Linq.JContainer",
    JObject: "Newtonsoft.Json.Linq.JObject",
    JArray: "Newtonsoft.Json.Linq.JArray",
    JValue: "Newtonsoft.Json.Linq.JValue",
    JProperty: "Newtonsoft.Json.Linq.JProperty",
    JTokenType: "Newtonsoft.Json.Linq.JTokenType",
    Formatting: "Newtonsoft.Json.Formatting",
    JsonConvert: "Newtonsoft.Json.JsonConvert",
};

/** Types that exist only in APIM's expression context (always allowed). */
export const apimTypes: ReadonlySet<string> = new Set([
    "Jwt",
    "IProxyRequestContext",
    "IRequest",
    "IResponse",
    "IMessageBody",
    "IUrl",
    "ILastError",
    "IApi",
    "IOperation",
    "IDeployment",
]);

/** Names a C# program may write as a type (everything else is an unknown type: a load error). */
export const knownTypeNames: ReadonlySet<string> = new Set([...Object.keys(fullNames), ...apimTypes]);

const predefined: Record<string, string> = {
    string: "string",
    object: "object",
    int: "int",
    long: "long",
    byte: "byte",
    double: "double",
    bool: "bool",
    char: "char",
    void: "void",
};
export const predefinedType = (keyword: string): CsType | undefined =>
    predefined[keyword] ? t(predefined[keyword]) : undefined;

/** Direct base type (interfaces collapsed into one chain, enough for member lookup). */
export function baseOf(type: CsType): CsType | undefined {
    switch (type.name) {
        case "object":
        case "null":
            return undefined;
        case "JObject":
        case "JArray":
        case "JProperty":
            return t("JContainer");
        case "JContainer":
        case "JValue":
            return t("JToken");
        case "JToken":
            return t("IEnumerable", t("JToken"));
        case "Array":
        case "List":
        case "HashSet":
            return t("IEnumerable", typeArg(type, 0));
        case "Dictionary":
            return t("IReadOnlyDictionary", ...type.args);
        case "IReadOnlyDictionary":
            return t("IEnumerable", t("KeyValuePair", ...type.args));
        case "string":
            return t("IEnumerable", types.char);
        default:
            return types.object;
    }
}

export function isNumeric(type: CsType): boolean {
    return type.name === "int" || type.name === "long" || type.name === "double";
}

const referenceTypes = new Set(["string", "object", "null"]);
export function isValueType(type: CsType): boolean {
    return (
        !referenceTypes.has(type.name) &&
        (isNumeric(type) ||
            ["bool", "char", "Guid", "TimeSpan", "JTokenType", "StringComparison"].includes(type.name))
    );
}

/** True when a value of `from` may be used where `to` is expected without a cast. */
export function assignable(from: CsType, to: CsType): boolean {
    if (to.name === "object") return true;
    if (from.name === "null") return !isValueType(to);
    if (from.name === to.name) return true;
    if (to.name === "double" && (from.name === "int" || from.name === "long")) return true;
    if (to.name === "long" && from.name === "int") return true;
    // Json.NET implicit conversions from primitives to JToken.
    if (
        (to.name === "JToken" || to.name === "JValue") &&
        ["string", "int", "long", "double", "bool"].includes(from.name)
    )
        return true;
    for (let b = baseOf(from); b; b = baseOf(b)) if (b.name === to.name) return true;
    return false;
}

/** Run-time type test for `is`, `as` and casts. */
export function isInstance(value: unknown, type: CsType): boolean {
    if (value === null || value === undefined) return false;
    switch (type.name) {
        case "object":
            return true;
        case "string":
            return typeof value === "string";
        case "char":
            return typeof value === "string" && value.length === 1;
        case "int":
        case "long":
            return typeof value === "number" && Number.isInteger(value);
        case "double":
            return typeof value === "number";
        case "bool":
            return typeof value === "boolean";
        case "JToken":
            return value instanceof JToken;
        case "JContainer":
            return value instanceof JObject || value instanceof JArray || value instanceof JProperty;
        case "JObject":
            return value instanceof JObject;
        case "JArray":
            return value instanceof JArray;
        case "JValue":
            return value instanceof JValue;
        case "JProperty":
            return value instanceof JProperty;
        case "Jwt":
            return value instanceof CsJwt;
        case "Guid":
            return value instanceof CsGuid;
        case "TimeSpan":
            return value instanceof CsTimeSpan;
        case "Array":
        case "List":
        case "IEnumerable":
            return (
                Array.isArray(value) ||
                (type.name === "IEnumerable" && (value instanceof CsHashSet || typeof value === "string"))
            );
        case "HashSet":
            return value instanceof CsHashSet;
        case "Dictionary":
        case "IReadOnlyDictionary":
            return value instanceof CsDictionary;
        case "StringComparer":
            return value instanceof CsComparer;
        case "IResponse":
            return value instanceof CsSentResponse;
        default:
            return value instanceof CsEnum && value.enumType === type.name;
    }
}

/** An explicit cast `(T)value`, with .NET's run-time checks. */
export function castTo(value: unknown, type: CsType): unknown {
    if (value === null || value === undefined) {
        if (isValueType(type))
            throw new CsException(
                "NullReferenceException",
                "Object reference not set to an instance of an object.",
            );
        return null;
    }
    if (isInstance(value, type))
        return type.name === "int" || type.name === "long" ? Math.trunc(value as number) : value;
    if ((type.name === "int" || type.name === "long") && typeof value === "number") return Math.trunc(value);
    throw new CsException(
        "InvalidCastException",
        `Unable to cast object of type '${runtimeTypeName(value)}' to type '${typeText(type)}'.`,
    );
}

export function runtimeTypeName(value: unknown): string {
    if (typeof value === "string") return "System.String";
    if (typeof value === "number") return Number.isInteger(value) ? "System.Int32" : "System.Double";
    if (typeof value === "boolean") return "System.Boolean";
    if (value instanceof JToken)
        return `Newtonsoft.Json.Linq.J${value.type === "Object" || value.type === "Array" || value.type === "Property" ? value.type : "Value"}`;
    if (value instanceof CsJwt) return "Jwt";
    if (Array.isArray(value)) return "System.Object[]";
    return typeof value === "object" && value !== null ? value.constructor.name : typeof value;
}
