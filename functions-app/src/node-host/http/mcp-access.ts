import type { IncomingMessage, ServerResponse } from "node:http";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { allAppRoles, forwardedCallerHeader, forwardedRolesHeader } from "../../contract";
import { findTool, type Caller } from "../../catalog";
import { isPromise, type MaybePromise } from "../../maybe-promise";
import {
    bearerChallenge,
    hasRole,
    type AuthenticatedCaller,
    type AuthResult,
    type BearerAuthenticator,
} from "./auth";
import { calledToolName } from "./jsonrpc";
import { sendJson } from "./respond";

/** Who may call: auth off gives everyone an anonymous caller holding every role. */
export interface AccessControl {
    readonly authenticator?: BearerAuthenticator | undefined;
    /** URL of this server's Protected Resource Metadata, for 401/403 challenges. */
    metadataUrl(req: IncomingMessage): string;
}

/** The caller when auth is off (local runs): trusted with every role. */
export const localCaller: Caller = { id: "local", roles: allAppRoles };

/**
 * Authenticates the request; on failure answers 401/403 with a challenge naming the metadata URL
 * and returns undefined. A token verified before answers without waiting.
 */
export function authenticateOrReject(
    access: AccessControl,
    req: IncomingMessage,
    res: ServerResponse,
): MaybePromise<Caller | undefined> {
    if (!access.authenticator) return localCaller;
    const result = access.authenticator.authenticate(req.headers.authorization, {
        callerId: headerValue(req, forwardedCallerHeader),
        roles: headerValue(req, forwardedRolesHeader),
    });
    return isPromise(result)
        ? result.then((settled) => callerOrReject(access, settled, req, res))
        : callerOrReject(access, result, req, res);
}

function callerOrReject(
    access: AccessControl,
    result: AuthResult,
    req: IncomingMessage,
    res: ServerResponse,
): Caller | undefined {
    if (result.ok) return result.caller;
    // RFC 6750 §3.1: a request that carried no credentials gets a challenge without error details.
    const challenge = result.error
        ? bearerChallenge(access.metadataUrl(req), result.error, result.description)
        : bearerChallenge(access.metadataUrl(req));
    sendJson(
        res,
        result.status,
        { error: result.error ?? "unauthorized", error_description: result.description },
        { "www-authenticate": challenge },
    );
    return undefined;
}

/** A header's value (Node joins a repeated custom header with ", "). */
function headerValue(req: IncomingMessage, name: string): string | undefined {
    const value = req.headers[name];
    return typeof value === "string" ? value : undefined;
}

/**
 * Refuses (403) a batch that calls a tool the caller has no role for, before anything runs: the
 * HTTP-level answer. The catalog's `callTool` enforces the same role again for every path.
 * Returns true when the request may proceed.
 */
export function authorizeToolCalls(
    access: AccessControl,
    caller: Caller | AuthenticatedCaller,
    messages: readonly JSONRPCMessage[],
    req: IncomingMessage,
    res: ServerResponse,
): boolean {
    if (!access.authenticator) return true;
    for (const message of messages) {
        const name = calledToolName(message);
        // Only exact catalog names (a Map, never an object's keys); unknown tools get -32602 later.
        const tool = name === undefined ? undefined : findTool(name);
        if (!tool) continue;
        const role = tool.role;
        if (!hasRole(caller, role)) {
            const description = `calling ${name} requires the app role ${role}`;
            sendJson(
                res,
                403,
                {
                    jsonrpc: "2.0",
                    id: "id" in message ? message.id : null,
                    error: { code: -32001, message: description },
                },
                {
                    "www-authenticate": bearerChallenge(
                        access.metadataUrl(req),
                        "insufficient_scope",
                        description,
                        role,
                    ),
                },
            );
            return false;
        }
    }
    return true;
}
