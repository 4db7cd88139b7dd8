/**
 * Creates, updates and deletes an AI Search index through the data-plane REST API
 * (`PUT`/`DELETE /indexes/{name}`) with the deployer's Entra token. A fresh `Search Service
 * Contributor` assignment takes minutes to apply, so 401/403 are retried for a bounded time, and
 * transient failures with backoff (RetryingCaller). No Pulumi imports: tested against a local fake.
 */
import { bodyText, RetryingCaller, type RetryOptions } from "../azure/retrying-caller";
import {
    searchApiVersion,
    type SearchIndexDefinition,
} from "functions-app/knowledge/search-index-definition";

export interface SearchIndexRequest extends Omit<RetryOptions, "timeoutMs"> {
    /** The service's endpoint, e.g. https://<service>.search.windows.net. */
    readonly endpoint: string;
    /**
     * An Entra access token for https://search.azure.com, or the key of a local AI Search stand-in
     * on loopback (the program always uses a token: the service's local auth is disabled).
     */
    readonly credential: { readonly token: string } | { readonly apiKey: string };
    /** Give up after this long overall (default 10 min). */
    readonly timeoutMs?: number;
}

export class SearchIndexError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SearchIndexError";
    }
}

const authCause =
    "the deploying identity needs Search Service Contributor on the AI Search service (index definitions), " +
    "and the service must accept Entra tokens (authOptions or disableLocalAuth); a new role assignment can " +
    "take minutes to apply";

function caller(req: SearchIndexRequest): RetryingCaller {
    return new RetryingCaller(
        { ...req, timeoutMs: req.timeoutMs ?? 10 * 60_000 },
        (message) => new SearchIndexError(message),
    );
}

/** How a request to AI Search's data plane authenticates with `credential`. */
export function searchAuthHeaders(credential: SearchIndexRequest["credential"]): Record<string, string> {
    return "apiKey" in credential
        ? { "api-key": credential.apiKey }
        : { authorization: `Bearer ${credential.token}` };
}

function indexUrl(endpoint: string, name: string): string {
    return `${endpoint.replace(/\/+$/, "")}/indexes/${encodeURIComponent(name)}?api-version=${searchApiVersion}`;
}

/** Creates the index or updates it in place; AI Search refuses (400) a change to an existing field. */
export async function putSearchIndex(
    req: SearchIndexRequest,
    definition: SearchIndexDefinition,
): Promise<void> {
    const retrying = caller(req);
    const res = await retrying.call(
        `PUT index ${definition.name}`,
        () =>
            fetch(indexUrl(req.endpoint, definition.name), {
                method: "PUT",
                headers: {
                    ...searchAuthHeaders(req.credential),
                    "content-type": "application/json",
                    prefer: "return=minimal",
                },
                body: JSON.stringify(definition),
                signal: AbortSignal.timeout(retrying.remainingMs()),
            }),
        { timeoutMessage: `timed out creating index ${definition.name}`, authCause },
    );
    if (res.status !== 200 && res.status !== 201 && res.status !== 204) {
        throw new SearchIndexError(
            `PUT index ${definition.name} answered ${res.status}: ${await bodyText(res)}`,
        );
    }
}

/** Deletes the index and the passages in it; an index already gone is deleted. */
export async function deleteSearchIndex(req: SearchIndexRequest, name: string): Promise<void> {
    const retrying = caller(req);
    const res = await retrying.call(
        `DELETE index ${name}`,
        () =>
            fetch(indexUrl(req.endpoint, name), {
                method: "DELETE",
                headers: searchAuthHeaders(req.credential),
                signal: AbortSignal.timeout(retrying.remainingMs()),
            }),
        { timeoutMessage: `timed out deleting index ${name}`, authCause },
    );
    if (res.status !== 204 && res.status !== 200 && res.status !== 404) {
        throw new SearchIndexError(`DELETE index ${name} answered ${res.status}: ${await bodyText(res)}`);
    }
}

/**
 * What a new definition means for the index: AI Search adds fields and changes semantic settings
 * and `retrievable` in place, but cannot change or remove an existing field; those rebuild the
 * index (its passages must then be loaded again).
 */
export function searchIndexChange(
    old: SearchIndexDefinition | undefined,
    next: SearchIndexDefinition,
): "none" | "update" | "replace" {
    if (old === undefined || old.name !== next.name) return "replace";
    if (JSON.stringify(old) === JSON.stringify(next)) return "none";
    // `retrievable` is the one field attribute the service changes in place.
    const comparable = (field: SearchIndexDefinition["fields"][number]) =>
        JSON.stringify({ ...field, retrievable: undefined });
    for (const field of old.fields) {
        const kept = next.fields.find((f) => f.name === field.name);
        if (!kept || comparable(kept) !== comparable(field)) return "replace";
    }
    return "update";
}
