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
import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWTPayload } from "jose";
import { startAzurite, type LocalStorage } from "functions-app/azurite";
import { startLocalCosmos, type LocalCosmos } from "functions-app/local-cosmos";
import { loadLocalKnowledge } from "functions-app/knowledge/local-index";
import { appRoles, delegatedScope, gatewayPaths } from "functions-app/contract";
import { silentLogger, type Logger } from "functions-app/logger";
import { NodeHost } from "functions-app/node-host";
import { BlobSnippetStore } from "functions-app/blob-snippet-store";
import { BlobFrontDoorStore } from "functions-app/front-door/blob-store";
import { FrontDoor, type FrontDoorLifetimes } from "functions-app/front-door/front-door";
import { frontDoorGatewayPaths } from "functions-app/front-door/paths";
import { EntraUpstream } from "functions-app/front-door/upstream";
import type { Tracing } from "functions-app/tracing";
import type { MintOptions } from "./entra";
import type { FederationOptions } from "./entra-federation";
import type { LocalSignIn, LocalUser } from "./entra-sign-in";
import { contentSafetyEndpointNamedValue } from "../../components/gateway/policies";
import {
    contentSafetyAudience,
    startContentSafetyStandIn,
    type ContentSafetyStandIn,
} from "./content-safety-stand-in";
import { LocalGateway } from "./gateway";
import { loadStackSource, type StackSource } from "./stack-source";

export interface RecordedBackendRequest {
    readonly method: string;
    readonly path: string;
    readonly headers: IncomingHttpHeaders;
}

export interface LocalControlPlaneOptions {
    readonly stack?: string;
    readonly stackFile?: string | undefined;
    readonly configOverrides?: Record<string, string>;
    /** Reuse a synthesized stack (synthesis takes seconds). */
    readonly source?: StackSource;
    readonly gatewayPort?: number;
    readonly hostPort?: number;
    /** Put a recording proxy between gateway and host. */
    readonly recordBackend?: boolean;
    readonly logger?: Logger;
    /** Front door settings for local runs and tests (used when the stack has `mcpClientAuth: frontDoor`). */
    readonly frontDoor?: LocalFrontDoorOptions;
    /** How the Entra stand-in checks agents' client assertions (issuer keys, assertion required). */
    readonly federation?: FederationOptions;
    /** Folder of documents for the local knowledge index (`knowledge_search`); none: an empty index. */
    readonly knowledgeFolder?: string;
    /** The tool host's tracing (e.g. an in-memory exporter in tests); default off. */
    readonly tracing?: Tracing;
}

export interface LocalFrontDoorOptions {
    /** Users the Entra stand-in can sign in (the first one by default). */
    readonly users?: readonly LocalUser[];
    readonly registrationCap?: number;
    readonly lifetimes?: Partial<FrontDoorLifetimes>;
    /** Client ID metadata documents on loopback (a test server), with its CA. */
    readonly documents?: { readonly allowLoopback?: boolean; readonly ca?: string };
    readonly now?: () => number;
}

/** The user the local Entra stand-in signs in when nothing else is configured. */
export const defaultLocalUser: LocalUser = {
    objectId: "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
    name: "Local User",
    roles: [appRoles.toolsInvoke, appRoles.snippetsRead, appRoles.snippetsWrite],
};

export interface LocalFrontDoor {
    /** `<gateway>/oauth` */
    readonly issuer: string;
    readonly metadataUrl: string;
    /** The stand-in's sign-in: choose the user, make the next sign-in fail. */
    readonly signIn: LocalSignIn;
}

export interface LocalControlPlane {
    readonly source: StackSource;
    readonly gateway: LocalGateway;
    readonly hostUrl: string;
    readonly storage: LocalStorage;
    /** The Cosmos DB REST server holding agents' memory. */
    readonly cosmos: LocalCosmos;
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
    /** The OAuth front door, when the stack runs it (`mcpClientAuth: frontDoor`). */
    readonly frontDoor?: LocalFrontDoor;
    /** The Content Safety stand-in, when the stack screens tool traffic (`contentSafety` not off). */
    readonly contentSafety?: ContentSafetyStandIn;
    /** What the backend received, in order (needs `recordBackend`). */
    backendRequests(): RecordedBackendRequest[];
    stop(): Promise<void>;
}

