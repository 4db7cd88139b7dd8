import type { IncomingMessage, ServerResponse } from "node:http";
import { webhookRole } from "../../contract";
import { loadSentinel } from "../../sentinel/load";
import { maxWebhookBodyBytes } from "../../sentinel/webhook-limits";
import { bearerChallenge, hasRole } from "./auth";
import { authenticateOrReject, type AccessControl } from "./mcp-access";
import { carriedHeaders } from "./correlation";
import { BodyTooLargeError, readBody, sendJson } from "./respond";

/** POST /api/ai-agent/webhook on the Node host: the shared handler behind auth and a size limit. */
export function sentinelWebhookHandler(access: AccessControl, now: () => Date = () => new Date()) {
    return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        const caller = await authenticateOrReject(access, req, res);
        if (!caller) return;
        if (access.authenticator && !hasRole(caller, webhookRole)) {
            const description = `the incident webhook requires the app role ${webhookRole}`;
            sendJson(
                res,
                403,
                { error: "insufficient_scope", error_description: description },
                {
                    "www-authenticate": bearerChallenge(
                        access.metadataUrl(req),
                        "insufficient_scope",
                        description,
                        webhookRole,
                    ),
                },
            );
            return;
        }
        let body: Buffer;
        try {
            body = req.method === "POST" ? await readBody(req, maxWebhookBodyBytes) : Buffer.alloc(0);
        } catch (error) {
            if (!(error instanceof BodyTooLargeError)) throw error;
            sendJson(res, 413, {
                error: "payload_too_large",
                message: `request body exceeds ${maxWebhookBodyBytes} bytes`,
            });
            return;
        }
        const answer = loadSentinel().handleSentinelWebhook(
            { method: req.method ?? "GET", contentType: req.headers["content-type"], body },
            now(),
        );
        res.writeHead(answer.status, {
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
            ...carriedHeaders(res),
            ...answer.headers,
        });
        res.end(answer.body);
    };
}
