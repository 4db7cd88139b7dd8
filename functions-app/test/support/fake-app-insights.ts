import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import type { LoopbackCertificate } from "./loopback-certificate";

/** One telemetry item as the Azure Monitor exporter posts it to Breeze (`v2.1/track`). */
export interface TelemetryEnvelope {
    readonly name: string;
    readonly iKey: string;
    readonly time: string;
    readonly sampleRate?: number;
    readonly tags: Readonly<Record<string, string>>;
    readonly data: {
        readonly baseType: string;
        readonly baseData: Readonly<Record<string, unknown>>;
    };
}

/** A POST to the ingestion endpoint, with what authenticated it. */
export interface IngestionPost {
    readonly path: string;
    readonly authorization: string | undefined;
    readonly contentType: string | undefined;
    readonly contentEncoding: string | undefined;
    readonly envelopes: readonly TelemetryEnvelope[];
}

/** Running totals of what reached the stand-in, kept whether or not the posts themselves are. */
export interface IngestionCounts {
    posts: number;
    envelopes: number;
    /** Envelopes by `data.baseType` (`RequestData`, `RemoteDependencyData`, ...). */
    readonly byBaseType: Map<string, number>;
    /**
     * `RequestData` envelopes by their `sampleRate` (absent: 100), the percentage Application
     * Insights counts each of them back from (100/rate times).
     */
    readonly requestSampleRates: Map<number, number>;
    /** The distinct `authorization` headers the posts carried. */
    readonly authorizations: Set<string | undefined>;
}

export interface FakeAppInsightsOptions {
    /**
     * `posts` (the default): keep every post for the test to look at. `counts`: keep only
     * {@link IngestionCounts}, for a benchmark that exports thousands of spans a second for minutes.
     */
    readonly keep?: "posts" | "counts";
}

/** A stand-in Application Insights ingestion endpoint over HTTPS on loopback, accepting every item. */
export interface FakeAppInsights {
    /** The connection string's `IngestionEndpoint`. */
    readonly endpoint: string;
    /** Every post, unless started with `keep: "counts"` (then always empty). */
    readonly posts: IngestionPost[];
    readonly counts: IngestionCounts;
    close(): Promise<void>;
}

export async function startFakeAppInsights(
    certificate: LoopbackCertificate,
    options: FakeAppInsightsOptions = {},
): Promise<FakeAppInsights> {
    const keepPosts = (options.keep ?? "posts") === "posts";
    const posts: IngestionPost[] = [];
    const counts: IngestionCounts = {
        posts: 0,
        envelopes: 0,
        byBaseType: new Map(),
        requestSampleRates: new Map(),
        authorizations: new Set(),
    };
    const server: Server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
            if (req.method !== "POST" || req.url !== "/v2.1/track") {
                res.writeHead(404).end();
                return;
            }
            const raw = Buffer.concat(chunks);
            const encoding = req.headers["content-encoding"];
            const text = (encoding === "gzip" ? gunzipSync(raw) : raw).toString();
            // Breeze takes a JSON array, or one item per line.
            const envelopes = (
                text.trimStart().startsWith("[")
                    ? JSON.parse(text)
                    : text
                          .split("\n")
                          .filter((l) => l.trim())
                          .map((l) => JSON.parse(l) as unknown)
            ) as TelemetryEnvelope[];
            counts.posts++;
            counts.envelopes += envelopes.length;
            for (const e of envelopes) {
                const type = e.data.baseType;
                counts.byBaseType.set(type, (counts.byBaseType.get(type) ?? 0) + 1);
                if (type === "RequestData") {
                    const rate = e.sampleRate ?? 100;
                    counts.requestSampleRates.set(rate, (counts.requestSampleRates.get(rate) ?? 0) + 1);
                }
            }
            counts.authorizations.add(req.headers.authorization);
            if (keepPosts)
                posts.push({
                    path: req.url,
                    authorization: req.headers.authorization,
                    contentType: req.headers["content-type"],
                    contentEncoding: encoding,
                    envelopes,
                });
            res.writeHead(200, { "content-type": "application/json" }).end(
                JSON.stringify({
                    itemsReceived: envelopes.length,
                    itemsAccepted: envelopes.length,
                    errors: [],
                }),
            );
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `https://127.0.0.1:${port}/`,
        posts,
        counts,
        close: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
