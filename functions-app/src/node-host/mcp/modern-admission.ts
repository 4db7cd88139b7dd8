import type { IncomingHttpHeaders } from "node:http";
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { metaOf, metaVersionOf } from "./era";
import {
    decodeMirroredHeader,
    isModernProtocolVersion,
    mcpErrorCodes,
    mcpHeaders,
    metaKeys,
    modernMethods,
    namedMethods,
    supportedProtocolVersions,
} from "../../mcp/revisions";

/** A JSON-RPC error as the modern revision answers it, with its HTTP status. */
export interface ModernError {
    readonly status: number;
    readonly code: number;
    readonly message: string;
    readonly data?: Record<string, unknown>;
}

/** W3C trace context a request carried in `_meta`, kept for the host's log lines. */
export interface TraceContext {
    readonly traceparent: string;
    readonly tracestate?: string;
}

export type ModernAdmission =
    | {
          readonly kind: "request";
          readonly request: JSONRPCRequest;
          readonly trace?: TraceContext | undefined;
      }
    | { readonly kind: "notification" }
    | { readonly kind: "refused"; readonly id: RequestId | null; readonly error: ModernError };

const invalidParams = -32602;
const methodNotFound = -32601;

/**
 * Checks a modern-era message against the revision's Streamable HTTP rules before anything runs:
 * the version (header and `_meta` agree and name a served modern revision, else -32022 with the
 * supported list), the required `_meta` members (-32602), the `Mcp-Method` and `Mcp-Name` headers
 * (present and equal to the body, else -32020: a gateway that routed or authorized on the header
 * then sees the call that runs), and the method (-32601 with 404 unless served statelessly).
 */
export function admitModern(headers: IncomingHttpHeaders, message: JSONRPCMessage): ModernAdmission {
    const id = "id" in message && message.id !== undefined ? message.id : null;
    const refuse = (error: ModernError): ModernAdmission => ({ kind: "refused", id, error });
    const headerVersion = single(headers[mcpHeaders.protocolVersion]);
    const metaVersion = metaVersionOf(message);

    if (headerVersion === undefined) return refuse(mismatch("the MCP-Protocol-Version header is required"));
    if (metaVersion !== undefined && metaVersion !== headerVersion) {
        return refuse(
            mismatch(
                `MCP-Protocol-Version header value '${headerVersion}' does not match body value '${typeof metaVersion === "string" ? metaVersion : printable(JSON.stringify(metaVersion))}'`,
            ),
        );
    }
    if (!isModernProtocolVersion(headerVersion)) return refuse(unsupportedVersion(headerVersion));
    // A notification has nothing to answer and this revision defines no header rules for it.
    if (!("id" in message) || !("method" in message)) return { kind: "notification" };

    const meta = metaOf(message);
    if (metaVersion === undefined) {
        return refuse(badParams(`_meta must carry ${metaKeys.protocolVersion} on every request`));
    }
    const capabilities = meta?.[metaKeys.clientCapabilities];
    if (typeof capabilities !== "object" || capabilities === null || Array.isArray(capabilities)) {
        return refuse(badParams(`_meta must carry ${metaKeys.clientCapabilities} (an object)`));
    }

    const methodHeader = single(headers[mcpHeaders.method]);
    if (methodHeader === undefined) return refuse(mismatch("the Mcp-Method header is required"));
    if (methodHeader !== message.method) {
        return refuse(
            mismatch(
                `Mcp-Method header value '${methodHeader}' does not match body value '${message.method}'`,
            ),
        );
    }
    const nameMember = namedMethods[message.method];
    if (nameMember !== undefined) {
        const nameHeader = single(headers[mcpHeaders.name]);
        if (nameHeader === undefined) {
            return refuse(mismatch(`the Mcp-Name header is required for ${message.method}`));
        }
        const decoded = decodeMirroredHeader(nameHeader);
        if (decoded === undefined) return refuse(mismatch("the Mcp-Name header value is malformed"));
        const target = message.params?.[nameMember];
        if (typeof target !== "string") return refuse(badParams(`params.${nameMember} must be a string`));
        // Exact comparison: the name a gateway authorized must be the name that runs.
        if (decoded !== target) {
            return refuse(
                mismatch(
                    `Mcp-Name header value '${printable(decoded)}' does not match body value '${printable(target)}'`,
                ),
            );
        }
    }
    if (!modernMethods.includes(message.method)) {
        return refuse({
            status: 404,
            code: methodNotFound,
            message: `Method not found: ${message.method} (protocol ${headerVersion} serves ${modernMethods.join(", ")})`,
        });
    }
    return { kind: "request", request: message, trace: traceContextOf(meta) };
}

/** The -32022 answer: HTTP 400 naming what this server speaks. */
export function unsupportedVersion(requested: string): ModernError {
    return {
        status: 400,
        code: mcpErrorCodes.unsupportedProtocolVersion,
        message: "Unsupported protocol version",
        data: { supported: supportedProtocolVersions, requested },
    };
}

function mismatch(detail: string): ModernError {
    return { status: 400, code: mcpErrorCodes.headerMismatch, message: `Header mismatch: ${detail}` };
}

function badParams(detail: string): ModernError {
    return { status: 400, code: invalidParams, message: `Invalid params: ${detail}` };
}

/** W3C `traceparent`: version-traceid-parentid-flags, lower-case hex, ids not all zero. */
const traceparentPattern = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/** `tracestate` is a short list of printable key=value pairs; anything else is not logged. */
const tracestatePattern = /^[\x20-\x7e]{1,512}$/;

function traceContextOf(meta: Record<string, unknown> | undefined): TraceContext | undefined {
    const traceparent = meta?.[metaKeys.traceparent];
    if (typeof traceparent !== "string" || !traceparentPattern.test(traceparent)) return undefined;
    const tracestate = meta?.[metaKeys.tracestate];
    return typeof tracestate === "string" && tracestatePattern.test(tracestate)
        ? { traceparent, tracestate }
        : { traceparent };
}

/** A header Node joined from repeats (", ") is still one string; only a missing one is undefined. */
function single(value: string | string[] | undefined): string | undefined {
    return Array.isArray(value) ? value.join(", ") : value;
}

/** Names echoed in an error message stay short and on one line. */
function printable(value: string): string {
    return JSON.stringify(value.slice(0, 100)).slice(1, -1);
}
