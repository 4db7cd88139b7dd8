/**
 * The .NET and APIM members the interpreter implements, with their static result types and their
 * run-time behaviour. A member not listed here is a load error ("not supported by the local
 * gateway"), independent of APIM's allow-list, which is checked separately. Pure.
 */
import {
    asIndexable,
    asInstance,
    asLambda,
    asList,
    asNumber,
    asString,
    asStringOrNull,
    notNull,
} from "./guards";
import { JArray, JObject, JProperty, JToken, parseToken, toToken } from "./json";
import { arrayOf, assignable, isInstance, t, typeArg, types, type CsType } from "./types";
import {
    CsComparer,
    CsDictionary,
    CsEnum,
    CsException,
    CsGuid,
    CsHashSet,
    CsJwt,
    CsTimeSpan,
    csToString,
} from "./values";
import { dotnetRegex } from "./regex";

export interface Member {
    /** Type that declares the member (simple name), for the allow-list. */
    readonly owner: string;
    readonly kind: "property" | "method" | "indexer";
    /** Parameter names, for named arguments (`preserveContent: true`). */
    readonly params?: readonly string[] | undefined;
    /** Result type for these argument types, or undefined when no overload applies. */
    resolve(self: CsType, args: readonly CsType[], typeArgs: readonly CsType[]): CsType | undefined;
    /**
     * Runs the member. The compiler checked the .NET types of the receiver and the arguments when the
     * document loaded; implementations narrow them with the guards, which fail as .NET exceptions.
     */
    run(
        self: unknown,
        args: readonly unknown[],
        typeArgs: readonly CsType[],
        argTypes: readonly CsType[],
    ): unknown;
}

type Table = Record<string, Record<string, Member[]>>;
const instance: Table = {};
const statics: Table = {};
const constructors: Record<string, Member[]> = {};

function add(
    table: Table,
    type: string,
    name: string,
    member: Omit<Member, "owner"> & { owner?: string },
): void {
    ((table[type] ??= {})[name] ??= []).push({ owner: type, ...member });
}
const prop = (
    type: string,
    name: string,
    result: (self: CsType) => CsType,
    run: (self: unknown) => unknown,
) =>
    add(instance, type, name, {
        kind: "property",
        resolve: (s, a) => (a.length ? undefined : result(s)),
        run: (s) => run(s),
    });
const method = (
    type: string,
    name: string,
    arity: number | readonly number[],
    result: (self: CsType, args: readonly CsType[], typeArgs: readonly CsType[]) => CsType | undefined,
    run: Member["run"],
    params?: readonly string[],
) =>
    add(instance, type, name, {
        kind: "method",
        params,
        resolve: (s, a, ta) =>
            (typeof arity === "number" ? [arity] : arity).includes(a.length) ? result(s, a, ta) : undefined,
        run,
    });
const staticProp = (type: string, name: string, result: CsType, value: () => unknown) =>
    add(statics, type, name, {
        kind: "property",
        resolve: (_s, a) => (a.length ? undefined : result),
        run: () => value(),
    });
const staticMethod = (
    type: string,
    name: string,
    arity: number | readonly number[],
    result: (args: readonly CsType[], typeArgs: readonly CsType[]) => CsType | undefined,
    run: (args: readonly unknown[], typeArgs: readonly CsType[], argTypes: readonly CsType[]) => unknown,
) =>
    add(statics, type, name, {
        kind: "method",
        resolve: (_s, a, ta) =>
            (typeof arity === "number" ? [arity] : arity).includes(a.length) ? result(a, ta) : undefined,
        run: (_s, a, ta, at) => run(a, ta, at),
    });
const ctor = (
    type: string,
    arity: readonly number[],
    result: (self: CsType, args: readonly CsType[]) => CsType | undefined,
    run: Member["run"],
) =>
    (constructors[type] ??= []).push({
        owner: type,
        kind: "method",
        resolve: (s, a) => (arity.includes(a.length) ? result(s, a) : undefined),
        run,
    });

