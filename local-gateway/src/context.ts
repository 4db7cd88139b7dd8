/**
 * APIM's `context` object for one request, as expressions see it (`context.Request.Headers`,
 * `Body.As<T>(preserveContent)`, `Variables`, `RequestId`, `Elapsed`, `LastError`, ...), and its
 * static types for the expression compiler. Headers are case-insensitive dictionaries of
 * `string[]`; a missing variable reads as null. Policies change the context; expressions only read.
 */
import { randomUUID } from "node:crypto";
import { JArray, JObject, JToken, parseToken } from "./expressions/json";
import { defineMethod, defineProperty } from "./expressions/members";
import { arrayOf, t, types, type CsType } from "./expressions/types";
import { CsComparer, CsDictionary, CsException, CsGuid, CsTimeSpan } from "./expressions/values";
import { traceOfInbound, type GatewayTrace } from "./trace";

export type Headers = CsDictionary<string[]>;

export function newHeaders(): Headers {
    return new CsDictionary<string[]>(CsComparer.ordinalIgnoreCase);
}

/** Node's `rawHeaders` (names and values alternating) as headers, repeated names kept in order. */
export function headersFromRaw(
    raw: readonly string[],
    keep: (name: string) => boolean = () => true,
): Headers {
    const headers = newHeaders();
    for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = raw[i];
        const value = raw[i + 1];
        if (name === undefined || value === undefined || !keep(name)) continue;
        headers.set(name, [...(headers.get(name) ?? []), value]);
    }
    return headers;
}

/** A request or response body; reading it without `preserveContent` consumes it (as in APIM). */
export class MessageBody {
    private consumed = false;
    constructor(public content: Buffer) {}
    read(preserve: boolean): string {
        if (this.consumed)
            throw new CsException("InvalidOperationException", "The message body has already been read.");
        if (!preserve) this.consumed = true;
        return this.content.toString("utf8");
    }
    /** The body as bytes (`As<byte[]>`), with the same consumption rule. */
    readBytes(preserve: boolean): Buffer {
        this.read(preserve);
        return Buffer.from(this.content);
    }
    get isConsumed(): boolean {
        return this.consumed;
    }
}

export interface Url {
    scheme: string;
    host: string;
    port: number;
    path: string;
    /** Query parameters in order. */
    query: [string, string][];
}

export function urlToString(u: Url): string {
    const q = u.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    const defaultPort = (u.scheme === "https" && u.port === 443) || (u.scheme === "http" && u.port === 80);
    return `${u.scheme}://${u.host}${defaultPort ? "" : `:${u.port}`}${u.path}${q ? `?${q}` : ""}`;
}

export interface LastError {
    readonly Source: string;
    readonly Reason: string;
    readonly Message: string;
    readonly Scope: string;
    readonly Section: string;
    readonly Path: string;
    readonly PolicyId: string;
}

export interface RequestState {
    method: string;
    headers: Headers;
    body: MessageBody | null;
    url: Url;
    readonly originalUrl: Url;
    readonly ipAddress: string;
}

export interface ResponseState {
    statusCode: number;
    statusReason: string;
    headers: Headers;
    body: MessageBody | null;
}

/** One request's context: what the pipeline changes and what expressions read. */
export class GatewayContext {
    readonly requestId = new CsGuid(randomUUID());
    readonly timestamp = Date.now();
    readonly variables = Object.assign(new CsDictionary<unknown>(), { nullForMissing: true });
    response: ResponseState = { statusCode: 200, statusReason: "OK", headers: newHeaders(), body: null };
    lastError: LastError | null = null;
    /** Headers elements add to whatever response the caller finally gets (rate-limit counters). */
    readonly callerResponseHeaders: Headers = newHeaders();
    /** Base URL set by set-backend-service. */
    backendBaseUrl?: string;
    /** Credential headers of the backend entity set-backend-service chose. */
    backendHeaders: readonly (readonly [string, readonly string[]])[] = [];

    /** The W3C trace of this request, from the caller's headers as they arrived. */
    readonly trace: GatewayTrace;

    constructor(
        readonly request: RequestState,
        readonly api: { readonly id: string; readonly name: string; readonly path: string },
        readonly operation: {
            readonly id: string;
            readonly method: string;
            readonly name: string;
            readonly urlTemplate: string;
        },
    ) {
        this.trace = traceOfInbound(request.headers);
    }

    get elapsed(): CsTimeSpan {
        return new CsTimeSpan(Date.now() - this.timestamp);
    }
}

/** Static types of the context, registered with the compiler once. */
export const contextType: CsType = t("IProxyRequestContext");
let registered = false;

