/**
 * The knowledge index on Azure AI Search, stated once: the Pulumi program creates it from this
 * definition, the `knowledge` command loads passages shaped by it, and the tool service queries
 * its fields. No I/O here.
 */

/** AI Search data-plane REST API version (the current stable one) every client here sends. */
export const searchApiVersion = "2025-09-01";

/** The Entra scope of AI Search's data plane, for bearer tokens. */
export const searchTokenScope = "https://search.azure.com/.default";

export const defaultKnowledgeIndexName = "knowledge";

/**
 * English Lucene analyzer: stems ("resetting" finds "reset") and drops English stop words. The
 * documents are English runbooks and notes; the Microsoft language analyzers lemmatize better but
 * index more slowly, which a few thousand passages do not need.
 */
export const knowledgeContentAnalyzer = "en.lucene";

/** Name of the optional semantic configuration (it needs the service's semantic ranker on). */
export const knowledgeSemanticConfiguration = "knowledge-semantic";

/** One passage as a document of the index. */
export interface PassageDocument {
    /** {@link passageDocumentId}: the same passage of the same source always has the same key. */
    readonly id: string;
    /** The document it came from (path relative to the loaded folder): the tool's filter. */
    readonly source: string;
    /** Position of the passage in its source, from 0. */
    readonly chunk: number;
    readonly content: string;
}

export interface SearchField {
    readonly name: keyof PassageDocument;
    readonly type: "Edm.String" | "Edm.Int32";
    readonly key?: boolean;
    readonly searchable: boolean;
    readonly filterable: boolean;
    readonly sortable: boolean;
    readonly facetable: boolean;
    readonly retrievable: boolean;
    readonly analyzer?: string;
}

export interface SemanticSettings {
    readonly defaultConfiguration: string;
    readonly configurations: readonly {
        readonly name: string;
        readonly prioritizedFields: {
            readonly prioritizedContentFields: readonly { readonly fieldName: string }[];
            readonly prioritizedKeywordsFields: readonly { readonly fieldName: string }[];
        };
    }[];
}

/** The body of `PUT /indexes/{name}`: only what this product sets. */
export interface SearchIndexDefinition {
    readonly name: string;
    readonly fields: readonly SearchField[];
    readonly semantic?: SemanticSettings;
}

export interface KnowledgeIndexOptions {
    /** Adds a semantic configuration over `content` (default false: semantic ranker is a paid option). */
    readonly semantic?: boolean;
}

const indexName = /^[a-z0-9](?:[a-z0-9-]{0,126}[a-z0-9])?$/;

/** Problems with an index name, by AI Search's rules (lower case, digits, inner dashes, 128 chars). */
export function indexNameProblem(name: string): string | undefined {
    if (!indexName.test(name) || name.includes("--")) {
        return "an AI Search index name is 2-128 lower-case letters, digits and single inner dashes";
    }
    return undefined;
}

/**
 * The knowledge index: `content` is the only searchable field (BM25, the service's default
 * similarity, ranks it); `source` filters and facets; `chunk` orders a document's passages.
 */
export function knowledgeIndexDefinition(
    name: string,
    options: KnowledgeIndexOptions = {},
): SearchIndexDefinition {
    const problem = indexNameProblem(name);
    if (problem) throw new Error(`${name}: ${problem}`);
    const plain = { searchable: false, sortable: false, facetable: false, retrievable: true };
    return {
        name,
        fields: [
            { name: "id", type: "Edm.String", key: true, ...plain, filterable: true },
            { name: "source", type: "Edm.String", ...plain, filterable: true, facetable: true },
            { name: "chunk", type: "Edm.Int32", ...plain, filterable: true, sortable: true },
            {
                name: "content",
                type: "Edm.String",
                ...plain,
                searchable: true,
                filterable: false,
                analyzer: knowledgeContentAnalyzer,
            },
        ],
        ...(options.semantic
            ? {
                  semantic: {
                      defaultConfiguration: knowledgeSemanticConfiguration,
                      configurations: [
                          {
                              name: knowledgeSemanticConfiguration,
                              prioritizedFields: {
                                  prioritizedContentFields: [{ fieldName: "content" }],
                                  prioritizedKeywordsFields: [{ fieldName: "source" }],
                              },
                          },
                      ],
                  },
              }
            : {}),
    };
}

/**
 * The key of a passage: its chunk number and its source in base64url (keys allow letters, digits,
 * '-', '_' and '='), so a reload of the same document overwrites its passages instead of adding
 * copies, and two sources never share a key.
 */
export function passageDocumentId(source: string, chunk: number): string {
    return `p${chunk}-${Buffer.from(source, "utf8").toString("base64url")}`;
}

/**
 * An OData string literal: single quotes doubled, so a value can never end the literal and add
 * clauses to a filter.
 */
export function odataString(value: string): string {
    return `'${value.replaceAll("'", "''")}'`;
}
