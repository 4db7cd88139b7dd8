/**
 * The local gateway's HTTP front: routes a request to an API by path and to an operation by method
 * and URL template (as APIM does), runs the composed policy documents for that operation (inbound,
 * backend, outbound; on-error on a policy error) and sends the resulting response, streaming a
 * backend body that forward-request left unbuffered. `/local-entra/...` is the Entra stand-in.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import type { Parser } from "web-tree-sitter";
import { GatewayContext, headersFromRaw, MessageBody, newHeaders, type Headers, type Url } from "./context";
import { composeScopes, defaultGlobalPolicy, loadPolicyDocument, type PolicyDocument } from "./document";
import { LocalEntra } from "./entra";
import { ManagedIdentityTokens } from "./managed-identity-tokens";
import type { FederationOptions } from "./entra-federation";
import type { LocalSignInOptions } from "./entra-sign-in";
import { frontDoorGatewayPaths } from "functions-app/front-door/paths";
import { csharpParser } from "./expressions/parser";
import { CsException } from "./expressions/values";
import { forwardToBackend, hopByHop, separateLines } from "./forward";
import {
    ResponseReturned,
    PolicyError,
    type GatewayServices,
    type MetricRecord,
    type PolicyRuntime,
    type Section,
    type Statement,
} from "./policies/types";
import { isCorsStatement, type CorsStatement } from "./policies/cors";
import { RateLimiter } from "./rate-limiter";
import { localNamedValues, type StackSource } from "./stack-source";
import { gatewayRole } from "functions-app/contract";

/** Largest request body the local gateway reads (APIM has its own limits; policies set smaller ones). */
const maxBufferedBody = 4 * 1024 * 1024;
interface Route {
    readonly api: { id: string; name: string; path: string };
    readonly operation: { id: string; method: string; name: string; urlTemplate: string };
    readonly sections: Record<Section, readonly Statement[]>;
    /** The operation's URL template as a pattern, built once. */
    readonly template: RegExp;
}

export interface LocalGatewayOptions {
    readonly source: StackSource;
    /** Tool host base URL every backend id resolves to. */
    readonly backendUrl?: string | undefined;
    /** Absent: a free port. */
    readonly port?: number | undefined;
    readonly host?: string | undefined;
    /** The Entra stand-in's interactive sign-in for the front door's app; its redirect URI is this gateway's. */
    readonly signIn?: Omit<LocalSignInOptions, "redirectUri">;
    /** How the Entra stand-in checks agents' client assertions. */
    readonly federation?: FederationOptions;
    /** Called for every request the gateway answered (status, route). */
    readonly onRequest?: (entry: {
        method: string;
        path: string;
        status: number;
        operation?: string;
        ms: number;
    }) => void;
}

export class LocalGateway {
    readonly metrics: MetricRecord[] = [];
    private backendUrl: string | undefined;
    private routes: Route[] = [];
    /** API id -> the cors policies in its inbound scope (API, then global), for preflights. */
    private corsByApi = new Map<string, readonly CorsStatement[]>();
    private readonly limiter = new RateLimiter();
    private readonly services: GatewayServices;
    private namedValues: Map<string, string> | undefined;

    private constructor(
        readonly source: StackSource,
        readonly server: Server,
        readonly url: string,
        readonly entra: LocalEntra,
        private readonly options: LocalGatewayOptions,
    ) {
        this.backendUrl = options.backendUrl;
        this.services = this.makeServices();
    }

