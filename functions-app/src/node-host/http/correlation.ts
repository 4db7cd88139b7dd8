import type { IncomingMessage, ServerResponse } from "node:http";

/** The header the gateway sets on every request it forwards; echoed on every answer. */
export const correlationHeader = "x-correlation-id";

/** The gateway's own rule (apim-policies): anything else is replaced rather than echoed into logs. */
const acceptable = /^[A-Za-z0-9._-]{1,64}$/;

const correlationId = Symbol("correlationId");

type Correlated = ServerResponse & { [correlationId]?: string };

/**
 * Gives the exchange a correlation id: the caller's when it looks like one, else a new one. It is
 * kept on the response for the writers to send (`res.setHeader` here would push every answer's
 * `writeHead` onto Node's slower header-merging path) and returned for log lines.
 */
export function assignCorrelationId(req: IncomingMessage, res: ServerResponse): string {
    const sent = req.headers[correlationHeader];
    const id = typeof sent === "string" && acceptable.test(sent) ? sent : globalThis.crypto.randomUUID();
    (res as Correlated)[correlationId] = id;
    return id;
}

/** The correlation id assigned to this response, if any. */
export function correlationIdOf(res: ServerResponse): string | undefined {
    return (res as Correlated)[correlationId];
}

/** The correlation header for an answer written with an object of headers. */
export function correlationHeaders(res: ServerResponse): Record<string, string> {
    const id = (res as Correlated)[correlationId];
    return id === undefined ? {} : { [correlationHeader]: id };
}
