import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { LoopbackCertificate } from "./loopback-certificate";

/** A token request as MSAL sends it for a client credential (workload identity: a client assertion). */
export interface TokenRequest {
    readonly tenant: string;
    readonly form: Readonly<Record<string, string>>;
}

/**
 * A stand-in for Entra ID's token service (`https://login.microsoftonline.com`, reached through
 * {@link OutboundGuard}'s routing), enough for a confidential client: the tenant's OpenID
 * metadata and a token endpoint that answers every client-credential request with `accessToken`.
 */
export interface FakeEntraTokenEndpoint {
    readonly port: number;
    readonly accessToken: string;
    /** How long the token endpoint waits before it answers (a slow Entra). */
    answerDelayMs: number;
    readonly tokenRequests: TokenRequest[];
    /** Every request, as `METHOD path`. */
    readonly requests: string[];
    close(): Promise<void>;
}

const authority = "https://login.microsoftonline.com";

export async function startFakeEntraTokenEndpoint(
    certificate: LoopbackCertificate,
    accessToken: string,
): Promise<FakeEntraTokenEndpoint> {
    const tokenRequests: TokenRequest[] = [];
    const requests: string[] = [];
    const server: Server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", authority);
            requests.push(`${req.method} ${url.pathname}`);
            const json = (status: number, body: unknown) =>
                res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
            const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
            if (req.method === "GET" && metadata) {
                const tenant = metadata[1]!;
                json(200, {
                    issuer: `${authority}/${tenant}/v2.0`,
                    authorization_endpoint: `${authority}/${tenant}/oauth2/v2.0/authorize`,
                    token_endpoint: `${authority}/${tenant}/oauth2/v2.0/token`,
                    end_session_endpoint: `${authority}/${tenant}/oauth2/v2.0/logout`,
                    jwks_uri: `${authority}/${tenant}/discovery/v2.0/keys`,
                });
                return;
            }
            const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
            if (req.method === "POST" && token) {
                const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
                tokenRequests.push({ tenant: token[1]!, form });
                setTimeout(
                    () =>
                        json(200, {
                            token_type: "Bearer",
                            expires_in: 3600,
                            ext_expires_in: 3600,
                            access_token: accessToken,
                        }),
                    fake.answerDelayMs,
                );
                return;
            }
            json(404, { error: "not_found" });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const fake: FakeEntraTokenEndpoint = {
        port,
        accessToken,
        answerDelayMs: 0,
        tokenRequests,
        requests,
        close: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
    return fake;
}
