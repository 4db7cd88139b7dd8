/**
 * Narrowing of interpreter values to the JavaScript shape that stands for their .NET type. The
 * compiler checks types when a document loads, so at run time these guards confirm what it proved;
 * C# null fails as a NullReferenceException and a value of another shape as an InvalidCastException,
 * both catchable by expressions, never as a JavaScript TypeError. Pure.
 */
import { runtimeTypeName } from "./types";
import { CsException } from "./values";

function wrongValue(value: unknown, target: string): CsException {
    return value === null || value === undefined
        ? new CsException("NullReferenceException", "Object reference not set to an instance of an object.")
        : new CsException(
              "InvalidCastException",
              `Unable to cast object of type '${runtimeTypeName(value)}' to type '${target}'.`,
          );
}

/** The value, or a NullReferenceException for C# null (the interpreter's null and undefined). */
export function notNull<T>(value: T | null | undefined): T {
    if (value === null || value === undefined) throw wrongValue(value, "");
    return value;
}

/** A `string` or `char` (both JavaScript strings). */
export function asString(value: unknown): string {
    if (typeof value === "string") return value;
    throw wrongValue(value, "System.String");
}

/** A string argument where .NET treats null as "none" (a default applies). */
export function asStringOrNull(value: unknown): string | null {
    return value === null || value === undefined ? null : asString(value);
}

/** An `int`, `long` or `double`. */
export function asNumber(value: unknown): number {
    if (typeof value === "number") return value;
    throw wrongValue(value, "System.Double");
}

/** A `T[]` or `List<T>`: the JavaScript array itself (lists are mutable), not a copy. */
export function asList(value: unknown): unknown[] {
    if (Array.isArray(value)) return value as unknown[];
    throw wrongValue(value, "System.Collections.Generic.List`1");
}

/** Anything with a length and indexes: arrays, lists, strings and `byte[]` (a Buffer). */
export function asIndexable(value: unknown): ArrayLike<unknown> {
    if (typeof value === "string" || Array.isArray(value) || value instanceof Uint8Array) return value;
    throw wrongValue(value, "System.Array");
}

/** An instance of one of the classes that stand for .NET and APIM types. */
export function asInstance<T>(value: unknown, type: abstract new (...args: never[]) => T): T {
    if (value instanceof type) return value;
    throw wrongValue(value, type.name);
}

/** A compiled lambda (`x => ...`), which runs as a JavaScript function of its parameters. */
export type Lambda = (...parameters: unknown[]) => unknown;

export function asLambda(value: unknown): Lambda {
    if (typeof value === "function") return value as Lambda;
    throw wrongValue(value, "System.Func`2");
}