const str = (a: readonly CsType[], i: number) => a[i] && assignable(a[i], types.string);
const elementOf = (type: CsType): CsType => {
    for (let c: CsType | undefined = type; c;) {
        if (c.name === "IEnumerable") return typeArg(c, 0);
        if (c.name === "Array" || c.name === "List" || c.name === "HashSet") return typeArg(c, 0);
        if (c.name === "string") return types.char;
        if (c.name.startsWith("J")) return types.jtoken;
        return types.object;
    }
    return types.object;
};
/** Arguments to a `params object[]` parameter: an array argument stands for its elements. */
const paramsArray = (args: readonly unknown[]): unknown[] =>
    args.flatMap((x) => (Array.isArray(x) ? (x as unknown[]) : [x]));
/** Elements of anything enumerable, as a JavaScript array. */
export function enumerate(value: unknown): unknown[] {
    const v = notNull(value);
    if (Array.isArray(v)) return v;
    if (typeof v === "string") return [...v];
    if (v instanceof CsHashSet) return v.values();
    if (v instanceof JArray) return v.items;
    if (v instanceof JObject) return v.properties;
    if (v instanceof JProperty) return [v.value];
    if (v instanceof CsDictionary) {
        const pairs: [unknown, unknown][] = v.pairs();
        return pairs.map(([k, val]) => ({ Key: k, Value: val }));
    }
    throw new CsException("InvalidCastException", "value is not enumerable");
}

// ---- object
method(
    "object",
    "ToString",
    0,
    () => types.string,
    (s) => (s instanceof JToken ? s.toString() : csToString(notNull(s))),
);
method(
    "object",
    "Equals",
    1,
    () => types.bool,
    (s, [o]) => notNull(s) === o || (s instanceof CsGuid && o instanceof CsGuid && s.text === o.text),
);
method(
    "object",
    "GetType",
    0,
    () => undefined,
    () => null,
);

// ---- string
prop(
    "string",
    "Length",
    () => types.int,
    (s) => asString(s).length,
);
add(instance, "string", "[]", {
    kind: "indexer",
    resolve: (_s, a) => (a.length === 1 ? types.char : undefined),
    run: (s, [i]) => indexAt(s, i),
});
for (const name of ["Contains", "StartsWith", "EndsWith"] as const) {
    method(
        "string",
        name,
        [1, 2],
        (_s, a) => (str(a, 0) || a[0]?.name === "char" ? types.bool : undefined),
        (s, [v, cmp]) => {
            let self = asString(s);
            let x = asString(v);
            if (cmp instanceof CsEnum && cmp.member.endsWith("IgnoreCase")) {
                self = self.toUpperCase();
                x = x.toUpperCase();
            }
            return name === "Contains"
                ? self.includes(x)
                : name === "StartsWith"
                  ? self.startsWith(x)
                  : self.endsWith(x);
        },
    );
}
method(
    "string",
    "IndexOf",
    [1, 2],
    () => types.int,
    (s, [v, start]) => asString(s).indexOf(asString(v), start === undefined ? 0 : asNumber(start)),
);
method(
    "string",
    "Substring",
    [1, 2],
    () => types.string,
    (s, [startArg, lengthArg]) => {
        const self = asString(s);
        const start = asNumber(startArg);
        const len = lengthArg === undefined ? undefined : asNumber(lengthArg);
        if (start < 0 || start > self.length || (len !== undefined && (len < 0 || start + len > self.length)))
            throw new CsException(
                "ArgumentOutOfRangeException",
                "Index and length must refer to a location within the string.",
            );
        return len === undefined ? self.slice(start) : self.slice(start, start + len);
    },
);
for (const [name, fn] of [
    ["ToLower", (x: string) => x.toLowerCase()],
    ["ToLowerInvariant", (x: string) => x.toLowerCase()],
    ["ToUpper", (x: string) => x.toUpperCase()],
    ["ToUpperInvariant", (x: string) => x.toUpperCase()],
    ["Trim", (x: string) => x.trim()],
    ["TrimStart", (x: string) => x.trimStart()],
    ["TrimEnd", (x: string) => x.trimEnd()],
] as const)
    method(
        "string",
        name,
        0,
        () => types.string,
        (s) => fn(asString(s)),
    );
