import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SearchIndexDefinition } from "../../src/knowledge/search-index-definition";

/** One request the fake received, for assertions. */
export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly query: URLSearchParams;
    readonly headers: IncomingMessage["headers"];
    readonly body: string;
}

/** How the fake answers the next matching requests instead of serving them. */
export type Interruption =
    | { readonly status: number; readonly body?: unknown }
    /** Accept the request and never answer (until the fake closes). */
    | { readonly stall: true };

type Document = Record<string, unknown>;

interface StoredIndex {
    definition: SearchIndexDefinition;
    readonly docs: Map<string, Document>;
}

/**
 * A local stand-in for an Azure AI Search service's data plane, over real HTTP on loopback: index
 * definitions (PUT/GET/DELETE), document batches (`docs/index`) and full-text queries
 * (`docs/search`) with a small OData `$filter` parser, so escaping mistakes widen a filter here as
 * they would there. Only callers with an accepted bearer token or key get in. Ranking is a plain
 * term count, not BM25: tests check that the order passes through, not the service's scores.
 */
export class FakeAiSearch {
    readonly requests: RecordedRequest[] = [];
    readonly indexes = new Map<string, StoredIndex>();
    /** Answered in order, one per matching request, before anything else. */
    readonly interruptions: { readonly path: RegExp; readonly answer: Interruption }[] = [];
    private readonly stalled = new Set<ServerResponse>();

    private constructor(
        private readonly server: Server,
        readonly url: string,
        private readonly accepted: { readonly tokens: readonly string[]; readonly keys: readonly string[] },
    ) {}

    static async start(
        accepted: { readonly tokens?: readonly string[]; readonly keys?: readonly string[] } = {},
    ): Promise<FakeAiSearch> {
        const server = createServer();
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const { port } = server.address() as AddressInfo;
        const fake = new FakeAiSearch(server, `http://127.0.0.1:${port}`, {
            tokens: accepted.tokens ?? [],
            keys: accepted.keys ?? [],
        });
        server.on("request", (req, res) => void fake.handle(req, res));
        return fake;
    }

    /** The next `count` requests whose path matches get `answer`. */
    interrupt(path: RegExp, answer: Interruption, count = 1): void {
        for (let i = 0; i < count; i++) this.interruptions.push({ path, answer });
    }

    /** Adds documents directly, as a previous load would have. */
    seed(index: string, docs: readonly Document[]): void {
        const stored = this.indexes.get(index) ?? assert404(index);
        for (const doc of docs) stored.docs.set(String(doc.id), { ...doc });
    }

    async close(): Promise<void> {
        for (const res of this.stalled) res.destroy();
        await new Promise<void>((resolve) => {
            this.server.close(() => resolve());
            this.server.closeAllConnections();
        });
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks).toString("utf8");
        const url = new URL(req.url ?? "/", this.url);
        this.requests.push({
            method: req.method ?? "",
            path: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            body,
        });
        const send = (status: number, payload?: unknown) => {
            res.writeHead(status, payload === undefined ? {} : { "content-type": "application/json" });
            res.end(payload === undefined ? undefined : JSON.stringify(payload));
        };
        const interruption = this.interruptions.findIndex((i) => i.path.test(url.pathname));
        if (interruption >= 0) {
            const answer = this.interruptions.splice(interruption, 1)[0]!.answer;
            if ("stall" in answer) {
                this.stalled.add(res);
                return;
            }
            return send(answer.status, answer.body ?? { error: { code: "Fake", message: "interrupted" } });
        }
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        const key = req.headers["api-key"];
        const allowed =
            (bearer !== undefined && this.accepted.tokens.includes(bearer)) ||
            (typeof key === "string" && this.accepted.keys.includes(key));
        if (!allowed) return send(403, { error: { code: "Forbidden", message: "not authorized" } });
        if (url.searchParams.get("api-version") === null) {
            return send(400, { error: { code: "MissingApiVersionParameter", message: "api-version" } });
        }
        try {
            const [status, payload] = this.route(req.method ?? "", url.pathname, body);
            send(status, payload);
        } catch (error) {
            send(400, { error: { code: "InvalidRequest", message: (error as Error).message } });
        }
    }

    private route(method: string, path: string, body: string): [number, unknown?] {
        const definition = /^\/indexes\/([^/]+)$/.exec(path);
        if (definition) {
            const name = decodeURIComponent(definition[1]!);
            const existing = this.indexes.get(name);
            if (method === "GET") return existing ? [200, existing.definition] : notFound(name);
            if (method === "DELETE") {
                if (!existing) return notFound(name);
                this.indexes.delete(name);
                return [204];
            }
            if (method === "PUT") {
                const wanted = JSON.parse(body) as SearchIndexDefinition;
                if (wanted.name !== name)
                    throw new Error(`the body names index ${wanted.name}, the URL ${name}`);
                if (!existing) {
                    this.indexes.set(name, { definition: wanted, docs: new Map() });
                    return [201, wanted];
                }
                for (const field of existing.definition.fields) {
                    const next = wanted.fields.find((f) => f.name === field.name);
                    // `retrievable` is the one attribute the service changes in place.
                    const before = { ...field, retrievable: undefined };
                    const after = next && { ...next, retrievable: undefined };
                    if (JSON.stringify(before) !== JSON.stringify(after)) {
                        return [
                            400,
                            {
                                error: {
                                    code: "OperationNotAllowed",
                                    message: `Existing field '${field.name}' cannot be changed or removed.`,
                                },
                            },
                        ];
                    }
                }
                existing.definition = wanted;
                return [200, wanted];
            }
        }
        const docs = /^\/indexes\/([^/]+)\/docs\/(index|search)$/.exec(path);
        if (docs && method === "POST") {
            const name = decodeURIComponent(docs[1]!);
            const index = this.indexes.get(name);
            if (!index) return notFound(name);
            return docs[2] === "index" ? indexBatch(index, body) : [200, { value: searchIndex(index, body) }];
        }
        return [404, { error: { code: "NotFound", message: `${method} ${path}` } }];
    }
}

