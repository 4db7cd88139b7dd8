/**
 * What the host uses of the MCP SDK at run time, behind one module that the bundle ships as a
 * file of its own (`mcp-sdk.js`, see scripts/bundle.ts): the SDK's server, its zod schemas and
 * ajv are two thirds of the host's code, and the answers a cold start gives first (tools/list,
 * tools/call on the fast path, the modern revision) need none of them.
 */
export { Server } from "@modelcontextprotocol/sdk/server/index.js";
export {
    CallToolRequestSchema,
    ErrorCode,
    JSONRPCMessageSchema,
    ListToolsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
export { admitRequest } from "./request-admission";