method(
    "string",
    "Replace",
    2,
    () => types.string,
    (s, [a, b]) =>
        asString(s)
            .split(asString(a))
            .join(asStringOrNull(b) ?? ""),
);
method(
    "string",
    "Split",
    [1, 2],
    (_s, a) =>
        a[0]?.name === "char" || a[0]?.name === "Array" || str(a, 0) ? arrayOf(types.string) : undefined,
    (s, [sep, options]) => {
        const separators = (Array.isArray(sep) ? (sep as unknown[]) : [sep]).map(asString);
        let parts = [asString(s)];
        for (const separator of separators) parts = parts.flatMap((p) => p.split(separator));
        return options instanceof CsEnum && options.member === "RemoveEmptyEntries"
            ? parts.filter((p) => p !== "")
            : parts;
    },
);
method(
    "string",
    "Equals",
    2,
    () => types.bool,
    (s, [o, cmp]) => {
        const ignore = cmp instanceof CsEnum && cmp.member.endsWith("IgnoreCase");
        const self = asString(s);
        const other = asStringOrNull(o);
        return other !== null && (ignore ? self.toUpperCase() === other.toUpperCase() : self === other);
    },
);
staticMethod(
    "string",
    "Join",
    [2],
    (a) => (str(a, 0) || a[0]?.name === "char" ? types.string : undefined),
    ([sep, values]) =>
        enumerate(values)
            .map(csToString)
            .join(asStringOrNull(sep) ?? ""),
);
staticMethod(
    "string",
    "IsNullOrEmpty",
    1,
    () => types.bool,
    ([v]) => v === null || v === "",
);
staticMethod(
    "string",
    "IsNullOrWhiteSpace",
    1,
    () => types.bool,
    ([v]) => v === null || asString(v).trim() === "",
);
staticMethod(
    "string",
    "Equals",
    [2, 3],
    () => types.bool,
    ([a, b, cmp]) => {
        if (a === null || b === null) return a === b;
        return cmp instanceof CsEnum && cmp.member.endsWith("IgnoreCase")
            ? asString(a).toUpperCase() === asString(b).toUpperCase()
            : a === b;
    },
);
staticMethod(
    "string",
    "Concat",
    [2, 3, 4],
    () => types.string,
    (args) => args.map(csToString).join(""),
);
staticProp("string", "Empty", types.string, () => "");
for (const member of [
    "Ordinal",
    "OrdinalIgnoreCase",
    "InvariantCulture",
    "InvariantCultureIgnoreCase",
    "CurrentCulture",
    "CurrentCultureIgnoreCase",
])
    staticProp("StringComparison", member, t("StringComparison"), () =>
        CsEnum.of("StringComparison", member),
    );
for (const member of ["None", "RemoveEmptyEntries"])
    staticProp("StringSplitOptions", member, t("StringSplitOptions"), () =>
        CsEnum.of("StringSplitOptions", member),
    );
staticProp("StringComparer", "Ordinal", t("StringComparer"), () => CsComparer.ordinal);
staticProp("StringComparer", "OrdinalIgnoreCase", t("StringComparer"), () => CsComparer.ordinalIgnoreCase);

function indexAt(list: unknown, index: unknown): unknown {
    const items = asIndexable(list);
    const i = asNumber(index);
    if (!Number.isInteger(i) || i < 0 || i >= items.length)
        throw new CsException(
            typeof items === "string" || Array.isArray(items)
                ? "IndexOutOfRangeException"
                : "ArgumentOutOfRangeException",
            "Index was outside the bounds of the array.",
        );
    return items[i];
}

// ---- numbers, bool, Guid, TimeSpan
for (const n of ["int", "long", "double", "bool", "char"])
    method(
        n,
        "ToString",
        0,
        () => types.string,
        (s) => csToString(s),
    );
