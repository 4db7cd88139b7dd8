/**
 * The whole control plane on loopback, for tests and `npm start`: Azurite, the tool host with auth
 * on (trusting the local Entra issuer and, for the backend audience, only the gateway's identity),
 * and the local gateway running the stack's policies in front of it. Optionally a recording proxy
 * between gateway and host shows exactly what the backend received. `stop()` ends everything.
 *
 *   const plane = await startLocalControlPlane({ stack: "dev", recordBackend: true });
 *   const token = await plane.tokens.agent("aws-support");
 *   await fetch(plane.urls.mcp, { method: "POST", headers: { authorization: `Bearer ${token}` }, ... });
 *   plane.backendRequests();  // [{ method, path, headers }]
 *   await plane.stop();
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWTPayload } from "jose";
import { startAzurite, type LocalStorage } from "functions-app/azurite";
import { gatewayPaths } from "functions-app/contract";
import { silentLogger, type Logger } from "functions-app/logger";
import { NodeHost } from "functions-app/node-host";
import { BlobSnippetStore } from "functions-app/blob-snippet-store";
import type { MintOptions } from "./entra";
import { LocalGateway } from "./gateway";
import { loadStackSource, type StackSource } from "./stack-source";

export interface RecordedBackendRequest {
    readonly method: string;
    readonly path: string;
    readonly headers: IncomingHttpHeaders;
}

export interface LocalControlPlaneOptions {
    readonly stack?: string;
    readonly stackFile?: string;
    readonly configOverrides?: Record<string, string>;
    /** Reuse a synthesized stack (synthesis takes seconds). */
    readonly source?: StackSource;
    readonly gatewayPort?: number;
    readonly hostPort?: number;
    /** Put a recording proxy between gateway and host. */
    readonly recordBackend?: boolean;
    readonly logger?: Logger;
}

export interface LocalControlPlane {
    readonly source: StackSource;
    readonly gateway: LocalGateway;
    readonly hostUrl: string;
    readonly storage: LocalStorage;
    /** Gateway URLs, the same paths as the stack outputs. */
    readonly urls: {
        gateway: string;
        mcp: string;
        mcpSse: string;
        sentinelWebhook: string;
        protectedResourceMetadata: string;
        token: string;
    };
    readonly tokens: {
        /** A v2 app-only token for an agent of the stack file (name or client id). */
        agent(nameOrClientId: string, options?: MintOptions): Promise<string>;
        /** Any token the local tenant could issue: claims override the defaults (iss, iat, nbf, exp, tid, ver). */
        mint(claims: JWTPayload, options?: MintOptions): Promise<string>;
    };
    /** What the backend received, in order (needs `recordBackend`). */
    backendRequests(): RecordedBackendRequest[];
    stop(): Promise<void>;
}

export async function startLocalControlPlane(
    options: LocalControlPlaneOptions = {},
): Promise<LocalControlPlane> {
    const [source, storage] = await Promise.all([
        options.source ??
            loadStackSource({
                stack: options.stack ?? "dev",
                stackFile: options.stackFile,
                configOverrides: options.configOverrides,
            }),
        startAzurite(),
    ]);
    const cleanup: (() => Promise<void>)[] = [() => storage.stop()];
    const stopAll = async () => {
        for (const step of cleanup.reverse()) await step().catch(() => undefined);
    };
    try {
        const gateway = await LocalGateway.start({ source, port: options.gatewayPort });
        cleanup.push(() => gateway.close());
        const host = new NodeHost({
            snippets: new BlobSnippetStore({ connectionString: storage.connectionString }),
            logger: options.logger ?? silentLogger,
            auth: {
                issuer: gateway.entra.issuer,
                // The host accepts only tokens for the backend audience: callers' tokens (for the MCP
                // app) are refused if they bypass the gateway.
                audiences: [source.namedValues.get("backend-audience") ?? source.mcpAppClientId],
                jwksUri: gateway.entra.jwksUri,
            },
        });
        const hostUrl = await host.listen(options.hostPort ?? 0, "127.0.0.1");
        cleanup.push(() => host.close(1000));
        const recorded: RecordedBackendRequest[] = [];
        if (options.recordBackend) {
            const proxy = await startRecordingProxy(hostUrl, recorded);
            cleanup.push(
                () =>
                    new Promise<void>((resolve) => {
                        proxy.server.close(() => resolve());
                        proxy.server.closeAllConnections();
                    }),
            );
            gateway.setBackendUrl(proxy.url);
        } else {
            gateway.setBackendUrl(hostUrl);
        }
        const base = gateway.url;
        return {
            source,
            gateway,
            hostUrl,
            storage,
            urls: {
                gateway: base,
                mcp: base + gatewayPaths.mcp,
                mcpSse: base + gatewayPaths.mcpSse,
                sentinelWebhook: base + gatewayPaths.sentinelWebhook,
                protectedResourceMetadata: base + gatewayPaths.protectedResourceMetadata + gatewayPaths.mcp,
                token: gateway.entra.tokenEndpoint,
            },
            tokens: {
                agent: async (nameOrClientId, mintOptions) => {
                    const agent = gateway.entra.agent(nameOrClientId);
                    if (!agent) throw new Error(`no agent ${nameOrClientId} in stack ${source.stack}`);
                    return gateway.entra.agentToken(agent, mintOptions);
                },
                mint: (claims, mintOptions) => gateway.entra.mint(claims, mintOptions),
            },
            backendRequests: () => [...recorded],
            stop: stopAll,
        };
    } catch (error) {
        await stopAll();
        throw error;
    }
}

/** A pass-through proxy (streaming both ways) that records each request's method, path and headers. */
async function startRecordingProxy(
    target: string,
    recorded: RecordedBackendRequest[],
): Promise<{ server: Server; url: string }> {
    const upstream = new URL(target);
    const server = createServer((req, res) => {
        recorded.push({ method: req.method ?? "", path: req.url ?? "", headers: { ...req.headers } });
        const out = httpRequest(
            {
                host: upstream.hostname,
                port: upstream.port,
                method: req.method,
                path: req.url,
                headers: req.headers,
            },
            (back) => {
                res.writeHead(back.statusCode ?? 502, back.headers);
                back.pipe(res);
            },
        );
        out.on("error", () => res.destroy());
        res.on("close", () => out.destroy());
        req.pipe(out);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
