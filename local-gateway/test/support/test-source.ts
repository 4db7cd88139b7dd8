import type { StackSource } from "../../src/stack-source";

/**
 * A hand-written stack for gateway tests: the APIs, operations and policies the test is about, with
 * the Azure facts no such test reads (one `tools` backend, tenant, apps, gateway identity) filled in.
 */
export function testSource(
    parts: Pick<StackSource, "apis" | "operations"> & Partial<Omit<StackSource, "apis" | "operations">>,
): StackSource {
    return {
        stack: "test",
        namedValues: new Map(),
        backends: new Map([["tools", { url: "https://tools.example", headers: [] }]]),
        azureGatewayUrl: "https://example.azure-api.net",
        tenantId: "tenant",
        mcpAppClientId: "app",
        agents: [],
        gatewayObjectId: "gateway",
        synthesisMs: 0,
        ...parts,
    };
}
