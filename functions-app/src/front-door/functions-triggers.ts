/**
 * The front door on the Functions host: one HTTP trigger per endpoint at `/api/oauth/<endpoint>`.
 * The app's built-in authentication admits only the gateway's identity, as for the webhook.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { FrontDoor } from "./front-door";
import { frontDoorEndpoints, type FrontDoorEndpoint } from "./paths";

const maxBodyBytes = 16 * 1024;

/** What registering needs from `@azure/functions`' `app` (kept narrow so tests can record it). */
export interface HttpTriggerRegistry {
    http(
        name: string,
        options: {
            route: string;
            methods: ("GET" | "POST")[];
            authLevel: "anonymous";
            handler: (request: HttpRequest) => Promise<HttpResponseInit>;
        },
    ): void;
}

export function registerFrontDoorTriggers(app: HttpTriggerRegistry, frontDoor: () => FrontDoor): void {
    for (const endpoint of Object.keys(frontDoorEndpoints) as FrontDoorEndpoint[]) {
        const { method, path } = frontDoorEndpoints[endpoint];
        app.http(`oauth-${endpoint}`, {
            route: `oauth${path}`,
            methods: [method],
            authLevel: "anonymous",
            handler: async (request) => {
                const declared = Number(request.headers.get("content-length"));
                if (Number.isFinite(declared) && declared > maxBodyBytes)
                    return {
                        status: 413,
                        jsonBody: { error: "invalid_request", error_description: "body too large" },
                    };
                const body = method === "POST" ? Buffer.from(await request.arrayBuffer()) : Buffer.alloc(0);
                if (body.length > maxBodyBytes)
                    return {
                        status: 413,
                        jsonBody: { error: "invalid_request", error_description: "body too large" },
                    };
                const headers: Record<string, string> = {};
                request.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
                const answer = await frontDoor().handle(endpoint, {
                    method,
                    query: new URLSearchParams(request.query),
                    headers,
                    body,
                });
                // Set-Cookie may repeat, so headers go as a list of pairs.
                const pairs: [string, string][] = [];
                for (const [name, value] of Object.entries(answer.headers))
                    for (const v of typeof value === "string" ? [value] : value) pairs.push([name, v]);
                return { status: answer.status, headers: pairs, body: answer.body };
            },
        });
    }
}
