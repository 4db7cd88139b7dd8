/**
 * The child process of `npm run bench -- --local-gateway`: the dev stack's control plane (the local
 * gateway, the tool host, the Entra and Content Safety stand-ins; Azurite runs in a process of its
 * own) as `npm start` runs it, from the checkout given as the first argument, so an earlier build
 * can run beside this one. Answers its parent over IPC: tokens to call with, and this process's CPU
 * time, which is the figure the benchmark divides by the calls.
 */
import { randomUUID } from "node:crypto";
import * as path from "node:path";

/** What the parent asks. */
export type PlaneRequest =
    | { readonly kind: "token"; readonly id: number; readonly roles: readonly string[] }
    | { readonly kind: "cpu"; readonly id: number }
    | { readonly kind: "stop"; readonly id: number };

/** What the child answers: first `ready`, then one answer per request. */
export type PlaneMessage =
    | { readonly kind: "ready"; readonly mcpUrl: string }
    | { readonly kind: "answer"; readonly id: number; readonly value: string | number };

interface Plane {
    readonly source: { readonly mcpAppClientId: string };
    readonly urls: { readonly mcp: string };
    readonly tokens: { mint(claims: Record<string, unknown>): Promise<string> };
    stop(): Promise<void>;
}

async function main(): Promise<void> {
    const root = path.resolve(process.argv[2] ?? ".");
    const harness = (await import(path.join(root, "local-gateway/src/harness.ts"))) as {
        startLocalControlPlane(options: { stack: string }): Promise<Plane>;
    };
    // That checkout's own stack file and synthesis (it resolves both from its own folder).
    const plane = await harness.startLocalControlPlane({ stack: "dev" });
    const send = (message: PlaneMessage) => process.send?.(message);
    process.on("message", (request: PlaneRequest) => {
        const answer = async (): Promise<string | number> => {
            switch (request.kind) {
                case "token":
                    // A caller of its own per token, so no round spends another's rate-limit window.
                    return plane.tokens.mint({
                        aud: plane.source.mcpAppClientId,
                        azp: randomUUID(),
                        roles: request.roles,
                    });
                case "cpu": {
                    const { user, system } = process.cpuUsage();
                    return (user + system) / 1000;
                }
                case "stop":
                    await plane.stop();
                    setImmediate(() => process.exit(0));
                    return 0;
            }
        };
        void answer().then((value) => send({ kind: "answer", id: request.id, value }));
    });
    send({ kind: "ready", mcpUrl: plane.urls.mcp });
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
