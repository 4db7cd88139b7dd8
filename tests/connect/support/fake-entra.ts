/**
 * A scriptable token endpoint for the kit's own behaviour (caching, single flight, refusals):
 * counts requests, can be slowed, and answers what the test sets. The Entra stand-in with real
 * federation checks is in the local gateway; this one only has to look like Entra on the wire.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";

export interface FakeEntra {
    readonly tokenEndpoint: string;
    /** Form bodies received, in order. */
    readonly requests: URLSearchParams[];
    /** Next answers: an access token's claims (200) or an error (status, body). */
    answer: (form: URLSearchParams) => Promise<{ status: number; body: unknown }>;
    delayMs: number;
    accessToken(claims: JWTPayload): Promise<string>;
    stop(): Promise<void>;
}

export async function startFakeEntra(): Promise<FakeEntra> {
    const { privateKey } = await generateKeyPair("RS256");
    const key: CryptoKey = privateKey;
    const accessToken = (claims: JWTPayload) =>
        new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "JWT" }).sign(key);
    const fake: FakeEntra = {
        tokenEndpoint: "",
        requests: [],
        delayMs: 0,
        accessToken,
        answer: async () => {
            const iat = Math.floor(Date.now() / 1000);
            return {
                status: 200,
                body: {
                    token_type: "Bearer",
                    expires_in: 3599,
                    access_token: await accessToken({ aud: "api://mcp", iat, exp: iat + 3599 }),
                },
            };
        },
        stop: () => Promise.resolve(),
    };
    const server = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
            const form = new URLSearchParams(body);
            fake.requests.push(form);
            void new Promise((r) => setTimeout(r, fake.delayMs))
                .then(() => fake.answer(form))
                .then(({ status, body: answer }) =>
                    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(answer)),
                );
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    Object.assign(fake, {
        tokenEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant/oauth2/v2.0/token`,
        stop: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    });
    return fake;
}
