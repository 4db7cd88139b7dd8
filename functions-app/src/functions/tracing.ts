import { app, type InvocationContext } from "@azure/functions";
import { jsonLogger } from "../logger";
import { readTracingSettings } from "../tracing/settings";
import { tracedStore } from "../tracing/traced-store";
import { openTracing, type Tracing } from "../tracing/tracing";

export interface FunctionsTracing {
    readonly tracing: Tracing;
    /** The store with its calls traced (the same store when tracing is off). */
    store<T extends object>(store: T, name: string): T;
}

let opened: FunctionsTracing | undefined;
const traced = new WeakMap<object, object>();

/**
 * The Functions host's tracing, from the same variables as the Node host's (TRACING_EXPORTER ...),
 * opened on the first invocation so a worker that never runs a tool loads no SDK. Invalid settings
 * leave tracing off and say so on the invocation's log: the tools keep working.
 */
export function functionsTracing(context: InvocationContext): FunctionsTracing {
    if (opened) return opened;
    const { settings, errors } = readTracingSettings(process.env);
    if (errors.length > 0) context.error(`tracing is off, its settings are invalid: ${errors.join("; ")}`);
    const tracing = openTracing(
        settings,
        // Export failures come later than this invocation: the worker's own output, not its log.
        jsonLogger(),
    );
    // Spans still buffered when the worker stops are exported before it goes.
    if (tracing.enabled) app.hook.appTerminate(() => tracing.shutdown());
    opened = {
        tracing,
        store: <T extends object>(store: T, name: string): T => {
            if (!tracing.enabled) return store;
            let wrapped = traced.get(store) as T | undefined;
            if (!wrapped) traced.set(store, (wrapped = tracedStore(store, name, tracing)));
            return wrapped;
        },
    };
    return opened;
}
