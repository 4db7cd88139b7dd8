/** One server-sent event. */
export interface ServerSentEvent {
    readonly event: string;
    readonly data: string;
}

export interface EventStream {
    readonly events: AsyncGenerator<ServerSentEvent, void>;
    /** The next event; rejects when the stream ends first. */
    readonly next: () => Promise<ServerSentEvent>;
    readonly close: () => Promise<void>;
}

/**
 * Opens an event stream with fetch and yields its events as they arrive (a minimal reader for
 * tests that must see exactly what went down the wire, comments excluded).
 */
export async function openEventStream(
    url: string,
    headers: Record<string, string> = {},
): Promise<EventStream> {
    const controller = new AbortController();
    const res = await fetch(url, {
        headers: { accept: "text/event-stream", ...headers },
        signal: controller.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`event stream answered ${res.status}`);
    const reader = res.body.getReader();
    async function* events(): AsyncGenerator<ServerSentEvent, void> {
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
            const read = await reader.read();
            if (read.done) return;
            const chunk: unknown = read.value;
            if (!(chunk instanceof Uint8Array))
                throw new Error("the event stream yielded something other than bytes");
            buffer += decoder.decode(chunk, { stream: true });
            let end: number;
            while ((end = buffer.indexOf("\n\n")) !== -1) {
                const block = buffer.slice(0, end);
                buffer = buffer.slice(end + 2);
                let event = "message";
                const data: string[] = [];
                for (const line of block.split("\n")) {
                    if (line.startsWith("event: ")) event = line.slice(7);
                    else if (line.startsWith("data: ")) data.push(line.slice(6));
                }
                if (data.length > 0) yield { event, data: data.join("\n") };
            }
        }
    }
    const stream = events();
    return {
        events: stream,
        next: async () => {
            const { value, done } = await stream.next();
            if (done) throw new Error(`the event stream from ${url} ended`);
            return value;
        },
        close: async () => {
            controller.abort();
            await reader.cancel().catch(() => undefined);
        },
    };
}