method(
    "Guid",
    "ToString",
    0,
    () => types.string,
    (s) => asInstance(s, CsGuid).text,
);
prop(
    "TimeSpan",
    "TotalMilliseconds",
    () => types.double,
    (s) => asInstance(s, CsTimeSpan).milliseconds,
);
prop(
    "TimeSpan",
    "TotalSeconds",
    () => types.double,
    (s) => asInstance(s, CsTimeSpan).milliseconds / 1000,
);
prop(
    "TimeSpan",
    "Milliseconds",
    () => types.int,
    (s) => Math.floor(asInstance(s, CsTimeSpan).milliseconds) % 1000,
);
// int.Parse / long.Parse with .NET's invariant rules for plain integers: optional surrounding
// white space and sign, digits only. Values are JavaScript numbers, so a long beyond 2^53 is refused
// as an overflow here where .NET would still parse it.
for (const [n, limit] of [
    ["int", 2 ** 31],
    ["long", Number.MAX_SAFE_INTEGER],
] as const)
    staticMethod(
        n,
        "Parse",
        1,
        (a) => (a[0]?.name === "string" ? t(n) : undefined),
        ([text]) => {
            if (text === null) throw new CsException("ArgumentNullException", "Value cannot be null.");
            const digits = asString(text);
            if (!/^\s*[+-]?\d+\s*$/.test(digits))
                throw new CsException("FormatException", "Input string was not in a correct format.");
            const value = Number(digits.trim());
            if (value >= limit || value < -limit)
                throw new CsException(
                    "OverflowException",
                    `Value was either too large or too small for ${n}.`,
                );
            return value;
        },
    );
staticMethod(
    "Guid",
    "NewGuid",
    0,
    () => t("Guid"),
    () => new CsGuid(crypto.randomUUID()),
);
staticMethod(
    "Math",
    "Min",
    2,
    (a) => (a.every((x) => x.name === "int") ? types.int : types.double),
    ([a, b]) => Math.min(asNumber(a), asNumber(b)),
);
staticMethod(
    "Math",
    "Max",
    2,
    (a) => (a.every((x) => x.name === "int") ? types.int : types.double),
    ([a, b]) => Math.max(asNumber(a), asNumber(b)),
);

// ---- collections
const listLike = ["Array", "List"];
for (const type of listLike) {
    add(instance, type, "[]", {
        kind: "indexer",
        resolve: (s, a) => (a.length === 1 ? s.args[0] : undefined),
        run: (s, [i]) => indexAt(s, i),
    });
}
prop(
    "Array",
    "Length",
    () => types.int,
    (s) => asIndexable(s).length,
);
prop(
    "List",
    "Count",
    () => types.int,
    (s) => asList(s).length,
);
method(
    "List",
    "Add",
    1,
    () => types.void,
    (s, [v]) => void asList(s).push(v),
);
method(
    "List",
    "Contains",
    1,
    () => types.bool,
    (s, [v]) => asList(s).includes(v),
);
method(
    "List",
    "Remove",
    1,
    () => types.bool,
    (s, [v]) => {
        const list = asList(s);
        const i = list.indexOf(v);
        if (i >= 0) list.splice(i, 1);
        return i >= 0;
    },
);
ctor(
    "List",
    [0, 1],
    (s, a) => (a.length === 0 || a[0]?.name !== "int" ? s : s),
    (_s, [source]) => (source === undefined || typeof source === "number" ? [] : [...enumerate(source)]),
);
prop(
    "HashSet",
    "Count",
    () => types.int,
    (s) => asInstance(s, CsHashSet).size,
);
method(
    "HashSet",
    "Add",
    1,
    () => types.bool,
    (s, [v]) => asInstance(s, CsHashSet).add(v),
);
method(
    "HashSet",
    "Contains",
    1,
    () => types.bool,
    (s, [v]) => asInstance(s, CsHashSet).has(v),
);
ctor(
    "HashSet",
    [0, 1, 2],
    (s) => s,
    (_s, args) => {
        const comparer = args.find((a): a is CsComparer => a instanceof CsComparer);
        const set = new CsHashSet(comparer);
        const source = args.find((a) => !(a instanceof CsComparer));
        if (source !== undefined) for (const v of enumerate(source)) set.add(v);
        return set;
    },
);
ctor(
    "Dictionary",
    [0, 1],
    (s) => s,
    (_s, [comparer]) => new CsDictionary(comparer instanceof CsComparer ? comparer : undefined),
);
prop(
    "IReadOnlyDictionary",
    "Count",
    () => types.int,
    (s) => asInstance(s, CsDictionary).size,
);
prop(
    "IReadOnlyDictionary",
    "Keys",
    (s) => t("IEnumerable", typeArg(s, 0)),
    (s) => asInstance(s, CsDictionary).keys(),
);
method(
    "IReadOnlyDictionary",
    "ContainsKey",
    1,
    () => types.bool,
    (s, [k]) => asInstance(s, CsDictionary).has(notNull(k)),
);
method(
    "Dictionary",
    "Add",
    2,
    () => types.void,
    (s, [k, v]) => {
        const d = asInstance(s, CsDictionary);
        if (d.has(notNull(k)))
            throw new CsException("ArgumentException", "An item with the same key has already been added.");
        d.set(k, v);
    },
);
add(instance, "IReadOnlyDictionary", "[]", {
    kind: "indexer",
    resolve: (s, a) => (a.length === 1 ? s.args[1] : undefined),
    run: (s, [k]) => {
        const d = asInstance(s, CsDictionary);
        if (!d.has(notNull(k))) {
            // context.Variables answers null for a missing name (APIM behaviour per Microsoft's toolkit).
            if ((d as CsDictionary & { nullForMissing?: boolean }).nullForMissing) return null;
            throw new CsException(
                "KeyNotFoundException",
                `The given key '${csToString(k)}' was not present in the dictionary.`,
            );
        }
        return d.get(k);
    },
});
/**
 * GetValueOrDefault: on string[]-valued dictionaries (headers, claims) with a string default, APIM's
 * extension joins the values with ","; otherwise the generic dictionary extension.
 */
