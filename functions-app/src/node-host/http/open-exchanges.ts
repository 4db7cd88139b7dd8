import type { IncomingMessage, ServerResponse } from "node:http";
import { isPromise, type MaybePromise } from "../../maybe-promise";
import type { Tracing } from "../../tracing/tracing";
import { BodyTooLargeError, collectBody } from "./respond";

/** What becomes of an exchange whose work threw or rejected: logged, answered 500 or dropped. */
export type ExchangeFailure = (req: IncomingMessage, res: ServerResponse, error: unknown) => void;

/**
 * The exchanges the host is still working on. A shutdown makes each close its connection once
 * answered (keep-alive would otherwise hold the stopping replica's connections open), and work
 * that throws or rejects is answered by `failed` instead of ending the process.
 */
export class OpenExchanges {
    private readonly open = new Set<ServerResponse>();

    constructor(
        private readonly failed: ExchangeFailure,
        private readonly tracing: Tracing,
    ) {}

    /** Counts the exchange open until `pending` settles. */
    track(req: IncomingMessage, res: ServerResponse, pending: Promise<void>): void {
        this.open.add(res);
        pending.then(
            () => this.open.delete(res),
            (error: unknown) => this.fail(req, res, error),
        );
    }

    /**
     * Collects the body (at most `limit` bytes; `tooLarge` answers a longer one), then answers from
     * it with `answer`, in the span active now. The answer runs from the request's `end` event with
     * no promise in between: a tool call answered without I/O is answered in that same turn.
     */
    answerFromBody(
        req: IncomingMessage,
        res: ServerResponse,
        limit: number,
        answer: (body: Buffer) => MaybePromise<void>,
        tooLarge: (res: ServerResponse) => void,
    ): void {
        this.open.add(res);
        // The body's events run in the connection's context, not this request's span.
        const inSpan = this.tracing.bindActiveSpan(answer);
        collectBody(req, limit, (error, body) => {
            if (error instanceof BodyTooLargeError) {
                this.open.delete(res);
                tooLarge(res);
            } else if (error || !body) this.fail(req, res, error);
            else this.settle(req, res, inSpan, body);
        });
    }

    /** From now on the open exchanges close their connections once answered. */
    closeAfterAnswers(): void {
        for (const res of this.open) closeAfterAnswer(res);
    }

    private settle(
        req: IncomingMessage,
        res: ServerResponse,
        answer: (body: Buffer) => MaybePromise<void>,
        body: Buffer,
    ): void {
        let pending: MaybePromise<void>;
        try {
            pending = answer(body);
        } catch (error) {
            this.fail(req, res, error);
            return;
        }
        if (isPromise(pending)) this.track(req, res, pending);
        else this.open.delete(res);
    }

    /** Answers an exchange whose work threw or rejected. */
    fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
        this.open.delete(res);
        this.failed(req, res, error);
    }
}

/**
 * The answer says `Connection: close` and Node ends the socket once it is sent (unless it has been
 * sent already): during a shutdown keep-alive clients reconnect elsewhere, and the process exits
 * with its last answer instead of waiting for idle keep-alive sockets until the grace period ends.
 */
export function closeAfterAnswer(res: ServerResponse): void {
    if (!res.headersSent) res.shouldKeepAlive = false;
}
