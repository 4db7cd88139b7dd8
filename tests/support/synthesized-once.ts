/**
 * One synthesis per request and test process: test files that read the same stack share it
 * instead of each running the program again (a synthesis takes seconds).
 */
import { synthesize, type SynthRequest, type SynthResult } from "../../scripts/lib/synthesize";

const syntheses = new Map<string, Promise<SynthResult>>();

/** The synthesis of `request`, run at most once; callers must not mutate what it returns. */
export function synthesizedOnce(request: SynthRequest): Promise<SynthResult> {
    const key = JSON.stringify(request);
    let result = syntheses.get(key);
    if (result === undefined) {
        result = synthesize(request);
        syntheses.set(key, result);
    }
    return result;
}