export async function startLocalControlPlane(
    options: LocalControlPlaneOptions = {},
): Promise<LocalControlPlane> {
    const [stackSource, storage] = await Promise.all([
        options.source ??
            loadStackSource({
                stack: options.stack ?? "dev",
                stackFile: options.stackFile,
                configOverrides: options.configOverrides,
            }),
        startAzurite(),
    ]);
    const cleanup: (() => Promise<void>)[] = [() => storage.stop()];
    // Content Safety, when the stack screens tool traffic: the deterministic stand-in, trusting only
    // the gateway's managed identity (bound once the gateway, and with it the local Entra, exists).
    let trustGatewayToken: (token: string) => Promise<boolean> = () => Promise.resolve(false);
    const contentSafety = stackSource.namedValues.has(contentSafetyEndpointNamedValue)
        ? await startContentSafetyStandIn((token) => trustGatewayToken(token))
        : undefined;
    if (contentSafety) cleanup.push(() => contentSafety.close());
    const source: StackSource = contentSafety
        ? {
              ...stackSource,
              namedValues: new Map([
                  ...stackSource.namedValues,
                  [contentSafetyEndpointNamedValue, `${contentSafety.url}/`],
              ]),
          }
        : stackSource;
    let cosmos: LocalCosmos;
    try {
        cosmos = await startLocalCosmos();
    } catch (error) {
        await storage.stop();
        throw error;
    }
    cleanup.push(() => cosmos.stop());
    const stopAll = async () => {
        for (const step of cleanup.reverse()) await step().catch(() => undefined);
    };
    try {
        const frontDoorOn = source.apis.some((api) => api.id === "front-door");
        // Local stand-ins for the front door's app registration and the backend identity it trusts.
        const frontDoorClientId = randomUUID();
        const hostIdentityObjectId = randomUUID();
        const gateway = await LocalGateway.start({
            source,
            port: options.gatewayPort,
            ...(options.federation ? { federation: options.federation } : {}),
            ...(frontDoorOn
                ? {
                      signIn: {
                          clientId: frontDoorClientId,
                          federatedSubject: hostIdentityObjectId,
                          users: options.frontDoor?.users ?? [defaultLocalUser],
                      },
                  }
                : {}),
        });
        cleanup.push(() => gateway.close());
        trustGatewayToken = async (token) => {
            const checked = await gateway.entra.validate(token, source.tenantId, [contentSafetyAudience]);
            return checked.ok && checked.payload?.oid === source.gatewayObjectId;
        };
        const issuer = gateway.url + frontDoorGatewayPaths.issuer;
        const frontDoor = frontDoorOn
            ? localFrontDoor(
                  source,
                  gateway,
                  storage,
                  issuer,
                  frontDoorClientId,
                  hostIdentityObjectId,
                  options.frontDoor,
              )
            : undefined;
        const { index: knowledge } = await loadLocalKnowledge(options.knowledgeFolder);
        const host = new NodeHost({
            ...(frontDoor && { frontDoor }),
            snippets: new BlobSnippetStore({ connectionString: storage.connectionString }),
            memory: cosmos.memory,
            knowledge,
            logger: options.logger ?? silentLogger,
            ...(options.tracing && { tracing: options.tracing }),
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
            cosmos,
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
            ...(frontDoor && gateway.entra.signIn
                ? {
                      frontDoor: {
                          issuer,
                          metadataUrl:
                              gateway.url +
                              frontDoorGatewayPaths.metadataPrefix +
                              frontDoorGatewayPaths.issuer,
                          signIn: gateway.entra.signIn,
                      },
                  }
                : {}),
            ...(contentSafety ? { contentSafety } : {}),
            backendRequests: () => [...recorded],
            stop: stopAll,
        };
    } catch (error) {
        await stopAll();
        throw error;
    }
}

function localFrontDoor(
    source: StackSource,
    gateway: LocalGateway,
    storage: LocalStorage,
    issuer: string,
    clientId: string,
    hostIdentityObjectId: string,
    options: LocalFrontDoorOptions = {},
): FrontDoor {
    const scope = `${source.namedValues.get("mcp-app-id-uri") ?? `api://${source.mcpAppClientId}`}/${delegatedScope}`;
    return new FrontDoor({
        issuer,
        resource: gateway.url + gatewayPaths.mcp,
        resourceName: `MCP tools (${source.stack}, local)`,
        scope,
        upstream: new EntraUpstream({
            authority: gateway.entra.authority,
            clientId,
            scope,
            redirectUri: `${issuer}/callback`,
            clientAssertion: () => gateway.entra.federationAssertion(hostIdentityObjectId),
        }),
        store: new BlobFrontDoorStore({ connectionString: storage.connectionString }, options.now),
        ...(options.registrationCap !== undefined && { registrationCap: options.registrationCap }),
        ...(options.lifetimes && { lifetimes: options.lifetimes }),
        ...(options.documents && { documents: options.documents }),
        ...(options.now && { now: options.now }),
    });
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
