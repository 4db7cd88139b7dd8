import {
    createServer,
    type IncomingMessage,
    type Server as HttpServer,
    type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { backendPaths } from "../contract";
import { BearerAuthenticator, protectedResourceMetadata, type AuthSettings } from "./http/auth";
import type { AccessControl } from "./http/mcp-access";
import { assignCorrelationId, correlationIdOf } from "./http/correlation";
import { closeAfterAnswer, OpenExchanges } from "./http/open-exchanges";
import { applyCors } from "./http/cors";
import { hostAllowListFor, type HostAllowList } from "./http/host-check";
import { isOriginAllowed } from "./http/origin";
import { sendJson, sendJsonRpcError } from "./http/respond";
import { SseSessions, type SseBackplane } from "./http/sse";
import { streamableHttpHandler } from "./http/streamable";
import { sentinelWebhookHandler } from "./http/webhook";
import { withinDeadline } from "../deadline";
import type { Logger } from "../logger";
import { createMcpServer } from "./mcp/server-factory";
import { ServerPool } from "./mcp/server-pool";
import type { SnippetStore } from "../storage/snippet-store";
import type { MemoryStore } from "../memory/memory-store";
import type { KnowledgeIndex } from "../knowledge/knowledge-index";
import type { FrontDoor } from "../front-door/front-door";
import { frontDoorRoutes } from "../front-door/node-routes";
import { tracingOff, type Tracing } from "../tracing/tracing";
import { tracedStore } from "../tracing/traced-store";
import { serveTraced } from "./http/traced-request";

export interface NodeHostOptions {
    readonly snippets: SnippetStore;
    /** Agents' notes (the memory tools); without it they answer that memory is not configured. */
    readonly memory?: MemoryStore;
    /** The shared knowledge index (`knowledge_search`). */
    readonly knowledge?: KnowledgeIndex;
    readonly logger: Logger;
    readonly auth?: AuthSettings | undefined;
    readonly allowedOrigins?: readonly string[] | undefined;
    /** Host names served besides loopback, the listen address and PUBLIC_BASE_URL's host (`*`: any). */
    readonly allowedHosts?: readonly string[] | undefined;
    readonly sseKeepAliveMs?: number | undefined;
    readonly backplane?: SseBackplane | undefined;
    readonly publicBaseUrl?: string | undefined;
    readonly now?: (() => Date) | undefined;
    /** Answer canonical tools/list and tools/call from the catalog (default on); off sends all to the SDK. */
    readonly fastPath?: boolean | undefined;
    /** Longest a tool call may take (default 10 s). */
    readonly toolCallTimeoutMs?: number | undefined;
    /** The OAuth front door for MCP clients (`mcpClientAuth: frontDoor`), served under /api/oauth. */
    readonly frontDoor?: FrontDoor | undefined;
    /** Spans for requests, tool calls and storage calls (default: off). */
    readonly tracing?: Tracing | undefined;
}

/**
 * The storage check behind /readyz, so the probe hears 503 within 2 s (inside the AKS probe's own
 * 3 s timeout) instead of waiting on a storage that hangs.
 */
const readinessCheckMs = 1_500;

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Paths reachable by browsers and agents alike, hence subject to the Origin check. */
const originChecked = new Set<string>([
    backendPaths.mcpStreamable,
    backendPaths.mcpSse,
    backendPaths.mcpMessage,
    backendPaths.sentinelWebhook,
]);

/** Probes: the kubelet calls them by the pod's IP, and they disclose nothing. */
const hostUnchecked = new Set<string>([backendPaths.liveness, backendPaths.readiness]);

/** Paths browser clients read: the MCP endpoints and the metadata that tells them where to sign in. */
const corsEnabled = new Set<string>([
    backendPaths.mcpStreamable,
    backendPaths.mcpSse,
    backendPaths.mcpMessage,
    backendPaths.protectedResourceMetadata,
    backendPaths.protectedResourceMetadata + backendPaths.mcpStreamable,
]);

/**
 * The Node host: the tool catalog over MCP Streamable HTTP and legacy SSE, the Sentinel webhook,
 * metadata and probes, on the same paths as the Functions host.
 */
export class NodeHost {
    readonly server: HttpServer;
    private readonly pool: ServerPool;
    private readonly sse: SseSessions;
    private readonly routes: Map<string, Route>;
    private stopping = false;
    /** Set by `listen`, which knows the listen address; nothing is served before. */
    private hosts: HostAllowList | undefined;
    /** Answers still being worked on, so a shutdown can make them close their connection. */
    private readonly exchanges: OpenExchanges;

    constructor(private readonly options: NodeHostOptions) {
        const tracing = options.tracing ?? tracingOff;
        const deps = {
            snippets: tracedStore(options.snippets, "snippets", tracing),
            memory: options.memory && tracedStore(options.memory, "memory", tracing),
            knowledge: options.knowledge && tracedStore(options.knowledge, "knowledge", tracing),
            tracing,
            logger: options.logger,
            now: options.now,
            toolCallTimeoutMs: options.toolCallTimeoutMs,
        };
        this.exchanges = new OpenExchanges((req, res, error) => {
            options.logger.error("request failed", {
                path: pathOf(req.url),
                correlationId: correlationIdOf(res),
                error: String(error),
            });
            if (!res.headersSent) sendJson(res, 500, { error: "internal_error" });
            else res.destroy();
        }, tracing);
        const authenticator = options.auth ? new BearerAuthenticator(options.auth) : undefined;
        const access: AccessControl = {
            authenticator,
            metadataUrl: (req) => this.baseUrl(req) + backendPaths.protectedResourceMetadata,
        };
        this.pool = new ServerPool(() => createMcpServer(deps));
        this.sse = new SseSessions({
            createServer: () => createMcpServer(deps),
            access,
            keepAliveMs: options.sseKeepAliveMs ?? 15_000,
            logger: options.logger,
            backplane: options.backplane,
            publicBaseUrl: options.publicBaseUrl,
        });
        const metadata: Route = (req, res) => {
            if (!options.auth)
                return sendJson(res, 404, { error: "not_found", error_description: "auth is off" });
            sendJson(res, 200, protectedResourceMetadata(options.auth, this.baseUrl(req)));
        };
        this.routes = new Map<string, Route>([
            [
                backendPaths.mcpStreamable,
                streamableHttpHandler(this.pool, access, deps, options.fastPath !== false, this.exchanges),
            ],
            [backendPaths.mcpSse, this.sse.open],
            [backendPaths.mcpMessage, this.sse.post],
            [backendPaths.sentinelWebhook, sentinelWebhookHandler(access, options.now)],
            [backendPaths.protectedResourceMetadata, metadata],
            // RFC 9728 §3.1: metadata for a resource with a path lives under the path-suffixed well-known URL.
            [backendPaths.protectedResourceMetadata + backendPaths.mcpStreamable, metadata],
            [backendPaths.liveness, (_req, res) => sendJson(res, 200, { status: "ok" })],
            [backendPaths.readiness, (_req, res) => this.readiness(res)],
            ...(options.frontDoor ? frontDoorRoutes(options.frontDoor, access) : []),
        ]);
        this.server = createServer((req, res) => this.dispatch(req, res));
        // Slow clients must not hold sockets: the whole request (headers and body) must arrive in
        // 30 s. Responses are not limited, so SSE streams stay open as long as the client reads.
        this.server.headersTimeout = 20_000;
        this.server.requestTimeout = 30_000;
        this.server.keepAliveTimeout = 65_000;
    }

    /** Starts listening; resolves with the base URL. */
    async listen(port: number, host: string): Promise<string> {
        this.hosts = hostAllowListFor({
            listenHost: host,
            publicBaseUrl: this.options.publicBaseUrl,
            allowedHosts: this.options.allowedHosts,
        });
        await this.sse.start();
        await new Promise<void>((resolve, reject) => {
            this.server.once("error", reject);
            this.server.listen(port, host, () => {
                this.server.off("error", reject);
                resolve();
            });
        });
        const address = this.server.address() as AddressInfo;
        const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
        return `http://${shownHost}:${address.port}`;
    }

    /**
     * Graceful stop: readiness turns 503 at once (so the load balancer drains this replica), new
     * connections are refused, idle keep-alive connections and SSE streams end, every answer from
     * now on closes its connection, and in-flight requests get up to `graceMs`. Resolves as soon
     * as the last connection is gone.
     */
    async close(graceMs = 10_000): Promise<void> {
        this.stopping = true;
        this.exchanges.closeAfterAnswers();
        const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
        await this.sse.closeAll();
        this.server.closeIdleConnections();
        const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
        await closed;
        clearTimeout(timer);
        await this.pool.close();
    }

    private dispatch(req: IncomingMessage, res: ServerResponse): void {
        const tracing = this.options.tracing;
        const path = pathOf(req.url);
        // Probes stay untraced: they would be most of the spans and say nothing.
        if (tracing?.enabled && !hostUnchecked.has(path)) {
            serveTraced(tracing, req, res, path, () => this.serve(req, res, path));
        } else this.serve(req, res, path);
    }

    private serve(req: IncomingMessage, res: ServerResponse, path: string): void {
        assignCorrelationId(req, res);
        if (this.stopping) closeAfterAnswer(res);
        if (!hostUnchecked.has(path) && !this.hosts?.allows(req.headers.host)) {
            sendJsonRpcError(res, 403, -32000, "Forbidden: the Host header does not name this server");
            return;
        }
        const route = this.routes.get(path);
        if (!route) {
            sendJson(res, 404, { error: "not_found", error_description: `no route for ${path}` });
            return;
        }
        const allowedOrigins = this.options.allowedOrigins ?? [];
        if (corsEnabled.has(path) && applyCors(req, res, allowedOrigins)) return;
        if (originChecked.has(path) && !isOriginAllowed(req.headers.origin, allowedOrigins)) {
            sendJsonRpcError(res, 403, -32000, `Forbidden: origin ${req.headers.origin} is not allowed`);
            return;
        }
        // A route's synchronous part throwing is answered like its work rejecting.
        let pending: Promise<void> | void;
        try {
            pending = route(req, res);
        } catch (error) {
            this.exchanges.fail(req, res, error);
            return;
        }
        if (pending) this.exchanges.track(req, res, pending);
    }

    private async readiness(res: ServerResponse): Promise<void> {
        if (this.stopping) return sendJson(res, 503, { status: "stopping" });
        try {
            // Loading the storage SDK is the host's own start-up work, not the storage's latency: on a
            // busy node it alone can outlast the deadline, which would report a healthy store unreachable.
            await this.options.snippets.prepare?.();
            await withinDeadline(readinessCheckMs, (signal) => this.options.snippets.ping({ signal }));
            sendJson(res, 200, { status: "ready" });
        } catch (error) {
            // Details go to the log, not to whoever can reach the probe.
            this.options.logger.warn("readiness: storage unreachable", { error: String(error) });
            sendJson(res, 503, { status: "storage unreachable" });
        }
    }

    private baseUrl(req: IncomingMessage): string {
        return this.options.publicBaseUrl ?? `http://${req.headers.host ?? "localhost"}`;
    }
}

/** A request's path, without its query and without a trailing slash (routes are matched exactly). */
function pathOf(url: string | undefined): string {
    const raw = url ?? "/";
    const q = raw.indexOf("?");
    const path = q === -1 ? raw : raw.slice(0, q);
    return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}