method(
    "IReadOnlyDictionary",
    "GetValueOrDefault",
    [1, 2],
    (s, a, ta) => {
        if (ta.length === 1) return ta[0];
        const valueType = typeArg(s, 1);
        if (
            valueType.name === "Array" &&
            valueType.args[0]?.name === "string" &&
            (a.length === 1 || str(a, 1))
        )
            return types.string;
        return valueType;
    },
    (s, [k, fallback], ta, at) => {
        const d = asInstance(s, CsDictionary);
        const joined =
            ta.length === 0 &&
            Array.isArray(d.get(k)) &&
            (at.length === 1 || (at[1] !== undefined && assignable(at[1], types.string)));
        if (!d.has(notNull(k))) return fallback ?? null;
        const v = d.get(k);
        if (joined) return asList(v).join(",");
        const [requested] = ta;
        if (ta.length === 1 && requested) {
            if (v !== null && !isInstance(v, requested))
                throw new CsException(
                    "UserVariableCastException",
                    `Unable to convert context variable '${csToString(k)}' to the requested type.`,
                );
            return v;
        }
        return v;
    },
);

// ---- LINQ (no lambdas)
method(
    "IEnumerable",
    "ToArray",
    0,
    (s) => arrayOf(elementOf(s)),
    (s) => [...enumerate(s)],
);
method(
    "IEnumerable",
    "ToList",
    0,
    (s) => t("List", elementOf(s)),
    (s) => [...enumerate(s)],
);
method(
    "IEnumerable",
    "Any",
    0,
    () => types.bool,
    (s) => enumerate(s).length > 0,
);
method(
    "IEnumerable",
    "Count",
    0,
    () => types.int,
    (s) => enumerate(s).length,
);
method(
    "IEnumerable",
    "Contains",
    1,
    () => types.bool,
    (s, [v]) => enumerate(s).includes(v),
);
method(
    "IEnumerable",
    "First",
    0,
    (s) => elementOf(s),
    (s) => {
        const items = enumerate(s);
        if (items.length === 0)
            throw new CsException("InvalidOperationException", "Sequence contains no elements");
        return items[0];
    },
);
method(
    "IEnumerable",
    "FirstOrDefault",
    0,
    (s) => elementOf(s),
    (s) => enumerate(s)[0] ?? null,
);
method(
    "IEnumerable",
    "Distinct",
    0,
    (s) => t("IEnumerable", elementOf(s)),
    (s) => [...new Set(enumerate(s))],
);

