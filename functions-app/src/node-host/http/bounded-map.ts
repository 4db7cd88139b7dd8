/**
 * Maps `items` through `fn` with at most `concurrency` calls running, results in input order.
 * Each worker yields to the event loop after every item, so a large batch shares the process with
 * other requests (probes, other clients) instead of holding it until the batch is done.
 */
export async function mapBounded<T, R>(
    items: readonly T[],
    concurrency: number,
    fn: (item: T) => Promise<R>,
): Promise<R[]> {
    const results = new Array<R>(items.length);
    // One iterator shared by the workers: each item is taken exactly once, in order.
    const pending = items.entries();
    const worker = async (): Promise<void> => {
        for (const [index, item] of pending) {
            results[index] = await fn(item);
            await nextTurn();
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    return results;
}

/** `node:timers/promises` would be one more module to load at start for this one use. */
function nextTurn(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
}
