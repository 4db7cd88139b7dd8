/** The one way the kit calls an endpoint: a timeout, and failures named after what was called. */

export interface HttpOptions {
    /** Milliseconds before a call is abandoned; default 10 s. */
    readonly timeoutMs?: number;
    /** Replaces the global fetch (tests, proxies). */
    readonly fetch?: typeof fetch;
}

export interface HttpAnswer {
    readonly status: number;
    readonly headers: Headers;
    readonly text: string;
}

/** Sends the request; network failures and timeouts reject with the underlying error. */
export async function call(
    url: string | URL,
    init: RequestInit,
    options: HttpOptions = {},
): Promise<HttpAnswer> {
    const response = await (options.fetch ?? fetch)(url, {
        ...init,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
}

/** JSON from an answer's text, or undefined when it is not JSON. */
export function jsonOf(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}

/** Why a call failed, in words, without the request's secrets. */
export function reason(error: unknown): string {
    if (error instanceof Error) {
        if (error.name === "TimeoutError") return "timed out";
        const cause = (error as { cause?: { code?: unknown } }).cause;
        return typeof cause?.code === "string" ? `${error.message} (${cause.code})` : error.message;
    }
    return String(error);
}
