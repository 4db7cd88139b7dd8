import Module from "node:module";

/** One `registerFunction` call the Functions worker would have received. */
export interface Registration {
    readonly metadata: { name: string; bindings: Record<string, Record<string, unknown>> };
    readonly handler: (...args: unknown[]) => unknown;
}

const moduleId = "@azure/functions-core";

/** The part of an RPC `TypedData` the host uses for MCP trigger values and results. */
export interface RpcStringData {
    readonly string?: string;
}

/** The library's invocation model, as the worker drives it for each invocation. */
interface InvocationModel {
    getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
    invokeFunction(context: unknown, inputs: unknown[], handler: Registration["handler"]): Promise<unknown>;
    getResponse(context: unknown, result: unknown): Promise<{ returnValue?: RpcStringData | null }>;
}

interface ProgrammingModel {
    getInvocationModel(coreContext: unknown): InvocationModel;
}

let programmingModel: ProgrammingModel | undefined;

/**
 * Invokes a registered function the way the Functions worker does: the library's programming model
 * turns the host's trigger value (RPC typed data) into the handler's arguments, runs the handler and
 * converts its result into the value returned to the host.
 */
export async function invokeAsWorker(
    registration: Registration,
    triggerValue: RpcStringData,
): Promise<RpcStringData | null | undefined> {
    if (!programmingModel) throw new Error("@azure/functions set no programming model");
    const [triggerName] = Object.entries(registration.metadata.bindings).find(
        ([, binding]) => binding.direction === "in",
    )!;
    const model = programmingModel.getInvocationModel({
        invocationId: "invocation-1",
        metadata: registration.metadata,
        request: { inputData: [{ name: triggerName, data: triggerValue }], triggerMetadata: {} },
        state: "invocation",
        log: () => undefined,
    });
    const { context, inputs } = await model.getArguments();
    const result = await model.invokeFunction(context, inputs, registration.handler);
    return (await model.getResponse(context, result)).returnValue;
}

/**
 * `@azure/functions-core` is the API the Functions worker injects at run time; outside the worker
 * `@azure/functions` falls back to a test mode that skips registrations. This stand-in records
 * them instead, so the exact trigger metadata can be asserted and the handlers invoked (directly, or
 * through the library's own invocation model with {@link invokeAsWorker}).
 */
export function installFunctionsCoreStandIn(): Registration[] {
    const registrations: Registration[] = [];
    // `@azure/functions` keeps the core API it found first: later installs only redirect where
    // registrations go, so each loader of the app gets its own.
    if (installed) {
        installed.current = registrations;
        return registrations;
    }
    const target = { current: registrations };
    installed = target;
    const disposable = { dispose: () => undefined };
    const standIn = {
        setProgrammingModel: (model: ProgrammingModel) => {
            programmingModel = model;
        },
        getProgrammingModel: () => programmingModel,
        registerFunction: (metadata: Registration["metadata"], handler: Registration["handler"]) => {
            target.current.push({ metadata, handler });
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

let installed: { current: Registration[] } | undefined;

/**
 * Loads a copy of the Functions app of its own, as a worker starting with the current
 * `process.env` would, and returns its registrations. The copy is not left in the module cache,
 * so the next loader (another test file) reads its own settings.
 */
export function loadFunctionsApp(entry: string): Registration[] {
    const registrations = installFunctionsCoreStandIn();
    delete require.cache[entry];
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded for its registrations, after the stand-in
        require(entry);
    } finally {
        delete require.cache[entry];
    }
    return registrations;
}
