import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One span as OTLP/HTTP JSON carries it (ids in hex), with its resource's `service.name`. */
export interface CollectedSpan {
    readonly traceId: string;
    readonly spanId: string;
    /** Absent (or empty on the wire) for a root span. */
    readonly parentSpanId?: string | undefined;
    readonly name: string;
    /** 1 internal, 2 server, 3 client. */
    readonly kind: number;
    readonly attributes: Record<string, unknown>;
    readonly status: { code?: number; message?: string };
    readonly serviceName: unknown;
}

interface OtlpValue {
    stringValue?: string;
    intValue?: string | number;
    boolValue?: boolean;
    doubleValue?: number;
}
interface OtlpAttribute {
    key: string;
    value: OtlpValue;
}
interface OtlpBody {
    resourceSpans?: {
        resource?: { attributes?: OtlpAttribute[] };
        scopeSpans?: {
            spans?: (Omit<CollectedSpan, "attributes" | "serviceName"> & { attributes?: OtlpAttribute[] })[];
        }[];
    }[];
}

/** A stand-in OpenTelemetry collector on loopback: takes OTLP/HTTP JSON trace exports and keeps the spans. */
export interface OtlpCollector {
    readonly tracesUrl: string;
    readonly spans: CollectedSpan[];
    close(): Promise<void>;
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
    const spans: CollectedSpan[] = [];
    const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
            if (req.url !== "/v1/traces" || !String(req.headers["content-type"]).includes("json")) {
                res.writeHead(415).end();
                return;
            }
            const body = JSON.parse(Buffer.concat(chunks).toString()) as OtlpBody;
            for (const resource of body.resourceSpans ?? []) {
                const serviceName = valueOf(
                    resource.resource?.attributes?.find((a) => a.key === "service.name")?.value,
                );
                for (const scope of resource.scopeSpans ?? [])
                    for (const span of scope.spans ?? [])
                        spans.push({
                            ...span,
                            parentSpanId: span.parentSpanId || undefined,
                            attributes: Object.fromEntries(
                                (span.attributes ?? []).map((a) => [a.key, valueOf(a.value)]),
                            ),
                            serviceName,
                        });
            }
            res.writeHead(200, { "content-type": "application/json" }).end("{}");
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        tracesUrl: `http://127.0.0.1:${port}/v1/traces`,
        spans,
        close: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

function valueOf(value: OtlpValue | undefined): unknown {
    if (!value) return undefined;
    if (value.intValue !== undefined) return Number(value.intValue);
    return value.stringValue ?? value.boolValue ?? value.doubleValue;
}
