import Module from "node:module";

/** One `registerFunction` call the Functions worker would have received. */
export interface Registration {
    readonly metadata: { name: string; bindings: Record<string, Record<string, unknown>> };
    readonly handler: (...args: unknown[]) => unknown;
}

const moduleId = "@azure/functions-core";

/**
 * `@azure/functions-core` is the API the Functions worker injects at run time; outside the worker
 * `@azure/functions` falls back to a test mode that skips registrations. This stand-in records
 * them instead, so the exact trigger metadata can be asserted and the handlers invoked.
 */
export function installFunctionsCoreStandIn(): Registration[] {
    const registrations: Registration[] = [];
    const disposable = { dispose: () => undefined };
    const standIn = {
        setProgrammingModel: () => undefined,
        getProgrammingModel: () => undefined,
        registerFunction: (metadata: Registration["metadata"], handler: Registration["handler"]) => {
            registrations.push({ metadata, handler });
            return disposable;
        },
        registerHook: () => disposable,
        log: () => undefined,
    };
    const loader = Module as unknown as {
        _resolveFilename: (request: string, ...rest: unknown[]) => string;
    };
    const resolve = loader._resolveFilename;
    loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
        return request === moduleId ? moduleId : resolve.call(this, request, ...rest);
    };
    const cached = new Module(moduleId);
    cached.exports = standIn;
    cached.loaded = true;
    require.cache[moduleId] = cached;
    return registrations;
}
