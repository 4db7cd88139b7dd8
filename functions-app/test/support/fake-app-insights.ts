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

/** A stand-in Application Insights ingestion endpoint over HTTPS on loopback, accepting every item. */
export interface FakeAppInsights {
    /** The connection string's `IngestionEndpoint`. */
    readonly endpoint: string;
    readonly posts: IngestionPost[];
    close(): Promise<void>;
}

export async function startFakeAppInsights(certificate: LoopbackCertificate): Promise<FakeAppInsights> {
    const posts: IngestionPost[] = [];
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
        close: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
