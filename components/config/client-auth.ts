/**
 * How people's MCP clients sign in (`mcpClientAuth`): not at all (`off`, agents only), at Entra
 * directly with pre-authorized public clients (`direct`), or through the gateway's OAuth front door
 * (`frontDoor`). Pure.
 */

export const mcpClientAuthModes = ["off", "direct", "frontDoor"] as const;
export type McpClientAuthMode = (typeof mcpClientAuthModes)[number];

export interface ClientAuthConfig {
    readonly mode: McpClientAuthMode;
    /** Public clients (app ids) pre-authorized for `MCP.Access` in direct mode, e.g. VS Code's. */
    readonly preAuthorizedClientIds: readonly string[];
}

/** VS Code's own app id in Entra: the documented example of a client that speaks Entra natively. */
export const vsCodeClientId = "aebc6443-996d-45c2-90f0-388ff96faa56";

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readClientAuth(
    mode: string | undefined,
    preAuthorized: unknown,
    problem: (key: string, message: string) => void,
): ClientAuthConfig {
    const chosen = (mcpClientAuthModes as readonly string[]).includes(mode ?? "")
        ? (mode as McpClientAuthMode)
        : undefined;
    if (!chosen) problem("mcpClientAuth", `must be one of ${mcpClientAuthModes.join(", ")} (got "${mode}")`);
    const ids: string[] = [];
    if (!Array.isArray(preAuthorized))
        problem("mcpPreAuthorizedClientIds", "must be a list of app ids (GUIDs)");
    else
        preAuthorized.forEach((id, i) => {
            if (typeof id !== "string" || !guid.test(id))
                problem(
                    `mcpPreAuthorizedClientIds[${i}]`,
                    `must be an app (client) id GUID (got ${JSON.stringify(id)})`,
                );
            else if (ids.includes(id.toLowerCase()))
                problem(`mcpPreAuthorizedClientIds[${i}]`, `${id} is listed twice`);
            else ids.push(id.toLowerCase());
        });
    if (ids.length > 0 && chosen !== undefined && chosen !== "direct")
        problem(
            "mcpPreAuthorizedClientIds",
            `applies only with mcpClientAuth: direct (got ${chosen}); the front door pre-authorizes its own app`,
        );
    return { mode: chosen ?? "off", preAuthorizedClientIds: ids };
}
