/** One server-sent event. */
export interface ServerSentEvent {
    readonly event: string;
    readonly data: string;
}

/**
 * Opens an event stream with fetch and yields its events as they arrive (a minimal reader for
 * tests that must see exactly what went down the wire, comments excluded).
 */
export async function openEventStream(
    url: string,
    headers: Record<string, string> = {},
): Promise<{ events: AsyncGenerator<ServerSentEvent>; close: () => Promise<void> }> {
    const controller = new AbortController();
    const res = await fetch(url, {
        headers: { accept: "text/event-stream", ...headers },
        signal: controller.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`event stream answered ${res.status}`);
    const reader = res.body.getReader();
    async function* events(): AsyncGenerator<ServerSentEvent> {
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            buffer += decoder.decode(value, { stream: true });
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
    return {
        events: events(),
        close: async () => {
            controller.abort();
            await reader.cancel().catch(() => undefined);
        },
    };
}
