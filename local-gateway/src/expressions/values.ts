/**
 * Run-time values of the .NET types policy expressions use, where a JavaScript primitive does not
 * carry the semantics: exceptions, dictionaries and sets with a comparer, Guid, TimeSpan, enums and
 * APIM's Jwt. Strings, chars, numbers, booleans and arrays/lists are JavaScript values. Pure.
 */

/** A .NET exception raised by an expression; `try`/`catch` in expressions catches these only. */
export class CsException extends Error {
    constructor(
        readonly typeName: string,
        message: string,
    ) {
        super(message);
        this.name = typeName;
    }
}

/** Exception type -> base type, for `catch (T)` matching. */
const exceptionBases: Record<string, string> = {
    ArgumentException: "SystemException",
    ArgumentNullException: "ArgumentException",
    ArgumentOutOfRangeException: "ArgumentException",
    InvalidCastException: "SystemException",
    NullReferenceException: "SystemException",
    KeyNotFoundException: "SystemException",
    IndexOutOfRangeException: "SystemException",
    FormatException: "SystemException",
    InvalidOperationException: "SystemException",
    JsonException: "Exception",
    JsonReaderException: "JsonException",
    UserVariableCastException: "Exception",
    SystemException: "Exception",
};

export function exceptionIs(typeName: string, catchType: string): boolean {
    for (let t: string | undefined = typeName; t; t = exceptionBases[t]) if (t === catchType) return true;
    return catchType === "Exception";
}

export class CsEnum {
    private static readonly interned = new Map<string, CsEnum>();
    private constructor(
        readonly enumType: string,
        readonly member: string,
    ) {}
    static of(enumType: string, member: string): CsEnum {
        const key = `${enumType}.${member}`;
        let value = CsEnum.interned.get(key);
        if (!value) {
            value = new CsEnum(enumType, member);
            CsEnum.interned.set(key, value);
        }
        return value;
    }
    toString(): string {
        return this.member;
    }
}

/** StringComparer.Ordinal / OrdinalIgnoreCase (the ones policies use). */
export class CsComparer {
    static readonly ordinal = new CsComparer(false);
    static readonly ordinalIgnoreCase = new CsComparer(true);
    private constructor(readonly ignoreCase: boolean) {}
    key(value: unknown): unknown {
        // OrdinalIgnoreCase compares upper-cased code units.
        return this.ignoreCase && typeof value === "string" ? value.toUpperCase() : value;
    }
}

/**
 * The response a `send-request` stores in its variable: what `(IResponse)context.Variables[...]`
 * casts to. Same member names as the context's own response, so the IResponse members read both.
 */
export class CsSentResponse<Body> {
    constructor(
        readonly statusCode: number,
        readonly statusReason: string,
        readonly headers: CsDictionary<string[]>,
        readonly body: Body,
    ) {}
}

/** Dictionary<K,V> / IReadOnlyDictionary<K,V> with a comparer (headers are case-insensitive). */
export class CsDictionary<V = unknown> {
    private readonly entries = new Map<unknown, [unknown, V]>();
    constructor(readonly comparer: CsComparer = CsComparer.ordinal) {}
    static from<V>(pairs: Iterable<[string, V]>, comparer?: CsComparer): CsDictionary<V> {
        const d = new CsDictionary<V>(comparer);
        for (const [k, v] of pairs) d.set(k, v);
        return d;
    }
    has(key: unknown): boolean {
        return this.entries.has(this.comparer.key(key));
    }
    get(key: unknown): V | undefined {
        return this.entries.get(this.comparer.key(key))?.[1];
    }
    set(key: unknown, value: V): void {
        const k = this.comparer.key(key);
        const existing = this.entries.get(k);
        this.entries.set(k, [existing ? existing[0] : key, value]);
    }
    delete(key: unknown): boolean {
        return this.entries.delete(this.comparer.key(key));
    }
    keys(): unknown[] {
        return [...this.entries.values()].map((e) => e[0]);
    }
    pairs(): [unknown, V][] {
        return [...this.entries.values()];
    }
    get size(): number {
        return this.entries.size;
    }
}

export class CsHashSet {
    private readonly items = new Map<unknown, unknown>();
    constructor(readonly comparer: CsComparer = CsComparer.ordinal) {}
    add(value: unknown): boolean {
        const k = this.comparer.key(value);
        if (this.items.has(k)) return false;
        this.items.set(k, value);
        return true;
    }
    has(value: unknown): boolean {
        return this.items.has(this.comparer.key(value));
    }
    values(): unknown[] {
        return [...this.items.values()];
    }
    get size(): number {
        return this.items.size;
    }
}

export class CsGuid {
    constructor(readonly text: string) {}
    toString(): string {
        return this.text;
    }
}

export class CsTimeSpan {
    constructor(readonly milliseconds: number) {}
    toString(): string {
        const total = Math.floor(this.milliseconds);
        const h = Math.floor(total / 3_600_000);
        const m = Math.floor(total / 60_000) % 60;
        const s = Math.floor(total / 1000) % 60;
        const frac = Math.round((this.milliseconds - Math.floor(this.milliseconds / 1000) * 1000) * 10_000);
        const pad = (n: number, w = 2) => String(n).padStart(w, "0");
        return `${pad(h)}:${pad(m)}:${pad(s)}${frac > 0 ? "." + pad(frac, 7) : ""}`;
    }
}

/** APIM's Jwt: the validated token's header and claims (array claims keep every value). */
export class CsJwt {
    readonly claims: CsDictionary<string[]>;
    constructor(
        readonly header: Readonly<Record<string, unknown>>,
        readonly payload: Readonly<Record<string, unknown>>,
    ) {
        const pairs: [string, string[]][] = Object.entries(payload).map(([k, v]) => [
            k,
            (Array.isArray(v) ? v : [v]).map((x) => (typeof x === "string" ? x : JSON.stringify(x))),
        ]);
        // Claim names compare case-insensitively (as in Microsoft's policy toolkit; see the README).
        this.claims = CsDictionary.from(pairs, CsComparer.ordinalIgnoreCase);
    }
    claim(name: string): string | null {
        const v = this.payload[name];
        return typeof v === "string" ? v : null;
    }
}

/** Default string form of a value (`ToString()`, string concatenation, interpolation). */
export function csToString(value: unknown): string {
    if (value === null || value === undefined) return "";
    if (typeof value === "boolean") return value ? "True" : "False";
    if (typeof value === "number") return Number.isFinite(value) ? String(value) : value > 0 ? "∞" : "-∞";
    if (Array.isArray(value)) return "System.String[]";
    if (value instanceof CsDictionary) return "System.Collections.Generic.Dictionary`2";
    if (value instanceof CsHashSet) return "System.Collections.Generic.HashSet`1";
    if (value instanceof CsJwt) return "Jwt";
    if (typeof value === "string") return value;
    // What remains are objects: the classes standing for .NET types override toString() as their
    // ToString() does (CsEnum, CsGuid, CsTimeSpan, JToken); the others print as JavaScript does.
    return (value as { toString(): string }).toString();
}
