import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUuid } from "../../random-id";

/** The header the gateway sets on every request it forwards; echoed on every answer. */
export const correlationHeader = "x-correlation-id";

/** The gateway's own rule (apim-policies): anything else is replaced rather than echoed into logs. */
const acceptable = /^[A-Za-z0-9._-]{1,64}$/;

const correlationId = Symbol("correlationId");
const variesByOrigin = Symbol("variesByOrigin");

type Correlated = ServerResponse & { [correlationId]?: string; [variesByOrigin]?: true };

/**
 * Gives the exchange a correlation id: the caller's when it looks like one, else a new one. It is
 * kept on the response for the writers to send (`res.setHeader` here would push every answer's
 * `writeHead` onto Node's slower header-merging path) and returned for log lines.
 */
export function assignCorrelationId(req: IncomingMessage, res: ServerResponse): string {
    const sent = req.headers[correlationHeader];
    const id = typeof sent === "string" && acceptable.test(sent) ? sent : randomUuid();
    (res as Correlated)[correlationId] = id;
    return id;
}

/** The correlation id assigned to this response, if any. */
export function correlationIdOf(res: ServerResponse): string | undefined {
    return (res as Correlated)[correlationId];
}

/**
 * Marks the answer as depending on the request's Origin (CORS). Like the correlation id it is kept
 * on the response for the writers: one `res.setHeader` before `writeHead` sends every answer through
 * Node's header-merging path, which costs more per request than the rest of the host's header work.
 */
export function varyByOrigin(res: ServerResponse): void {
    (res as Correlated)[variesByOrigin] = true;
}

/** The headers every writer adds to its own: the correlation id and, on CORS routes, `Vary: Origin`. */
export function carriedHeaders(res: ServerResponse): Record<string, string> {
    const carried = res as Correlated;
    const headers: Record<string, string> = {};
    if (carried[variesByOrigin]) headers.vary = "Origin";
    if (carried[correlationId] !== undefined) headers[correlationHeader] = carried[correlationId];
    return headers;
}

/** `carriedHeaders` appended to a flat `[name, value, ...]` list, unless the list names them already. */
export function pushCarriedHeaders(res: ServerResponse, list: (string | number)[]): void {
    const carried = res as Correlated;
    if (carried[variesByOrigin] && !list.includes("vary")) list.push("vary", "Origin");
    const id = carried[correlationId];
    if (id !== undefined) list.push(correlationHeader, id);
}
