import { GatewayContext, MessageBody, newHeaders } from "./context";
import type { PolicyDocument } from "./document";

/**
 * Runs a policy document's inbound section over one POST to the MCP API, with no backend and no
 * services, and returns the context: its variables hold what the statements set. For tests and
 * benchmarks of a policy's own checks, without a gateway process around them.
 */
export async function runMcpInbound(doc: PolicyDocument, body: Buffer): Promise<GatewayContext> {
    const url = { scheme: "https", host: "gateway", port: 443, path: "/mcp", query: [] };
    const context = new GatewayContext(
        {
            method: "POST",
            headers: newHeaders(),
            body: new MessageBody(body),
            url,
            originalUrl: url,
            ipAddress: "127.0.0.1",
        },
        { id: "mcp", name: "mcp", path: "mcp" },
        { id: "mcp-post", method: "POST", name: "mcp-post", urlTemplate: "/" },
    );
    for (const statement of doc.sections.inbound) {
        await statement.run({
            context,
            services: {} as never,
            section: "inbound",
            signal: new AbortController().signal,
        });
    }
    return context;
}
