/**
 * Loads Kusto.Language, Microsoft's KQL parser and semantic analyzer, from
 * `@kusto/language-service-next`. The package is a Bridge.NET build: two scripts that define the
 * globals `Bridge`, `System` and `Kusto`. They run here in their own V8 context, once per process,
 * so those globals never leak into the host (the pack process, mocha); only strings, numbers and
 * the library's own objects cross back. The package ships 1.7 MB of declarations for the whole
 * .NET surface; the few members used are typed here instead.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";

/** A Bridge.NET `IReadOnlyList<T>`; turn it into an array with {@link KustoRuntime.toArray}. */
export interface BridgeList<T> {
    readonly __bridgeList?: T;
}

export interface KustoDiagnostic {
    readonly Code: string | null;
    readonly Severity: string | null;
    readonly Message: string | null;
    readonly HasLocation: boolean;
    readonly Start: number;
    readonly Length: number;
}

export interface KustoCode {
    GetDiagnostics(): BridgeList<KustoDiagnostic>;
}

export interface ScalarSymbol {
    readonly Name: string;
}
export interface ColumnSymbol {
    readonly Name: string;
}
export interface TableSymbol {
    readonly Name: string;
}
export interface DatabaseSymbol {
    readonly Name: string;
}
export interface ClusterSymbol {
    readonly Name: string;
}
export interface GlobalState {
    WithCluster(cluster: ClusterSymbol): GlobalState;
    WithDatabase(database: DatabaseSymbol): GlobalState;
}

/** The subset of `Kusto.Language` the analyzer uses. */
export interface KustoLanguage {
    readonly KustoCode: { ParseAndAnalyze(text: string, globals: GlobalState): KustoCode };
    readonly GlobalState: { readonly Default: GlobalState };
    readonly Symbols: {
        readonly ScalarTypes: { GetSymbol(typeName: string): ScalarSymbol | null };
        readonly ColumnSymbol: new (name: string, type: ScalarSymbol) => ColumnSymbol;
        readonly TableSymbol: { readonly $ctor4: new (name: string, columns: ColumnSymbol[]) => TableSymbol };
        readonly DatabaseSymbol: {
            readonly $ctor2: new (
                name: string,
                alternateName: string | null,
                members: TableSymbol[],
            ) => DatabaseSymbol;
        };
        readonly ClusterSymbol: {
            readonly ctor: new (name: string, databases: DatabaseSymbol[]) => ClusterSymbol;
        };
    };
}

export interface KustoRuntime {
    readonly language: KustoLanguage;
    /** Bound to Bridge.NET's runtime, so it can be destructured. */
    readonly toArray: <T>(list: BridgeList<T>) => T[];
    /** Milliseconds it took to read and run the two scripts. */
    readonly loadMs: number;
}

/** The minified builds: a quarter of the size, so they compile in a quarter of the time. */
const scripts = ["bridge.min.js", "Kusto.Language.Bridge.min.js"];

let runtime: KustoRuntime | undefined;

export function kustoRuntime(): KustoRuntime {
    if (runtime !== undefined) return runtime;
    const started = performance.now();
    const packageDir = path.dirname(require.resolve("@kusto/language-service-next/package.json"));
    const context = vm.createContext({});
    for (const file of scripts) {
        new vm.Script(readFileSync(path.join(packageDir, file), "utf8"), { filename: file }).runInContext(
            context,
        );
    }
    const { Kusto, Bridge } = context as {
        Kusto?: { Language?: KustoLanguage };
        Bridge?: { toArray(list: unknown): unknown[] };
    };
    if (Kusto?.Language === undefined || Bridge === undefined) {
        throw new Error(
            "@kusto/language-service-next did not define Kusto.Language; is the package installed?",
        );
    }
    const toArray = Bridge.toArray.bind(Bridge) as <T>(list: BridgeList<T>) => T[];
    runtime = { language: Kusto.Language, toArray, loadMs: performance.now() - started };
    return runtime;
}