// ---- LINQ with lambdas (the lambda's parameter is the element type)
const isFunc = (a: readonly CsType[], i = 0) => a[i]?.name === "Func";
const predicate = (a: readonly CsType[]) => isFunc(a) && a[0]?.args.at(-1)?.name === "bool";
method(
    "IEnumerable",
    "Any",
    1,
    (_s, a) => (predicate(a) ? types.bool : undefined),
    (s, [fn]) => enumerate(s).some((x) => asLambda(fn)(x) === true),
);
method(
    "IEnumerable",
    "All",
    1,
    (_s, a) => (predicate(a) ? types.bool : undefined),
    (s, [fn]) => enumerate(s).every((x) => asLambda(fn)(x) === true),
);
method(
    "IEnumerable",
    "Count",
    1,
    (_s, a) => (predicate(a) ? types.int : undefined),
    (s, [fn]) => enumerate(s).filter((x) => asLambda(fn)(x) === true).length,
);
method(
    "IEnumerable",
    "Where",
    1,
    (s, a) => (predicate(a) ? t("IEnumerable", elementOf(s)) : undefined),
    (s, [fn]) => enumerate(s).filter((x) => asLambda(fn)(x) === true),
);
method(
    "IEnumerable",
    "Select",
    1,
    (_s, [fn]) => (fn?.name === "Func" ? t("IEnumerable", typeArg(fn, 1)) : undefined),
    (s, [fn]) => enumerate(s).map((x) => asLambda(fn)(x)),
);
method(
    "IEnumerable",
    "FirstOrDefault",
    1,
    (s, a) => (predicate(a) ? elementOf(s) : undefined),
    (s, [fn]) => enumerate(s).find((x) => asLambda(fn)(x) === true) ?? null,
);
method(
    "IEnumerable",
    "First",
    1,
    (s, a) => (predicate(a) ? elementOf(s) : undefined),
    (s, [fn]) => {
        const found = enumerate(s).find((x) => asLambda(fn)(x) === true);
        if (found === undefined)
            throw new CsException("InvalidOperationException", "Sequence contains no matching element");
        return found;
    },
);
staticMethod(
    "Array",
    "Exists",
    2,
    (a) => (isFunc(a, 1) ? types.bool : undefined),
    ([arr, fn]) => enumerate(arr).some((x) => asLambda(fn)(x) === true),
);
staticMethod(
    "Array",
    "IndexOf",
    2,
    () => types.int,
    ([arr, v]) => enumerate(arr).indexOf(v),
);

// ---- Newtonsoft.Json.Linq
for (const member of [
    "None",
    "Object",
    "Array",
    "Constructor",
    "Property",
    "Comment",
    "Integer",
    "Float",
    "String",
    "Boolean",
    "Null",
    "Undefined",
    "Date",
    "Raw",
    "Bytes",
    "Guid",
    "Uri",
    "TimeSpan",
])
    staticProp("JTokenType", member, t("JTokenType"), () => CsEnum.of("JTokenType", member));
for (const member of ["None", "Indented"])
    staticProp("Formatting", member, t("Formatting"), () => CsEnum.of("Formatting", member));
