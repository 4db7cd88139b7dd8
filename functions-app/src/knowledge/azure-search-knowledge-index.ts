import type { TokenCredential } from "@azure/identity";
import type { StoreCallOptions } from "../storage/snippet-store";
import type { KnowledgeIndex, KnowledgeQuery, RankedPassage } from "./knowledge-index";
import type { KnowledgeSearchLocation } from "./environment";
import { odataString, searchApiVersion, searchTokenScope } from "./search-index-definition";

/** A knowledge search the caller cannot fix but may retry: the tool answers it as a tool error. */
export class KnowledgeIndexUnavailableError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KnowledgeIndexUnavailableError";
    }
}

/** One query's bound when the caller sets none shorter (the tool call's own bound is 10 s). */
export const searchRequestTimeoutMs = 5_000;

/** Characters of AI Search's simple query syntax; escaped, a query is plain words as on the local index. */
const simpleSyntax = /[+\-&|!(){}[\]^"~*?:\\/]/g;

interface SearchAnswer {
    readonly value?: readonly {
        readonly "@search.score"?: unknown;
        readonly source?: unknown;
        readonly content?: unknown;
    }[];
}

/**
 * The knowledge index on Azure AI Search, queried through the data-plane REST API (`docs/search`)
 * with the host's managed identity (Search Index Data Reader). Results keep the service's order.
 * Every failure of the service (refusal, missing index, overload, no answer in time) is a
 * {@link KnowledgeIndexUnavailableError}; the caller's abort propagates as its reason.
 */
export class AzureSearchKnowledgeIndex implements KnowledgeIndex {
    constructor(
        private readonly location: KnowledgeSearchLocation,
        private readonly credential: TokenCredential | undefined,
        private readonly requestTimeoutMs = searchRequestTimeoutMs,
    ) {}

    async search(query: KnowledgeQuery, options: StoreCallOptions = {}): Promise<RankedPassage[]> {
        const timeout = AbortSignal.timeout(this.requestTimeoutMs);
        const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
        const fail = (error: unknown, what: string): never => {
            if (options.signal?.aborted) throw options.signal.reason;
            if (timeout.aborted) {
                throw new KnowledgeIndexUnavailableError(
                    `The knowledge index did not answer within ${this.requestTimeoutMs / 1000} s; try again later.`,
                );
            }
            throw new KnowledgeIndexUnavailableError(
                `The knowledge index could not be reached (${what}: ${error instanceof Error ? error.message : String(error)}).`,
            );
        };
        let auth: Record<string, string>;
        try {
            auth = await this.authorization(signal);
        } catch (error) {
            return fail(error, "no token for AI Search");
        }
        const body = {
            search: query.text.replace(simpleSyntax, "\\$&"),
            queryType: "simple",
            searchMode: "any",
            searchFields: "content",
            select: "source,content",
            top: query.top,
            ...(query.source === undefined ? {} : { filter: `source eq ${odataString(query.source)}` }),
        };
        let res: Response;
        let answer: SearchAnswer;
        try {
            res = await fetch(
                `${this.location.endpoint}/indexes/${encodeURIComponent(this.location.indexName)}/docs/search?api-version=${searchApiVersion}`,
                {
                    method: "POST",
                    headers: { ...auth, "content-type": "application/json", accept: "application/json" },
                    body: JSON.stringify(body),
                    signal,
                },
            );
            if (!res.ok) {
                await res.body?.cancel();
                throw new KnowledgeIndexUnavailableError(this.refusal(res.status));
            }
            answer = (await res.json()) as SearchAnswer;
        } catch (error) {
            if (error instanceof KnowledgeIndexUnavailableError) throw error;
            return fail(error, "request failed");
        }
        return (answer.value ?? []).map((hit) => ({
            source: typeof hit.source === "string" ? hit.source : "",
            text: typeof hit.content === "string" ? hit.content : "",
            score: typeof hit["@search.score"] === "number" ? hit["@search.score"] : 0,
        }));
    }

    private async authorization(signal: AbortSignal): Promise<Record<string, string>> {
        if (this.location.localKey !== undefined) return { "api-key": this.location.localKey };
        if (!this.credential) throw new Error("no credential");
        const token = await this.credential.getToken(searchTokenScope, { abortSignal: signal });
        if (!token) throw new Error("the credential returned no token");
        return { authorization: `Bearer ${token.token}` };
    }

    private refusal(status: number): string {
        if (status === 401 || status === 403) {
            return `The knowledge index refused this service (${status}): its identity needs Search Index Data Reader on the AI Search service.`;
        }
        if (status === 404)
            return `The knowledge index '${this.location.indexName}' does not exist on the AI Search service.`;
        if (status === 429 || status >= 500)
            return `The knowledge index is unavailable (${status}); try again later.`;
        return `The knowledge index answered ${status}.`;
    }
}
