import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A token request to the managed identity endpoint, as App Service and Functions serve it. */
export interface IdentityTokenRequest {
    readonly query: Readonly<Record<string, string>>;
    readonly identityHeader: string | undefined;
}

/**
 * A stand-in for the managed identity endpoint App Service and Functions give a site
 * (`IDENTITY_ENDPOINT`, plain http on loopback, guarded by the `X-IDENTITY-HEADER` secret in
 * `IDENTITY_HEADER`): answers every request carrying the secret with `accessToken`.
 */
export interface FakeAppServiceIdentity {
    /** IDENTITY_ENDPOINT */
    readonly endpoint: string;
    /** IDENTITY_HEADER */
    readonly secret: string;
    readonly tokenRequests: IdentityTokenRequest[];
    close(): Promise<void>;
}

export async function startFakeAppServiceIdentity(accessToken: string): Promise<FakeAppServiceIdentity> {
    const secret = "identity-header-secret";
    const tokenRequests: IdentityTokenRequest[] = [];
    const server: Server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const identityHeader = req.headers["x-identity-header"];
        const header = typeof identityHeader === "string" ? identityHeader : undefined;
        tokenRequests.push({ query: Object.fromEntries(url.searchParams), identityHeader: header });
        if (req.method !== "GET" || url.pathname !== "/msi/token" || header !== secret) {
            res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
            return;
        }
        const expiresOn = Math.floor(Date.now() / 1000) + 3600;
        res.writeHead(200, { "content-type": "application/json" }).end(
            JSON.stringify({
                access_token: accessToken,
                expires_on: String(expiresOn),
                resource: url.searchParams.get("resource"),
                token_type: "Bearer",
                client_id: url.searchParams.get("client_id"),
            }),
        );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}/msi/token`,
        secret,
        tokenRequests,
        close: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
