/** Raised when work did not finish within its bound. */
export class DeadlineExceededError extends Error {
    constructor(readonly timeoutMs: number) {
        super(`did not finish within ${timeoutMs} ms`);
        this.name = "DeadlineExceededError";
    }
}

/**
 * Runs `work` with a signal that aborts after `timeoutMs`, and settles by then whatever `work`
 * does: a dependency that ignores the signal (or hangs before looking at it) cannot hold the caller.
 */
export async function withinDeadline<T>(
    timeoutMs: number,
    work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            const error = new DeadlineExceededError(timeoutMs);
            controller.abort(error);
            reject(error);
        }, timeoutMs);
    });
    try {
        return await Promise.race([work(controller.signal), expired]);
    } finally {
        clearTimeout(timer);
    }
}