function notFound(name: string): [number, unknown] {
    return [
        404,
        { error: { code: "ResourceNotFound", message: `No index with the name '${name}' was found.` } },
    ];
}

function assert404(name: string): never {
    throw new Error(`no index ${name}`);
}

const maxBatchDocuments = 1000;
const maxBatchBytes = 16 * 1024 * 1024;

function indexBatch(index: StoredIndex, body: string): [number, unknown] {
    if (Buffer.byteLength(body) > maxBatchBytes) {
        return [413, { error: { code: "RequestEntityTooLarge", message: "The request is too large." } }];
    }
    const actions = (JSON.parse(body) as { value: (Document & { "@search.action"?: string })[] }).value;
    if (actions.length > maxBatchDocuments) {
        throw new Error(`The batch has ${actions.length} actions; at most ${maxBatchDocuments} are allowed.`);
    }
    const value = actions.map(({ "@search.action": action, ...doc }) => {
        const key = String(doc.id);
        if (action === "delete") {
            index.docs.delete(key);
            return { key, status: true, errorMessage: null, statusCode: 200 };
        }
        const existed = index.docs.has(key);
        if (action === "mergeOrUpload" || action === "upload") {
            index.docs.set(key, action === "upload" ? doc : { ...index.docs.get(key), ...doc });
        } else throw new Error(`unsupported action ${action}`);
        return { key, status: true, errorMessage: null, statusCode: existed ? 200 : 201 };
    });
    return [200, { value }];
}

interface SearchRequest {
    readonly search?: string;
    readonly filter?: string;
    readonly top?: number;
    readonly select?: string;
    readonly searchFields?: string;
}

const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function searchIndex(index: StoredIndex, body: string): Document[] {
    const request = JSON.parse(body) as SearchRequest;
    const filter = request.filter === undefined ? () => true : parseFilter(request.filter);
    // Escaped simple-syntax characters are plain text.
    const terms = request.search === "*" ? [] : words((request.search ?? "").replace(/\\(.)/g, "$1"));
    const fields = (request.searchFields ?? "content").split(",");
    const selected = request.select?.split(",");
    const scored = [...index.docs.values()]
        .filter(filter)
        .map((doc) => {
            const text = words(fields.map((f) => (typeof doc[f] === "string" ? doc[f] : "")).join(" "));
            const score = terms.reduce((sum, term) => sum + text.filter((w) => w === term).length, 0);
            return { doc, score };
        })
        .filter((hit) => terms.length === 0 || hit.score > 0)
        .sort((a, b) => b.score - a.score);
    return scored.slice(0, request.top ?? 50).map(({ doc, score }) => ({
        "@search.score": score,
        ...(selected ? Object.fromEntries(selected.map((f) => [f, doc[f]])) : doc),
    }));
}

type Predicate = (doc: Document) => boolean;

/**
 * `field op literal` comparisons joined by `and`/`or` (and binds tighter), with parentheses and
 * OData string literals ('' is a quote). Anything else is refused, as the service refuses it.
 */
export function parseFilter(text: string): Predicate {
    const tokens = text.match(/'(?:[^']|'')*'|\(|\)|[A-Za-z_][A-Za-z0-9_]*|-?\d+|\S/g) ?? [];
    let at = 0;
    const next = () => tokens[at++] ?? "";
    const peek = () => tokens[at] ?? "";
    const literal = (token: string): unknown => {
        if (token.startsWith("'") && token.endsWith("'") && token.length >= 2) {
            return token.slice(1, -1).replaceAll("''", "'");
        }
        if (/^-?\d+$/.test(token)) return Number(token);
        throw new Error(`Invalid expression: '${token}' is not a literal`);
    };
    const comparison = (): Predicate => {
        if (peek() === "(") {
            next();
            const inner = disjunction();
            if (next() !== ")") throw new Error("Invalid expression: ')' expected");
            return inner;
        }
        const field = next();
        const op = next();
        const value = literal(next());
        const compare: Record<string, (a: unknown, b: unknown) => boolean> = {
            eq: (a, b) => a === b,
            ne: (a, b) => a !== b,
            ge: (a, b) => (a as number) >= (b as number),
            gt: (a, b) => (a as number) > (b as number),
            le: (a, b) => (a as number) <= (b as number),
            lt: (a, b) => (a as number) < (b as number),
        };
        const fn = compare[op];
        if (!/^[A-Za-z_]/.test(field) || !fn) throw new Error(`Invalid expression near '${field} ${op}'`);
        return (doc) => fn(doc[field], value);
    };
    const conjunction = (): Predicate => {
        const parts = [comparison()];
        while (peek() === "and") {
            next();
            parts.push(comparison());
        }
        return (doc) => parts.every((p) => p(doc));
    };
    const disjunction = (): Predicate => {
        const parts = [conjunction()];
        while (peek() === "or") {
            next();
            parts.push(conjunction());
        }
        return (doc) => parts.some((p) => p(doc));
    };
    const predicate = disjunction();
    if (at !== tokens.length) throw new Error(`Invalid expression: unexpected '${peek()}'`);
    return predicate;
}