    /** Listens, creates the Entra stand-in under the gateway's URL, and loads every policy document. */
    static async start(options: LocalGatewayOptions): Promise<LocalGateway> {
        const parser = await csharpParser();
        let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
            res.writeHead(503).end();
        const server = createServer((req, res) => handler(req, res));
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
        });
        const address = server.address() as AddressInfo;
        const url = `http://${address.address}:${address.port}`;
        try {
            const source = options.source;
            const entra = await LocalEntra.create({
                baseUrl: url,
                tenantId: source.tenantId,
                resourceClientId: source.mcpAppClientId,
                agents: source.agents,
                ...appIdUriOf(source),
                ...(options.federation ? { federation: options.federation } : {}),
                gatewayIdentity: {
                    objectId: source.gatewayObjectId,
                    clientId: source.gatewayObjectId,
                    roles: [gatewayRole],
                },
                ...(options.signIn
                    ? {
                          signIn: {
                              ...options.signIn,
                              redirectUri: `${url}${frontDoorGatewayPaths.issuer}/callback`,
                          },
                      }
                    : {}),
            });
            const gateway = new LocalGateway(source, server, url, entra, options);
            gateway.routes = gateway.loadRoutes(parser);
            handler = (req, res) => void gateway.handle(req, res);
            return gateway;
        } catch (error) {
            server.close();
            throw error;
        }
    }

    /** Points every backend id at this URL (the tool host, or a recording proxy in front of it). */
    setBackendUrl(url: string): void {
        this.backendUrl = url;
    }

    /** Where backend ids point now (to put a stand-in in front of it and back). */
    get backendTarget(): string | undefined {
        return this.backendUrl;
    }

    close(): Promise<void> {
        return new Promise((resolve) => {
            this.server.close(() => resolve());
            this.server.closeAllConnections();
        });
    }

    /** Named values in backend credentials, resolved like those in policies. */
    private substitute(text: string): string {
        // The source and the URL are fixed for the gateway's life: mapped once, not per forward.
        const values = (this.namedValues ??= localNamedValues(this.source, this.url));
        return text.replace(/\{\{([^{}]*)\}\}/g, (whole, name: string) => values.get(name) ?? whole);
    }

    private loadRoutes(parser: Parser): Route[] {
        const source = this.source;
        const namedValues = localNamedValues(source, this.url);
        for (const [id, backend] of source.backends)
            for (const [, values] of backend.headers)
                for (const v of values)
                    // The group always takes part in a match, possibly empty.
                    for (const [, name = ""] of v.matchAll(/\{\{([^{}]*)\}\}/g))
                        if (!namedValues.has(name))
                            throw new Error(`backend ${id}: named value {{${name}}} is not defined`);
        const load = (name: string, scope: PolicyDocument["scope"], xml: string) =>
            loadPolicyDocument(parser, name, scope, xml, namedValues);
        const routes: Route[] = [];
        const globalCors = load(
            "global policy",
            "global",
            source.globalPolicy ?? defaultGlobalPolicy,
        ).sections.inbound.filter(isCorsStatement);
        for (const api of source.apis) {
            const apiCors = api.policy
                ? load(`API ${api.id} policy`, "api", api.policy).sections.inbound.filter(isCorsStatement)
                : [];
            this.corsByApi.set(api.id, [...apiCors, ...globalCors]);
        }
        for (const op of source.operations) {
            const api = source.apis.find((a) => a.id === op.apiId);
            if (!api) throw new Error(`operation ${op.id} belongs to unknown API ${op.apiId}`);
            // Each operation gets its own chain, so <base /> binds to that chain only.
            const docs = [load("global policy", "global", source.globalPolicy ?? defaultGlobalPolicy)];
            if (api.policy) docs.push(load(`API ${api.id} policy`, "api", api.policy));
            if (op.policy) docs.push(load(`operation ${api.id}/${op.id} policy`, "operation", op.policy));
            routes.push({
                api: { id: api.id, name: api.name, path: api.path },
                operation: { id: op.id, method: op.method, name: op.name, urlTemplate: op.urlTemplate },
                sections: composeScopes(docs),
                template: templatePattern(op.urlTemplate),
            });
        }
        return routes;
    }

    private match(method: string, path: string): Route | undefined {
        const candidates = this.routes
            .filter((r) => {
                const prefix = r.api.path ? `/${r.api.path}` : "";
                return (
                    path === prefix ||
                    path.startsWith(`${prefix}/`) ||
                    (prefix === "" && path.startsWith("/"))
                );
            })
            .sort((a, b) => b.api.path.length - a.api.path.length);
        const [longest] = candidates;
        if (!longest) return undefined;
        const apiPath = longest.api.path;
        const rest = path.slice(apiPath ? apiPath.length + 1 : 0) || "/";
        return candidates.find(
            (r) =>
                r.api.path === apiPath &&
                r.operation.method === method &&
                r.template.test(normalizePath(rest)),
        );
    }

    private makeServices(): GatewayServices {
        const identityTokens = new ManagedIdentityTokens((resource) =>
            this.entra.managedIdentityToken(resource),
        );
        return {
            validateEntraToken: (token, tenant, audiences) => this.entra.validate(token, tenant, audiences),
            managedIdentityToken: (resource, clientId) => identityTokens.get(resource, clientId),
            backend: (id) => {
                const backend = this.source.backends.get(id);
                if (!backend || !this.backendUrl) return undefined;
                // Every backend entity is the local tool host; its credential headers still apply.
                return {
                    url: this.backendUrl,
                    headers: backend.headers.map(([n, v]) => [n, v.map((x) => this.substitute(x))] as const),
                };
            },
            rateLimit: (key, calls, period, increment) => this.limiter.take(key, calls, period, increment),
            forward: (rt, options) => forwardToBackend(rt, options, rt.signal),
            emitMetric: (metric) => {
                this.metrics.push(metric);
                if (this.metrics.length > 1000) this.metrics.shift();
            },
        };
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const started = Date.now();
        const url = new URL(req.url ?? "/", "http://local");
        const path = decodeURIComponent(url.pathname);
        if (this.entra.handle(req, res, url.pathname)) return;
        if (this.answerPreflight(req, res, path)) {
            this.options.onRequest?.({ method: "OPTIONS", path, status: 200, ms: Date.now() - started });
            return;
        }
        const route = this.match(req.method ?? "GET", path);
        if (!route) {
            sendPlain(res, 404, { statusCode: 404, message: "Resource not found" });
            this.options.onRequest?.({
                method: req.method ?? "",
                path,
                status: 404,
                ms: Date.now() - started,
            });
            return;
        }
        const abort = new AbortController();
        res.on("close", () => abort.abort());
        let body: Buffer | null;
        try {
            body = await readBody(req);
        } catch {
            sendPlain(res, 413, { statusCode: 413, message: "Request body too large" });
            return;
        }
        const headers = headersFromRaw(req.rawHeaders);
        const host = req.headers.host ?? "127.0.0.1";
        const original: Url = {
            scheme: "http",
            host: host.replace(/:.*$/s, ""),
            port: Number(/:([^:]*)/.exec(host)?.[1] ?? 80),
            path,
            query: [...url.searchParams.entries()],
        };
        const apiPrefix = route.api.path ? `/${route.api.path}` : "";
        const ctx = new GatewayContext(
            {
                method: req.method ?? "GET",
                headers,
                body: body && body.length > 0 ? new MessageBody(body) : null,
                // Relative to the API until set-backend-service/rewrite-uri, as APIM builds it.
                url: { ...original, query: [...original.query], path: path.slice(apiPrefix.length) || "/" },
                originalUrl: original,
                ipAddress: req.socket.remoteAddress ?? "127.0.0.1",
            },
            route.api,
            route.operation,
        );
        const rt: PolicyRuntime = {
            context: ctx,
            services: this.services,
            section: "inbound",
            signal: abort.signal,
        };
        await runPipeline(route.sections, rt);
        await this.send(res, rt);
        this.options.onRequest?.({
            method: req.method ?? "",
            path,
            status: ctx.response.statusCode,
            operation: route.operation.id,
            ms: Date.now() - started,
        });
    }

    /**
     * A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) to an API with a cors
     * policy and no OPTIONS operation of its own: answered from the cors policy alone, as APIM does
     * (no other policy runs, so no token is needed). Unmatched: an empty 200 without CORS headers.
     */
    private answerPreflight(req: IncomingMessage, res: ServerResponse, path: string): boolean {
        const origin = req.headers.origin;
        const method = req.headers["access-control-request-method"];
        if (req.method !== "OPTIONS" || origin === undefined || typeof method !== "string") return false;
        if (this.match("OPTIONS", path)) return false;
        const api = this.apiFor(path);
        const policies = api ? (this.corsByApi.get(api.id) ?? []) : [];
        if (policies.length === 0) return false;
        const requested = (req.headers["access-control-request-headers"] ?? "")
            .split(",")
            .map((h) => h.trim())
            .filter(Boolean);
        const out: Record<string, string> = { "Content-Length": "0" };
        for (const policy of policies) {
            const headers = policy.preflight(origin, method, requested);
            if (headers.size === 0) continue;
            for (const [name, values] of headers.pairs()) out[String(name)] = values.join(",");
            break;
        }
        req.resume();
        res.writeHead(200, "OK", out);
        res.end();
        return true;
    }

    /** The API whose path is the longest prefix of `path`. */
    private apiFor(path: string): Route["api"] | undefined {
        return this.routes
            .map((r) => r.api)
            .filter((a) => {
                const prefix = a.path ? `/${a.path}` : "";
                return path === prefix || path.startsWith(`${prefix}/`) || prefix === "";
            })
            .sort((a, b) => b.path.length - a.path.length)[0];
    }

    private async send(res: ServerResponse, rt: PolicyRuntime): Promise<void> {
        const response = rt.context.response;
        const out: Record<string, string | string[]> = {};
        const merged: Headers = newHeaders();
        for (const [name, values] of rt.context.callerResponseHeaders.pairs()) merged.set(name, values);
        for (const [name, values] of response.headers.pairs()) merged.set(name, values);
        for (const [name, values] of merged.pairs()) {
            if (hopByHop.has(String(name).toLowerCase())) continue;
            out[String(name)] = separateLines.has(String(name).toLowerCase()) ? values : values.join(",");
        }
        if (res.destroyed) {
            rt.backendStream?.destroy();
            return;
        }
        if (rt.backendStream) {
            res.writeHead(response.statusCode, response.statusReason || undefined, out);
            res.flushHeaders();
            try {
                await pipeline(rt.backendStream, res);
            } catch {
                // The caller or the backend went away mid-stream; both ends are closed by now.
            }
            return;
        }
        const content = response.body?.content ?? Buffer.alloc(0);
        out["Content-Length"] = String(content.length);
        res.writeHead(response.statusCode, response.statusReason || undefined, out);
        res.end(content);
    }
}