prop(
    "JToken",
    "Type",
    () => t("JTokenType"),
    (s) => CsEnum.of("JTokenType", asInstance(s, JToken).type),
);
method(
    "JToken",
    "ToString",
    [0, 1],
    () => types.string,
    (s, [formatting]) =>
        formatting instanceof CsEnum && formatting.member === "None"
            ? asInstance(s, JToken).toCompact()
            : asInstance(s, JToken).toString(),
);
add(instance, "JToken", "[]", {
    kind: "indexer",
    resolve: (_s, a) => (a.length === 1 ? types.jtoken : undefined),
    run: (s, [key]) => {
        if (s instanceof JObject && typeof key === "string") return s.get(key) ?? null;
        if (s instanceof JArray && typeof key === "number") return indexAt(s.items, key);
        throw new CsException(
            "InvalidOperationException",
            `Cannot access child value on ${asInstance(s, JToken).type} with key ${JSON.stringify(key)}.`,
        );
    },
});
add(instance, "JObject", "[]", {
    kind: "indexer",
    resolve: (_s, a) => (a.length === 1 && a[0] && assignable(a[0], types.string) ? types.jtoken : undefined),
    run: (s, [key]) => asInstance(s, JObject).get(asString(key)) ?? null,
});
add(instance, "JArray", "[]", {
    kind: "indexer",
    resolve: (_s, a) => (a.length === 1 && a[0]?.name === "int" ? types.jtoken : undefined),
    run: (s, [i]) => indexAt(asInstance(s, JArray).items, i),
});
method(
    "JObject",
    "Properties",
    0,
    () => t("IEnumerable", t("JProperty")),
    (s) => [...asInstance(s, JObject).properties],
);
method(
    "JObject",
    "ContainsKey",
    1,
    () => types.bool,
    (s, [k]) => {
        // No property is named null.
        const key = asStringOrNull(k);
        return key !== null && asInstance(s, JObject).get(key) !== undefined;
    },
);
method(
    "JObject",
    "Add",
    2,
    () => types.void,
    (s, [k, v]) => asInstance(s, JObject).add(new JProperty(asString(k), toToken(v))),
);
prop(
    "JContainer",
    "Count",
    () => types.int,
    (s) => enumerate(s).length,
);
method(
    "JArray",
    "Add",
    1,
    () => types.void,
    (s, [v]) => void asInstance(s, JArray).items.push(toToken(v)),
);
prop(
    "JProperty",
    "Name",
    () => types.string,
    (s) => asInstance(s, JProperty).name,
);
prop(
    "JProperty",
    "Value",
    () => types.jtoken,
    (s) => asInstance(s, JProperty).value,
);
for (const type of ["JToken", "JObject", "JArray"])
    staticMethod(
        type,
        "Parse",
        1,
        (a) => (str(a, 0) ? t(type) : undefined),
        ([text]) => {
            const token = parseToken(asString(text));
            if (type !== "JToken" && !isInstance(token, t(type)))
                throw new CsException(
                    "JsonReaderException",
                    `Error reading ${type} from JsonReader. Current JsonReader item is not ${type === "JObject" ? "an object" : "an array"}.`,
                );
            return token;
        },
    );
ctor(
    "JObject",
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
    (s, a) => (a.every((x) => assignable(x, types.object)) ? s : undefined),
    (_s, args) => {
        const obj = new JObject();
        for (const a of paramsArray(args)) {
            if (a instanceof JProperty) obj.add(a);
            else if (a instanceof JObject)
                for (const p of a.properties) obj.add(new JProperty(p.name, p.value));
            else
                throw new CsException(
                    "ArgumentException",
                    `Can not add ${(a as { constructor: { name: string } })?.constructor?.name} to JObject.`,
                );
        }
        return obj;
    },
);
ctor(
    "JArray",
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
    (s) => s,
    (_s, args) => new JArray(paramsArray(args).map(toToken)),
);
ctor(
    "JProperty",
    [2],
    (s, a) => (str(a, 0) ? s : undefined),
    (_s, [name, value]) => new JProperty(asString(name), toToken(value)),
);
ctor(
    "JValue",
    [1],
    (s) => s,
    (_s, [value]) => toToken(value),
);
staticMethod(
    "JsonConvert",
    "SerializeObject",
    1,
    () => types.string,
    ([v]) => (v instanceof JToken ? v.toCompact() : JSON.stringify(v)),
);

// ---- Regex (static API only)
staticMethod(
    "Regex",
    "IsMatch",
    [2, 3],
    (a) => (str(a, 0) && str(a, 1) ? types.bool : undefined),
    ([input, pattern, options]) => dotnetRegex(asString(pattern), options).test(asString(input)),
);
staticMethod(
    "Regex",
    "Replace",
    [3, 4],
    (a) => (str(a, 0) && str(a, 1) && str(a, 2) ? types.string : undefined),
    ([input, pattern, replacement, options]) =>
        asString(input).replace(
            dotnetRegex(asString(pattern), options, true),
            asString(replacement).replace(/\$(\d+)/g, "$$$1"),
        ),
);
for (const member of [
    "None",
    "IgnoreCase",
    "Multiline",
    "Singleline",
    "CultureInvariant",
    "ExplicitCapture",
    "IgnorePatternWhitespace",
])
    staticProp("RegexOptions", member, t("RegexOptions"), () => CsEnum.of("RegexOptions", member));

