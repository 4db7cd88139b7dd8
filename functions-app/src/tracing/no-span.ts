import type { StartedSpan } from "./tracing";

/**
 * The span of work nothing records (tracing off, an unsampled trace, work outside any request):
 * every call does nothing and work runs as it is. Both the entry and the span recorder use it.
 */
export const noSpan: StartedSpan = Object.freeze({
    recording: false,
    setAttributes: () => undefined,
    fail: () => undefined,
    run: <T>(work: () => T): T => work(),
    end: () => undefined,
});