/** Runs inbound, backend, outbound; on a policy error, on-error with `context.LastError` set. */
export async function runPipeline(
    sections: Record<Section, readonly Statement[]>,
    rt: PolicyRuntime,
): Promise<void> {
    const ctx = rt.context;
    let failing: Statement | undefined;
    const runSection = async (section: Section) => {
        rt.section = section;
        for (const s of sections[section]) {
            failing = s;
            await s.run(rt);
        }
    };
    try {
        await runSection("inbound");
        await runSection("backend");
        await runSection("outbound");
        return;
    } catch (error) {
        if (error instanceof ResponseReturned) return;
        const section = rt.section;
        rt.backendStream?.destroy();
        rt.backendStream = undefined;
        if (error instanceof PolicyError) {
            const headers = newHeaders();
            for (const [name, value] of error.response.headers ?? []) headers.set(name, [value]);
            ctx.response = {
                statusCode: error.response.status,
                statusReason: error.response.reason,
                headers,
                body:
                    error.response.body !== undefined
                        ? new MessageBody(Buffer.from(error.response.body))
                        : null,
            };
            ctx.lastError = lastError(error.source, error.reason, error.message, section, failing);
        } else {
            const expression = error instanceof CsException;
            ctx.response = {
                statusCode: 500,
                statusReason: "Internal Server Error",
                headers: newHeaders(),
                body: new MessageBody(
                    Buffer.from(JSON.stringify({ statusCode: 500, message: "Internal server error" })),
                ),
            };
            ctx.response.headers.set("Content-Type", ["application/json"]);
            ctx.lastError = lastError(
                failing?.element ?? "configuration",
                expression ? "ExpressionValueEvaluationFailure" : "PolicyFailure",
                expression
                    ? `Expression evaluation failed. ${(error as Error).message}`
                    : String((error as Error).message ?? error),
                section,
                failing,
            );
        }
    }
    try {
        await runSection("on-error");
    } catch (error) {
        if (error instanceof ResponseReturned) return;
        ctx.response = {
            statusCode: 500,
            statusReason: "Internal Server Error",
            headers: newHeaders(),
            body: null,
        };
    }
}

function lastError(source: string, reason: string, message: string, section: Section, statement?: Statement) {
    return {
        Source: source,
        Reason: reason,
        Message: message,
        Scope: statement?.scope ?? "global",
        Section: section,
        Path: "",
        PolicyId: statement?.policyId ?? "",
    };
}

const normalizePath = (p: string): string => (p.length > 1 ? p.replace(/\/+$/, "") : p);

/** URL template without parameters or with `{name}` segments, as a pattern for a normalized path. */
function templatePattern(template: string): RegExp {
    return new RegExp(
        `^${normalizePath(template.replace(/\?.*$/s, ""))
            .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
            .replace(/\\?\{[^}]+\}/g, "[^/]+")}$`,
    );
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > maxBufferedBody) throw new Error("too large");
        chunks.push(chunk as Buffer);
    }
    return size > 0 ? Buffer.concat(chunks) : null;
}

function sendPlain(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
}

/** The MCP app's id URI as the stack defines it, when it does. */
function appIdUriOf(source: StackSource): { resourceAppIdUri?: string } {
    const uri = source.namedValues.get("mcp-app-id-uri");
    return uri === undefined ? {} : { resourceAppIdUri: uri };
}
