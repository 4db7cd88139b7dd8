import {
    CallToolRequestSchema,
    ErrorCode,
    InitializeRequestSchema,
    JSONRPCRequestSchema,
    ListToolsRequestSchema,
    PingRequestSchema,
    type JSONRPCErrorResponse,
    type JSONRPCRequest,
} from "@modelcontextprotocol/sdk/types.js";

interface RequestSchema {
    safeParse(
        value: unknown,
    ):
        | { success: true }
        | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } };
}

/**
 * Schemas of the requests our SDK servers handle. The SDK checks params with the same schemas
 * but reports a mismatch as -32603 Internal error with zod's whole issue list as the message;
 * checking first lets us answer -32602 Invalid params with one short line.
 */
const servedRequests = new Map<string, RequestSchema>([
    ["initialize", InitializeRequestSchema],
    ["ping", PingRequestSchema],
    ["tools/list", ListToolsRequestSchema],
    ["tools/call", CallToolRequestSchema],
]);

export type Admission =
    | { readonly ok: true; readonly request: JSONRPCRequest }
    | { readonly ok: false; readonly answer: JSONRPCErrorResponse };

/**
 * Readies a client request for an SDK server that declares no tasks capability:
 * - params that do not match the method's schema get -32602 Invalid params, without the SDK;
 * - a task-augmented request (`params.task`, protocol 2025-11-25) loses its `task`, because a
 *   receiver that does not declare tasks must process such a request normally (the SDK instead
 *   refuses it, or wraps a plain result as a task).
 * Methods the servers do not handle pass unchanged, so the SDK answers Method not found.
 * A message that is not a valid request at all also passes unchanged, for the SDK to refuse.
 */
export function admitRequest(request: JSONRPCRequest): Admission {
    const schema = servedRequests.get(request.method);
    if (!schema) return { ok: true, request };
    const checked = schema.safeParse(request);
    // A message that is not even a valid MCP request (params an array, an object progress token)
    // stays the SDK's to refuse: the transport answers that as Invalid Request.
    if (!checked.success && JSONRPCRequestSchema.safeParse(request).success) {
        const detail = issueText(checked.error.issues[0]);
        return {
            ok: false,
            answer: {
                jsonrpc: "2.0",
                id: request.id,
                error: {
                    code: ErrorCode.InvalidParams,
                    message: `Invalid params for ${request.method}: ${detail}`,
                },
            },
        };
    }
    const params = request.params;
    if (params && typeof params === "object" && "task" in params) {
        const rest: Record<string, unknown> = { ...params };
        delete rest.task;
        return { ok: true, request: { ...request, params: rest } };
    }
    return { ok: true, request };
}

/** The first schema issue as `path: message`, at most 200 characters (a failed parse has at least one). */
function issueText(
    issue: { readonly path: readonly PropertyKey[]; readonly message: string } | undefined,
): string {
    if (issue === undefined) return "does not match the schema";
    const path = issue.path.map(String).join(".");
    return `${path ? `${path}: ` : ""}${issue.message}`.slice(0, 200);
}
