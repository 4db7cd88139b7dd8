import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The header the gateway sets on every request it forwards; echoed on every answer. */
export const correlationHeader = "x-correlation-id";

/** The gateway's own rule (apim-policies): anything else is replaced rather than echoed into logs. */
const acceptable = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives the exchange a correlation id: the caller's when it looks like one, else a new one. It is
 * set on the response at once, so every answer carries it, and returned for log lines.
 */
export function assignCorrelationId(req: IncomingMessage, res: ServerResponse): string {
    const sent = req.headers[correlationHeader];
    const id = typeof sent === "string" && acceptable.test(sent) ? sent : randomUUID();
    res.setHeader(correlationHeader, id);
    return id;
}

/** The correlation id assigned to this response, for log lines written far from the dispatcher. */
export function correlationIdOf(res: ServerResponse): string | undefined {
    const id = res.getHeader(correlationHeader);
    return typeof id === "string" ? id : undefined;
}
