/**
 * KQL analysis: a query and the tables it may read in, Kusto.Language's diagnostics out (syntax
 * errors, unknown tables, columns and functions, type errors), each with its line and column.
 * Nothing is executed and nothing is fetched.
 */
import { GlobalState, kustoRuntime } from "./bridge";
import { KqlSchema } from "./tables";

export interface KqlDiagnostic {
    /** As Kusto.Language names it: Error, Warning, Suggestion or Information. */
    readonly severity: string;
    /** Kusto.Language's code, e.g. KS142 for an unknown name. */
    readonly code: string;
    readonly message: string;
    /** Zero-based offset into the query and the length of the text it is about. */
    readonly start: number;
    readonly length: number;
    /** One-based line and column of `start`. */
    readonly line: number;
    readonly column: number;
}

/** Built symbols per schema: building the default global state costs about half a second. */
const globalsBySchema = new WeakMap<KqlSchema, GlobalState>();

function globalsFor(schema: KqlSchema): GlobalState {
    const cached = globalsBySchema.get(schema);
    if (cached !== undefined) return cached;
    const { Symbols, GlobalState } = kustoRuntime().language;
    const tables = schema.tables.map(
        (table) =>
            new Symbols.TableSymbol.$ctor4(
                table.name,
                Object.entries(table.columns).map(([column, typeName]) => {
                    const type = Symbols.ScalarTypes.GetSymbol(typeName);
                    if (type === null)
                        throw new Error(`${table.name}.${column}: unknown Kusto type ${typeName}`);
                    return new Symbols.ColumnSymbol(column, type);
                }),
            ),
    );
    const database = new Symbols.DatabaseSymbol.$ctor2(schema.database, null, tables);
    const globals = GlobalState.Default.WithCluster(
        new Symbols.ClusterSymbol.ctor("workspace", [database]),
    ).WithDatabase(database);
    globalsBySchema.set(schema, globals);
    return globals;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
    const lineStart = offset > 0 ? text.lastIndexOf("\n", offset - 1) + 1 : 0;
    return { line: text.slice(0, offset).split("\n").length, column: offset - lineStart + 1 };
}

/**
 * Results per schema and query text. Analysis is deterministic and costs tens of milliseconds per
 * query, and the same queries come back on every evaluation of a stack; bounded, oldest out first.
 */
const resultsBySchema = new WeakMap<KqlSchema, Map<string, readonly KqlDiagnostic[]>>();
const maxCachedQueries = 500;

export function analyzeKql(query: string, schema: KqlSchema): readonly KqlDiagnostic[] {
    let results = resultsBySchema.get(schema);
    if (results === undefined)
        resultsBySchema.set(schema, (results = new Map<string, readonly KqlDiagnostic[]>()));
    const cached = results.get(query);
    if (cached !== undefined) return cached;
    const diagnostics = analyzeUncached(query, schema);
    if (results.size >= maxCachedQueries) results.delete(results.keys().next().value as string);
    results.set(query, diagnostics);
    return diagnostics;
}

function analyzeUncached(query: string, schema: KqlSchema): readonly KqlDiagnostic[] {
    const { language, toArray } = kustoRuntime();
    const code = language.KustoCode.ParseAndAnalyze(query, globalsFor(schema));
    return toArray(code.GetDiagnostics()).map((d): KqlDiagnostic => {
        const start = d.HasLocation ? d.Start : 0;
        return {
            severity: d.Severity ?? "Error",
            code: d.Code ?? "",
            message: d.Message ?? "",
            start,
            length: d.HasLocation ? d.Length : 0,
            ...lineAndColumn(query, start),
        };
    });
}
