/**
 * The front door on the Node host: `/api/oauth/<endpoint>`, reachable only with the gateway's own
 * token when auth is on (the gateway is the front door's only client-facing surface: it applies
 * the per-IP limits and is the URL clients know).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticateOrReject, type AccessControl } from "../node-host/http/mcp-access";
import { BodyTooLargeError, readBody, sendJson } from "../node-host/http/respond";
import type { FrontDoor } from "./front-door";
import { frontDoorBackendPrefix, frontDoorEndpoints, type FrontDoorEndpoint } from "./paths";

const maxBodyBytes = 16 * 1024;

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function frontDoorRoutes(frontDoor: FrontDoor, access: AccessControl): [string, Route][] {
    return (Object.keys(frontDoorEndpoints) as FrontDoorEndpoint[]).map((endpoint) => {
        const { method, path } = frontDoorEndpoints[endpoint];
        const route: Route = async (req, res) => {
            if (access.authenticator) {
                const caller = await authenticateOrReject(access, req, res);
                if (!caller) return;
                if (!("viaGateway" in caller) || caller.viaGateway !== true) {
                    sendJson(res, 403, {
                        error: "forbidden",
                        error_description: "only the gateway calls the front door",
                    });
                    return;
                }
            }
            if (req.method !== method) {
                sendJson(res, 405, { error: "method_not_allowed" }, { allow: method });
                return;
            }
            let body: Buffer;
            try {
                body = method === "POST" ? await readBody(req, maxBodyBytes) : Buffer.alloc(0);
            } catch (error) {
                if (!(error instanceof BodyTooLargeError)) throw error;
                sendJson(res, 413, {
                    error: "invalid_request",
                    error_description: `body over ${maxBodyBytes} bytes`,
                });
                return;
            }
            const headers: Record<string, string | undefined> = {};
            for (const [name, value] of Object.entries(req.headers))
                headers[name] = Array.isArray(value) ? value.join("; ") : value;
            const answer = await frontDoor.handle(endpoint, {
                method,
                query: new URL(req.url ?? "/", "http://host").searchParams,
                headers,
                body,
            });
            res.writeHead(answer.status, {
                ...answer.headers,
                "content-length": Buffer.byteLength(answer.body),
            });
            res.end(answer.body);
        };
        return [frontDoorBackendPrefix + path, route];
    });
}
