import { isPromise, type MaybePromise } from "./maybe-promise";

/** Raised when work did not finish within its bound. */
export class DeadlineExceededError extends Error {
    constructor(readonly timeoutMs: number) {
        super(`did not finish within ${timeoutMs} ms`);
        this.name = "DeadlineExceededError";
    }
}

/** What work under a deadline may read: the signal that aborts when the deadline passes. */
export interface Deadline {
    readonly signal: AbortSignal;
}

/**
 * Runs `work` with a signal that aborts after `timeoutMs`, and settles by then whatever `work`
 * does: a dependency that ignores the signal (or hangs before looking at it) cannot hold the caller.
 */
export async function withinDeadline<T>(
    timeoutMs: number,
    work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
    return underDeadline(timeoutMs, (deadline) => work(deadline.signal));
}

/**
 * `withinDeadline` for work that may finish synchronously, whose signal is made only when `work`
 * reads it: most tool calls never touch storage, and an AbortController per call was a fifth of the
 * host's CPU per hello_mcp call (a profile under `npm run bench`). The timer is armed when the work
 * reads its signal or returns a promise, whichever comes first, so work that returns a value at once
 * (which no timer could have interrupted) costs none, and a result comes back as it came: a value or
 * a promise that settles by the deadline. A signal first read after the deadline passed is aborted.
 */
export function underDeadline<T>(
    timeoutMs: number,
    work: (deadline: Deadline) => MaybePromise<T>,
): MaybePromise<T> {
    const bound = new Bound(timeoutMs);
    let result: MaybePromise<T>;
    try {
        result = work(bound);
    } catch (error) {
        bound.disarm();
        throw error;
    }
    if (!isPromise(result)) {
        bound.disarm();
        return result;
    }
    const pending = result;
    return new Promise<T>((resolve, reject) => {
        bound.arm(reject);
        pending.then(
            (value) => {
                bound.disarm();
                resolve(value);
            },
            (error: unknown) => {
                bound.disarm();
                // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the work's own rejection, passed on unchanged
                reject(error);
            },
        );
    });
}

/** The deadline of one piece of work: its timer and, once read, its signal. */
class Bound implements Deadline {
    private controller: AbortController | undefined;
    private exceeded: DeadlineExceededError | undefined;
    private timer: NodeJS.Timeout | undefined;
    private expire: ((error: DeadlineExceededError) => void) | undefined;

    constructor(private readonly timeoutMs: number) {}

    get signal(): AbortSignal {
        if (!this.controller) {
            this.controller = new AbortController();
            if (this.exceeded) this.controller.abort(this.exceeded);
            else this.arm();
        }
        return this.controller.signal;
    }

    /** Starts the timer if it is not running; `expire` hears when it fires. */
    arm(expire?: (error: DeadlineExceededError) => void): void {
        if (expire) this.expire = expire;
        if (this.timer || this.exceeded) return;
        this.timer = setTimeout(() => {
            this.exceeded = new DeadlineExceededError(this.timeoutMs);
            this.controller?.abort(this.exceeded);
            this.expire?.(this.exceeded);
        }, this.timeoutMs);
    }

    disarm(): void {
        clearTimeout(this.timer);
        this.expire = undefined;
    }
}
