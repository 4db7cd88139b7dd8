/**
 * How long snippet storage may take. A stalled connection (storage accepts, then sends nothing)
 * must cost a bounded wait, never a hung request.
 */
export interface StorageTimeouts {
    readonly tryMs: number;
    readonly triesOnTimeout: number;
    readonly sdkMaxTries: number;
    readonly sdkRetryDelayMs: number;
    readonly sdkMaxRetryDelayMs: number;
    readonly operationMs: number;
}

export const storageTimeouts: StorageTimeouts = {
    /**
     * One try, measured here on the client. The SDK's own `tryTimeoutInMs` only asks the service to
     * give up (the `timeout` query parameter) and does nothing when the network stalls.
     */
    tryMs: 3_000,
    /** Tries of an operation whose try timed out; every snippet operation is safe to repeat. */
    triesOnTimeout: 2,
    /** Tries the SDK makes on transient answers (500, 503, connection reset), within one try above. */
    sdkMaxTries: 3,
    sdkRetryDelayMs: 200,
    sdkMaxRetryDelayMs: 1_000,
    /** A whole operation, all tries included: also bounds hosts that set no deadline of their own. */
    operationMs: 8_000,
};

/** Raised when storage did not answer in time; the message names the operation, not the endpoint. */
export class StorageTimeoutError extends Error {
    constructor(operation: string, timeoutMs: number) {
        super(`storage did not answer ${operation} within ${timeoutMs} ms`);
        this.name = "StorageTimeoutError";
    }
}

/**
 * Runs one storage operation: each try gets `tryMs`, a try that timed out is repeated up to
 * `triesOnTimeout` times, and the whole operation ends at `operationMs` or when `caller` aborts.
 * Other failures propagate at once (the SDK has already retried the transient ones).
 */
export async function runStorageOperation<T>(
    operation: string,
    caller: AbortSignal | undefined,
    limits: StorageTimeouts,
    attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
    const overall = AbortSignal.timeout(limits.operationMs);
    const bound = caller ? AbortSignal.any([caller, overall]) : overall;
    for (let tries = 1; ; tries++) {
        const tryTimeout = AbortSignal.timeout(limits.tryMs);
        try {
            return await attempt(AbortSignal.any([bound, tryTimeout]));
        } catch (error) {
            if (caller?.aborted) throw caller.reason;
            if (overall.aborted) throw new StorageTimeoutError(operation, limits.operationMs);
            if (!tryTimeout.aborted) throw error;
            if (tries >= limits.triesOnTimeout) throw new StorageTimeoutError(operation, limits.tryMs);
        }
    }
}