export function registerContextTypes(): void {
    if (registered) return;
    registered = true;
    const headers = t("IReadOnlyDictionary", types.string, arrayOf(types.string));
    const C = "IProxyRequestContext";
    defineProperty(C, "Request", t("IRequest"), (c: GatewayContext) => c.request);
    defineProperty(C, "Response", t("IResponse"), (c: GatewayContext) => c.response);
    defineProperty(
        C,
        "Variables",
        t("IReadOnlyDictionary", types.string, types.object),
        (c: GatewayContext) => c.variables,
    );
    defineProperty(C, "RequestId", t("Guid"), (c: GatewayContext) => c.requestId);
    defineProperty(C, "Elapsed", t("TimeSpan"), (c: GatewayContext) => c.elapsed);
    defineProperty(C, "LastError", t("ILastError"), (c: GatewayContext) => c.lastError);
    defineProperty(C, "Api", t("IApi"), (c: GatewayContext) => c.api);
    defineProperty(C, "Operation", t("IOperation"), (c: GatewayContext) => c.operation);
    defineProperty(C, "Deployment", t("IDeployment"), () => ({
        region: "local",
        serviceName: "local-gateway",
        gatewayId: "managed",
    }));
    defineProperty(C, "Tracing", types.bool, () => false);
    defineProperty(C, "Subscription", types.object, () => null);
    defineProperty(C, "User", types.object, () => null);
    defineProperty(C, "Product", types.object, () => null);
    defineProperty("IDeployment", "Region", types.string, (d: { region: string }) => d.region);
    defineProperty("IDeployment", "ServiceName", types.string, (d: { serviceName: string }) => d.serviceName);
    defineProperty("IDeployment", "GatewayId", types.string, (d: { gatewayId: string }) => d.gatewayId);
    for (const name of ["Id", "Name", "Path"] as const)
        defineProperty("IApi", name, types.string, (a: Record<string, string>) => a[name.toLowerCase()]);
    for (const name of ["Id", "Method", "Name", "UrlTemplate"] as const)
        defineProperty(
            "IOperation",
            name,
            types.string,
            (o: Record<string, string>) => o[name === "UrlTemplate" ? "urlTemplate" : name.toLowerCase()],
        );
    for (const name of ["Source", "Reason", "Message", "Scope", "Section", "Path", "PolicyId"] as const)
        defineProperty("ILastError", name, types.string, (e: LastError) => e[name]);

    defineProperty("IRequest", "Method", types.string, (r: RequestState) => r.method);
    defineProperty("IRequest", "Headers", headers, (r: RequestState) => r.headers);
    defineProperty("IRequest", "Body", t("IMessageBody"), (r: RequestState) => r.body);
    defineProperty("IRequest", "Url", t("IUrl"), (r: RequestState) => r.url);
    defineProperty("IRequest", "OriginalUrl", t("IUrl"), (r: RequestState) => r.originalUrl);
    defineProperty("IRequest", "IpAddress", types.string, (r: RequestState) => r.ipAddress);
    defineProperty("IResponse", "StatusCode", types.int, (r: ResponseState) => r.statusCode);
    defineProperty("IResponse", "StatusReason", types.string, (r: ResponseState) => r.statusReason);
    defineProperty("IResponse", "Headers", headers, (r: ResponseState) => r.headers);
    defineProperty("IResponse", "Body", t("IMessageBody"), (r: ResponseState) => r.body);
    defineProperty("IUrl", "Scheme", types.string, (u: Url) => u.scheme);
    defineProperty("IUrl", "Host", types.string, (u: Url) => u.host);
    defineProperty("IUrl", "Port", types.int, (u: Url) => u.port);
    defineProperty("IUrl", "Path", types.string, (u: Url) => u.path);
    defineProperty("IUrl", "QueryString", types.string, (u: Url) => {
        const q = urlToString({ ...u, path: "" }).split("?")[1];
        return q ? `?${q}` : "";
    });
    defineProperty(
        "IUrl",
        "Query",
        t("IReadOnlyDictionary", types.string, arrayOf(types.string)),
        (u: Url) => {
            const d = new CsDictionary<string[]>(CsComparer.ordinal);
            for (const [k, v] of u.query) d.set(k, [...(d.get(k) ?? []), v]);
            return d;
        },
    );
    defineMethod(
        "IUrl",
        "ToString",
        0,
        () => types.string,
        (u: Url) => urlToString(u),
    );

    const bodyTypes = new Set(["string", "JToken", "JObject", "JArray"]);
    defineMethod(
        "IMessageBody",
        "As",
        [0, 1],
        (_s, args, typeArgs) => {
            const [target] = typeArgs;
            return typeArgs.length === 1 &&
                target !== undefined &&
                (bodyTypes.has(target.name) || isByteArray(target)) &&
                (args.length === 0 || args[0]?.name === "bool")
                ? target
                : undefined;
        },
        (body: MessageBody, [preserve], [targetType]) => {
            // The resolver above admitted exactly one type argument.
            if (targetType === undefined) throw new Error("IMessageBody.As<T> needs its type argument");
            if (isByteArray(targetType)) return body.readBytes(preserve === true);
            const text = body.read(preserve === true);
            const target = targetType.name;
            if (target === "string") return text;
            const token: JToken = parseToken(text);
            if (target === "JObject" && !(token instanceof JObject))
                throw new CsException("JsonReaderException", "the body is not a JSON object");
            if (target === "JArray" && !(token instanceof JArray))
                throw new CsException("JsonReaderException", "the body is not a JSON array");
            return token;
        },
        ["preserveContent"],
    );
}

function isByteArray(type: CsType): boolean {
    return type.name === "Array" && type.args.length === 1 && type.args[0]?.name === "byte";
}
