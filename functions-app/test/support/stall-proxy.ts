import { createServer, connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/** A TCP proxy in front of a service that can stall it: connections are accepted, nothing flows. */
export interface StallProxy {
    /** host:port of the proxy, to put in place of the service's. */
    readonly address: string;
    /** From now on, no byte moves in either direction, on open or new connections. */
    stall(): void;
    /** Bytes held back are delivered and traffic flows again. */
    resume(): void;
    close(): Promise<void>;
}

/** One direction of a connection: forwards while flowing, holds bytes while stalled. */
class Pipe {
    private held: Buffer[] = [];
    constructor(
        private readonly to: Socket,
        private readonly flowing: () => boolean,
    ) {}
    push(chunk: Buffer): void {
        if (this.flowing() && this.held.length === 0) this.to.write(chunk);
        else this.held.push(chunk);
    }
    flush(): void {
        for (const chunk of this.held) this.to.write(chunk);
        this.held = [];
    }
}

export async function startStallProxy(target: { host: string; port: number }): Promise<StallProxy> {
    let stalled = false;
    const pipes = new Set<Pipe>();
    const sockets = new Set<Socket>();
    const track = (socket: Socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => socket.destroy());
    };
    const server = createServer((client) => {
        track(client);
        const upstream = connect(target.port, target.host);
        track(upstream);
        const up = new Pipe(upstream, () => !stalled);
        const down = new Pipe(client, () => !stalled);
        pipes.add(up).add(down);
        client.on("data", (chunk: Buffer) => up.push(chunk));
        upstream.on("data", (chunk: Buffer) => down.push(chunk));
        const end = () => {
            pipes.delete(up);
            pipes.delete(down);
            client.destroy();
            upstream.destroy();
        };
        client.on("close", end);
        upstream.on("close", end);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        address: `127.0.0.1:${port}`,
        stall: () => (stalled = true),
        resume: () => {
            stalled = false;
            for (const pipe of pipes) pipe.flush();
        },
        close: () =>
            new Promise<void>((resolve) => {
                for (const socket of sockets) socket.destroy();
                server.close(() => resolve());
            }),
    };
}
