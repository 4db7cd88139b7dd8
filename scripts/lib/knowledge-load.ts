/**
 * Loads a folder of documents into the knowledge index on AI Search: the same passages the local
 * index holds (one splitter), keyed so a reload overwrites them, sent with `mergeOrUpload` in
 * batches within the service's limits, and a reloaded document's passages beyond its new length
 * removed. No Pulumi imports; tested against a local fake AI Search.
 */
import { documentsFromFolder } from "functions-app/knowledge/documents";
import {
    odataString,
    passageDocumentId,
    searchApiVersion,
    type PassageDocument,
} from "functions-app/knowledge/search-index-definition";
import { bodyText, RetryingCaller } from "../../components/azure/retrying-caller";

/** AI Search's limits on one indexing request: 1000 actions and 16 MB. */
export const batchLimits = { documents: 1000, bytes: 16 * 1024 * 1024 } as const;

export interface BatchLimits {
    readonly documents: number;
    readonly bytes: number;
}

export interface LoadPlan {
    readonly sources: number;
    readonly documents: readonly PassageDocument[];
    /** Per source, how many passages it has now: later chunks are stale. */
    readonly chunksPerSource: ReadonlyMap<string, number>;
}

export async function planLoad(folder: string): Promise<LoadPlan> {
    const split = await documentsFromFolder(folder);
    return {
        sources: split.length,
        documents: split.flatMap((d) =>
            d.passages.map((content, chunk) => ({
                id: passageDocumentId(d.source, chunk),
                source: d.source,
                chunk,
                content,
            })),
        ),
        chunksPerSource: new Map(split.map((d) => [d.source, d.passages.length])),
    };
}

type Action =
    | (PassageDocument & { readonly "@search.action": "mergeOrUpload" })
    | { readonly "@search.action": "delete"; readonly id: string };

/** Request bodies of at most `limits.documents` actions and `limits.bytes` bytes each, in order. */
export function indexBatches(actions: readonly Action[], limits: BatchLimits = batchLimits): string[] {
    const envelope = Buffer.byteLength('{"value":[]}');
    const bodies: string[] = [];
    let current: string[] = [];
    let bytes = envelope;
    const flush = () => {
        if (current.length > 0) bodies.push(`{"value":[${current.join(",")}]}`);
        current = [];
        bytes = envelope;
    };
    for (const action of actions) {
        const json = JSON.stringify(action);
        const size = Buffer.byteLength(json) + (current.length > 0 ? 1 : 0);
        if (envelope + Buffer.byteLength(json) > limits.bytes) {
            throw new Error(`passage ${action.id} alone is larger than ${limits.bytes} bytes`);
        }
        if (current.length >= limits.documents || bytes + size > limits.bytes) flush();
        bytes += Buffer.byteLength(json) + (current.length > 0 ? 1 : 0);
        current.push(json);
    }
    flush();
    return bodies;
}

export interface SearchTarget {
    readonly endpoint: string;
    readonly indexName: string;
    /** Headers that authenticate: a bearer token, or a local stand-in's key. */
    readonly auth: Readonly<Record<string, string>>;
    readonly log?: (message: string) => void;
    /** Test hook: retry delays (default 2 s backoff). */
    readonly initialBackoffMs?: number;
}

export class KnowledgeLoadError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KnowledgeLoadError";
    }
}

const authCause =
    "the identity running the command needs Search Index Data Contributor on the AI Search service " +
    "(az role assignment create --role 'Search Index Data Contributor' --assignee <you> --scope <service id>)";

async function post(target: SearchTarget, operation: "index" | "search", body: string): Promise<Response> {
    // A 403 fails at once: an operator's missing role does not fix itself while they wait.
    const caller = new RetryingCaller(
        {
            timeoutMs: 5 * 60_000,
            authRetryMs: 0,
            initialBackoffMs: target.initialBackoffMs ?? 2_000,
            ...(target.log ? { log: target.log } : {}),
        },
        (message) => new KnowledgeLoadError(message),
    );
    const url = `${target.endpoint.replace(/\/+$/, "")}/indexes/${encodeURIComponent(target.indexName)}/docs/${operation}?api-version=${searchApiVersion}`;
    const res = await caller.call(
        `docs/${operation}`,
        () =>
            fetch(url, {
                method: "POST",
                headers: { ...target.auth, "content-type": "application/json" },
                body,
                signal: AbortSignal.timeout(Math.min(caller.remainingMs(), 120_000)),
            }),
        { timeoutMessage: `docs/${operation} did not finish in time`, authCause },
    );
    if (res.status === 404) {
        throw new KnowledgeLoadError(
            `index ${target.indexName} does not exist on ${target.endpoint}; the Pulumi program creates it (${await bodyText(res)})`,
        );
    }
    if (res.status !== 200 && res.status !== 207) {
        throw new KnowledgeLoadError(`docs/${operation} answered ${res.status}: ${await bodyText(res)}`);
    }
    return res;
}

/** Sends the batches in order; fails naming the passages the service did not take. */
async function sendActions(target: SearchTarget, actions: readonly Action[]): Promise<number> {
    const bodies = indexBatches(actions);
    for (const [i, body] of bodies.entries()) {
        const res = await post(target, "index", body);
        const results =
            (
                (await res.json()) as {
                    value?: { key: string; status: boolean; errorMessage?: string | null }[];
                }
            ).value ?? [];
        const failed = results.filter((r) => !r.status);
        if (failed.length > 0) {
            throw new KnowledgeLoadError(
                `batch ${i + 1} of ${bodies.length}: ${failed.length} passages were not indexed, e.g. ${failed[0]?.key}: ${failed[0]?.errorMessage ?? "no reason given"}`,
            );
        }
    }
    return bodies.length;
}

/** Ids of a source's passages from `fromChunk` on (what a shorter reload left behind). */
async function staleIds(target: SearchTarget, source: string, fromChunk: number): Promise<string[]> {
    const res = await post(
        target,
        "search",
        JSON.stringify({
            search: "*",
            filter: `source eq ${odataString(source)} and chunk ge ${fromChunk}`,
            select: "id",
            top: 1000,
        }),
    );
    return ((await res.json()) as { value?: { id: string }[] }).value?.map((d) => d.id) ?? [];
}

export interface LoadResult {
    readonly passages: number;
    readonly batches: number;
    readonly removed: number;
}

export async function loadPassages(target: SearchTarget, plan: LoadPlan): Promise<LoadResult> {
    const batches = await sendActions(
        target,
        plan.documents.map((d) => ({ "@search.action": "mergeOrUpload", ...d })),
    );
    const stale: string[] = [];
    for (const [source, chunks] of plan.chunksPerSource)
        stale.push(...(await staleIds(target, source, chunks)));
    if (stale.length > 0)
        await sendActions(
            target,
            stale.map((id) => ({ "@search.action": "delete", id })),
        );
    return { passages: plan.documents.length, batches, removed: stale.length };
}
