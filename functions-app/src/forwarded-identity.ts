import { allAppRoles, type AppRole } from "./contract";

/**
 * What the gateway asserts about the caller it validated (contract: `x-agent-client-id`,
 * `x-agent-roles`), read the same way by both hosts. Each host decides for itself whether the
 * request came from the gateway; these functions only parse.
 */

const knownRoles: ReadonlySet<string> = new Set(allAppRoles);

/**
 * The MCP app roles in a forwarded roles header. Absent or empty means none; entries that are not
 * MCP app roles are dropped, so the header can never grant the gateway's own role or anything else.
 */
export function forwardedRoles(header: string | undefined): AppRole[] {
    if (!header) return [];
    const roles = header
        .split(",")
        .map((r) => r.trim())
        .filter((r): r is AppRole => knownRoles.has(r));
    return [...new Set(roles)];
}

/** Caller ids as the gateway writes them (GUIDs, object ids); anything else is not believed. */
const callerIdPattern = /^[\w.@:-]{1,128}$/;

/** The forwarded caller id, or undefined when absent or malformed. */
export function forwardedCallerId(header: string | undefined): string | undefined {
    return header !== undefined && callerIdPattern.test(header) ? header : undefined;
}