// ---- Base64 and UTF-8 (for header values the MCP revision lets clients Base64-encode)
staticMethod(
    "Convert",
    "FromBase64String",
    1,
    (a) => (str(a, 0) ? arrayOf(types.byte) : undefined),
    ([text]) => fromBase64String(asString(text)),
);
staticProp("Encoding", "UTF8", t("Encoding"), () => CsEnum.of("Encoding", "UTF8"));
method(
    "Encoding",
    "GetString",
    1,
    (_s, a) => (a[0]?.name === "Array" && a[0].args[0]?.name === "byte" ? types.string : undefined),
    // Invalid sequences become U+FFFD, as .NET's UTF8Encoding does by default.
    (_s, [bytes]) => new TextDecoder("utf-8").decode(asInstance(bytes, Uint8Array)),
);
method(
    "Encoding",
    "GetByteCount",
    1,
    (_s, a) => (str(a, 0) ? types.int : undefined),
    // A lone surrogate counts as U+FFFD (3 bytes), as .NET's UTF8Encoding replaces it by default.
    (_s, [text]) => Buffer.byteLength(asString(text), "utf8"),
);

/**
 * .NET's Convert.FromBase64String: white space (space, tab, CR, LF) is ignored; what remains must be
 * whole 4-character groups of the standard alphabet with at most two '=' at the end, else a
 * FormatException. Node's decoder accepts far more (URL-safe letters, missing padding, junk), so the
 * rules are checked here first.
 */
function fromBase64String(text: string): Buffer {
    const compact = text.replace(/[ \t\r\n]/g, "");
    if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact))
        throw new CsException(
            "FormatException",
            "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.",
        );
    return Buffer.from(compact, "base64");
}

// ---- Exception
prop(
    "Exception",
    "Message",
    () => types.string,
    (s) => asInstance(s, CsException).message,
);

// ---- APIM: Jwt
prop(
    "Jwt",
    "Claims",
    () => t("IReadOnlyDictionary", types.string, arrayOf(types.string)),
    (s) => asInstance(s, CsJwt).claims,
);
prop(
    "Jwt",
    "Subject",
    () => types.string,
    (s) => asInstance(s, CsJwt).claim("sub"),
);
prop(
    "Jwt",
    "Issuer",
    () => types.string,
    (s) => asInstance(s, CsJwt).claim("iss"),
);
prop(
    "Jwt",
    "Id",
    () => types.string,
    (s) => asInstance(s, CsJwt).claim("jti"),
);
prop(
    "Jwt",
    "Audiences",
    () => t("IEnumerable", types.string),
    (s) => {
        const aud = asInstance(s, CsJwt).payload.aud;
        return Array.isArray(aud) ? (aud as unknown[]) : aud === undefined ? [] : [aud];
    },
);
prop(
    "Jwt",
    "Algorithm",
    () => types.string,
    (s) => asInstance(s, CsJwt).header.alg ?? null,
);
prop(
    "Jwt",
    "Type",
    () => types.string,
    (s) => asInstance(s, CsJwt).header.typ ?? null,
);

export function instanceMembers(type: string, name: string): Member[] | undefined {
    return instance[type]?.[name];
}
export function staticMembers(type: string, name: string): Member[] | undefined {
    return statics[type === "String" ? "string" : type]?.[name];
}
export function constructorsOf(type: string): Member[] | undefined {
    return constructors[type];
}
/**
 * Registers a member of the APIM context object model (see ../context.ts). The compiler resolves it
 * only on receivers of static type `type`, and the gateway builds every value of that type as a
 * `Self`; that mapping lives outside TypeScript's view, so the receiver is asserted here, once.
 */
export function defineProperty<Self>(
    type: string,
    name: string,
    result: CsType,
    run: (self: Self) => unknown,
): void {
    prop(
        type,
        name,
        () => result,
        (self) => run(self as Self),
    );
}
export function defineMethod<Self>(
    type: string,
    name: string,
    arity: number | readonly number[],
    result: (self: CsType, args: readonly CsType[], typeArgs: readonly CsType[]) => CsType | undefined,
    run: (
        self: Self,
        args: readonly unknown[],
        typeArgs: readonly CsType[],
        argTypes: readonly CsType[],
    ) => unknown,
    params?: readonly string[],
): void {
    method(type, name, arity, result, (self, ...rest) => run(self as Self, ...rest), params);
}
