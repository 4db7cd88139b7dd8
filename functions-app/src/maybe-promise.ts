/**
 * A value now or later. The tool-call path passes synchronous results through as plain values so a
 * tool that answers without I/O (hello_mcp, analyze_incident) costs no promises, microtask turns or
 * timer; every caller still `await`s, which takes either.
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
    return typeof (value as { then?: unknown } | null)?.then === "function";
}
