/**
 * The connection values an agent owner needs, read from the stack's outputs as
 * `pulumi stack output --json --show-secrets` prints them (or as synthesis records them): the MCP
 * endpoints and, per agent, tenant, client id, scope and the federation the program created.
 */
export interface AgentConnectionValues {
    readonly name: string;
    readonly platform: string;
    readonly tenantId: string;
    readonly clientId: string;
    readonly scope: string;
    readonly roles: readonly string[];
    readonly credential: "federated" | "certificate";
    readonly federation: readonly {
        readonly issuer: string;
        readonly subject: string;
        readonly audience: string;
    }[];
    readonly mcpEndpoint: string;
    readonly mcpSseUrl: string;
}

export class StackOutputsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackOutputsError";
    }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);

/** The agents the outputs name. */
export function agentNames(outputs: unknown): string[] {
    return isRecord(outputs) && isRecord(outputs.agents) ? Object.keys(outputs.agents) : [];
}

/** One agent's values; throws {@link StackOutputsError} naming what is missing. */
export function connectionValues(outputs: unknown, agent: string): AgentConnectionValues {
    if (!isRecord(outputs)) throw new StackOutputsError("stack outputs must be a JSON object");
    const text = (v: unknown, key: string): string => {
        if (typeof v !== "string" || v === "") throw new StackOutputsError(`stack output ${key} is missing`);
        return v;
    };
    const agents = outputs.agents;
    if (!isRecord(agents)) throw new StackOutputsError("stack output agents is missing");
    const a = agents[agent];
    if (!isRecord(a))
        throw new StackOutputsError(
            `no agent "${agent}" in the stack outputs (agents: ${Object.keys(agents).join(", ") || "none"})`,
        );
    const key = (k: string) => `agents.${agent}.${k}`;
    const federation = Array.isArray(a.federation) ? a.federation : [];
    return {
        name: agent,
        platform: text(a.platform, key("platform")),
        tenantId: text(a.tenantId, key("tenantId")),
        clientId: text(a.clientId, key("clientId")),
        scope: text(a.scope, key("scope")),
        roles: Array.isArray(a.roles) ? a.roles.filter((r): r is string => typeof r === "string") : [],
        credential: a.credential === "certificate" ? "certificate" : "federated",
        federation: federation.filter(isRecord).map((f, i) => ({
            issuer: text(f.issuer, `${key("federation")}[${i}].issuer`),
            subject: text(f.subject, `${key("federation")}[${i}].subject`),
            audience: text(f.audience, `${key("federation")}[${i}].audience`),
        })),
        mcpEndpoint: text(outputs.mcpEndpoint, "mcpEndpoint"),
        mcpSseUrl: text(outputs.mcpSseUrl, "mcpSseUrl"),
    };
}
