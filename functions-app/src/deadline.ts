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
export function withinDeadline<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return underDeadline(timeoutMs, (deadline) => work(deadline.signal));
}

/**
 * `withinDeadline` whose signal is made only when `work` reads it: most tool calls never touch
 * storage, and an AbortController per call was a fifth of the host's CPU per hello_mcp call
 * (a profile under `npm run bench`). A signal first read after the deadline passed is aborted.
 */
export async function underDeadline<T>(
    timeoutMs: number,
    work: (deadline: Deadline) => Promise<T>,
): Promise<T> {
    let controller: AbortController | undefined;
    let exceeded: DeadlineExceededError | undefined;
    const deadline: Deadline = {
        get signal() {
            if (!controller) {
                controller = new AbortController();
                if (exceeded) controller.abort(exceeded);
            }
            return controller.signal;
        },
    };
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            exceeded = new DeadlineExceededError(timeoutMs);
            controller?.abort(exceeded);
            reject(exceeded);
        }, timeoutMs);
    });
    try {
        return await Promise.race([work(deadline), expired]);
    } finally {
        clearTimeout(timer);
    }
}
