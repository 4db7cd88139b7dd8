import type { Tracing } from "./tracing";
import { spanAttributes } from "./span-names";

/**
 * `store` with each of its calls in a client span `<storeName> <method>`, the child of the tool
 * call that made it; `store` itself when tracing is off. For the stores' interfaces, whose
 * methods all return promises. Span attributes name the store and operation only, never keys or
 * content.
 */
export function tracedStore<T extends object>(store: T, storeName: string, tracing: Tracing): T {
    if (!tracing.enabled) return store;
    return new Proxy(store, {
        get(target, property, receiver) {
            const value: unknown = Reflect.get(target, property, receiver);
            if (typeof value !== "function" || typeof property !== "string") return value;
            const method = value as (...args: unknown[]) => unknown;
            return (...args: unknown[]) =>
                tracing.inSpan(
                    `${storeName} ${property}`,
                    "client",
                    { [spanAttributes.store]: storeName, [spanAttributes.storeOperation]: property },
                    () => Promise.resolve(method.apply(target, args)),
                );
        },
    });
}
