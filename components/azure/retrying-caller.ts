/**
 * Retry rules for clients that call Azure right after the stack created what they call and granted
 * the roles they use. Transient failures (network errors, 429, 5xx) are retried a bounded number
 * of times with exponential backoff; 401/403 get a separate, time-bounded budget, because a fresh
 * role assignment takes minutes to apply; everything ends at one deadline. The clock is injectable
 * so tests drive minutes of retries without waiting. No Pulumi imports.
 */

export interface RetryOptions {
    /** Give up after this long overall. */
    readonly timeoutMs: number;
    /** Attempts per call before a transient failure becomes fatal (default 5). */
    readonly maxAttempts?: number;
    /** First retry delay after a transient failure; doubles per attempt (default 2 s). */
    readonly initialBackoffMs?: number;
    /** How long 401/403 answers keep being retried, from the first one (default 10 min). */
    readonly authRetryMs?: number;
    /** Delay between retries of a 401/403 (default 15 s). */
    readonly authRetryIntervalMs?: number;
    readonly log?: (message: string) => void;
    /** Clock and sleep (tests inject both; defaults are Date.now and setTimeout). */
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
}

export interface CallOptions {
    /** The error thrown when the deadline passes during this call. */
    readonly timeoutMessage: string;
    /** Why a 401/403 would last: the role that is likely not in effect yet. */
    readonly authCause: string;
}

const httpRefusal = "http";

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isTransientStatus(status: number): boolean {
    return status === 429 || status >= 500;
}

function isAuthFailureStatus(status: number): boolean {
    return status === 401 || status === 403;
}

/** One client operation's retries: the 401/403 budget and the deadline are shared by its calls. */
export class RetryingCaller {
    public readonly deadline: number;
    private readonly clock: () => number;
    private readonly pause: (ms: number) => Promise<void>;
    /** When each kind of refusal (HTTP 401/403, or a caller-defined one) started, while it lasts. */
    private readonly refusedSince: Map<string, number>;
    /** Errors this caller raised: they pass through its own catch unchanged. */
    private readonly raised: WeakSet<Error>;

    constructor(
        private readonly options: RetryOptions,
        /** Builds the client's own error type. */
        private readonly makeError: (message: string) => Error,
    ) {
        // Assigned here, not as field initializers: dynamic providers are serialized by Pulumi,
        // which rebuilds a class from its constructor and methods and drops field initializers.
        this.refusedSince = new Map();
        this.raised = new WeakSet();
        this.clock = options.now ?? Date.now;
        this.pause = options.sleep ?? defaultSleep;
        this.deadline = this.clock() + options.timeoutMs;
    }

    now(): number {
        return this.clock();
    }

    /** Milliseconds left before the deadline (at least 1, for AbortSignal.timeout). */
    remainingMs(): number {
        return Math.max(1, this.deadline - this.clock());
    }

    /** Sends until the answer is neither transient nor 401/403, within the budgets. */
    async call(what: string, send: () => Promise<Response>, opts: CallOptions): Promise<Response> {
        const attempts = this.options.maxAttempts ?? 5;
        let delay = this.options.initialBackoffMs ?? 2000;
        for (let attempt = 1; ;) {
            if (this.clock() >= this.deadline) throw this.fail(opts.timeoutMessage);
            let failure: string;
            try {
                const res = await send();
                if (isAuthFailureStatus(res.status)) {
                    await this.waitOutAuthFailure(
                        `${what} answered ${res.status}`,
                        await bodyText(res),
                        opts,
                    );
                    continue;
                }
                this.refusedSince.delete(httpRefusal);
                if (!isTransientStatus(res.status)) return res;
                failure = `${res.status} ${await bodyText(res)}`;
                const retryAfter = Number(res.headers.get("retry-after"));
                if (Number.isFinite(retryAfter) && retryAfter > 0) delay = Math.max(delay, retryAfter * 1000);
            } catch (err) {
                if (this.isOwnError(err)) throw err;
                if (this.clock() >= this.deadline) throw this.fail(opts.timeoutMessage);
                failure = err instanceof Error ? err.message : String(err);
            }
            if (attempt >= attempts) throw this.fail(`${what} failed after ${attempts} attempts: ${failure}`);
            this.options.log?.(`${what} attempt ${attempt} failed (${failure}); retrying in ${delay} ms`);
            await this.sleep(delay, opts.timeoutMessage);
            delay *= 2;
            attempt++;
        }
    }

    /**
     * Waits before retrying something refused for lack of access, or throws once refusals have
     * lasted longer than the budget, naming the likely cause. `refusal` says what was refused;
     * `kind` keeps the budget of one kind of refusal apart from others (HTTP 401/403 by default).
     */
    async waitOutAuthFailure(
        refusal: string,
        detail: string,
        opts: CallOptions,
        kind = httpRefusal,
    ): Promise<void> {
        const budget = this.options.authRetryMs ?? 10 * 60_000;
        const since = this.refusedSince.get(kind) ?? this.clock();
        this.refusedSince.set(kind, since);
        const elapsed = this.clock() - since;
        if (elapsed >= budget) {
            throw this.fail(
                `${refusal} for ${Math.round(elapsed / 1000)} s (${detail || "no details"}): ${opts.authCause}`,
            );
        }
        const wait = this.options.authRetryIntervalMs ?? 15_000;
        this.options.log?.(
            `${refusal}; a new role assignment may not be in effect yet, retrying in ${wait} ms`,
        );
        await this.sleep(wait, opts.timeoutMessage);
    }

    /** Sleeps `ms` (capped at the deadline); throws `timeoutMessage` if the deadline passes. */
    async sleep(ms: number, timeoutMessage: string): Promise<void> {
        const left = this.deadline - this.clock();
        if (left <= 0) throw this.fail(timeoutMessage);
        await this.pause(Math.min(ms, left));
        if (this.clock() >= this.deadline) throw this.fail(timeoutMessage);
    }

    private fail(message: string): Error {
        const error = this.makeError(message);
        this.raised.add(error);
        return error;
    }

    private isOwnError(err: unknown): boolean {
        return err instanceof Error && this.raised.has(err);
    }
}

/** A response body for an error message, bounded; never throws. */
export async function bodyText(res: Response): Promise<string> {
    try {
        return (await res.text()).slice(0, 500);
    } catch {
        return "";
    }
}
