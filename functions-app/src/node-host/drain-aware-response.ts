import {
    ServerResponse,
    type IncomingMessage,
    type OutgoingHttpHeader,
    type OutgoingHttpHeaders,
} from "node:http";

type Headers = OutgoingHttpHeaders | OutgoingHttpHeader[];

/**
 * A response class whose answers close their connection once `draining()` holds: during a
 * shutdown every answer says `Connection: close` and Node ends the socket after sending it, so
 * keep-alive clients reconnect elsewhere and the process exits when its last answer is out
 * instead of waiting for idle keep-alive sockets until the grace period runs out.
 */
export function drainAwareResponse(draining: () => boolean): typeof ServerResponse<IncomingMessage> {
    return class DrainAwareResponse extends ServerResponse<IncomingMessage> {
        override writeHead(statusCode: number, reasonOrHeaders?: string | Headers, headers?: Headers): this {
            if (draining()) this.shouldKeepAlive = false;
            return typeof reasonOrHeaders === "string"
                ? super.writeHead(statusCode, reasonOrHeaders, headers)
                : super.writeHead(statusCode, reasonOrHeaders);
        }
    };
}
