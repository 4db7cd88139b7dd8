import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LocalGateway } from "../src/gateway";
import type { StackSource } from "../src/stack-source";
import { testSource } from "./support/test-source";

/** The cors element on small documents and a fake backend (no synthesis). */
describe("local gateway: cors as APIM documents it", function () {
    this.timeout(20_000);
    let backend: Server;
    let backendUrl: string;
    let calls = 0;

    const sourceWith = (cors: string): StackSource =>
        testSource({
            apis: [
                {
                    id: "api",
                    path: "api",
                    name: "API",
                    policy: `<policies><inbound>${cors}<base /><set-backend-service backend-id="tools" /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`,
                },
            ],
            operations: [{ apiId: "api", id: "get", method: "GET", urlTemplate: "/items", name: "get" }],
        });
    const withDefaults = `<cors allow-credentials="true">
        <allowed-origins><origin>https://app.example.com</origin></allowed-origins>
        <allowed-headers><header>x-custom</header></allowed-headers>
        <expose-headers><header>x-total</header></expose-headers>
    </cors>`;

    before(async () => {
        backend = createServer((_req, res) => {
            calls++;
            res.writeHead(200, { "content-type": "application/json" }).end("[]");
        });
        await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
        backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    });
    after(async () => new Promise<void>((resolve) => backend.close(() => resolve())));

    const withGateway = async (cors: string, run: (url: string) => Promise<void>) => {
        const gateway = await LocalGateway.start({ source: sourceWith(cors), backendUrl });
        try {
            await run(gateway.url);
        } finally {
            await gateway.close();
        }
    };

    it("ends an unmatched simple GET with an empty 200 by default (terminate-unmatched-request)", () =>
        withGateway(withDefaults, async (url) => {
            const before = calls;
            const res = await fetch(`${url}/api/items`, { headers: { origin: "https://evil.example.com" } });
            assert.equal(res.status, 200);
            assert.equal(await res.text(), "");
            assert.equal(res.headers.get("access-control-allow-origin"), null);
            assert.equal(calls, before, "the backend is not called");
        }));

    it("marks a matched request's answer: origin, credentials, exposed headers", () =>
        withGateway(withDefaults, async (url) => {
            const res = await fetch(`${url}/api/items`, { headers: { origin: "https://app.example.com" } });
            assert.equal(await res.text(), "[]");
            assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example.com");
            assert.equal(res.headers.get("access-control-allow-credentials"), "true");
            assert.equal(res.headers.get("access-control-expose-headers"), "x-total");
        }));

    it("answers a preflight for a method or header not allowed with an empty 200 (GET and POST by default)", () =>
        withGateway(withDefaults, async (url) => {
            const preflight = (method: string, headers: string) =>
                fetch(`${url}/api/items`, {
                    method: "OPTIONS",
                    headers: {
                        origin: "https://app.example.com",
                        "access-control-request-method": method,
                        "access-control-request-headers": headers,
                    },
                });
            const allowed = await preflight("POST", "X-Custom");
            assert.equal(allowed.headers.get("access-control-allow-origin"), "https://app.example.com");
            assert.equal(allowed.headers.get("access-control-allow-methods"), "GET,POST");
            for (const refused of [
                await preflight("DELETE", "x-custom"),
                await preflight("GET", "authorization"),
            ]) {
                assert.equal(refused.status, 200);
                assert.equal(refused.headers.get("access-control-allow-origin"), null);
            }
        }));

    for (const [name, cors, message] of [
        [
            "children out of the documented order",
            `<cors><allowed-headers><header>a</header></allowed-headers><allowed-origins><origin>https://a.example</origin></allowed-origins></cors>`,
            /in the order allowed-origins, allowed-methods/,
        ],
        [
            "credentials with the origin *",
            `<cors allow-credentials="true"><allowed-origins><origin>*</origin></allowed-origins><allowed-headers><header>a</header></allowed-headers></cors>`,
            /cannot be combined with the origin "\*"/,
        ],
        [
            "an origin with a path",
            `<cors><allowed-origins><origin>https://a.example/app</origin></allowed-origins><allowed-headers><header>a</header></allowed-headers></cors>`,
            /is not an origin URI/,
        ],
    ] as const) {
        it(`refuses to load ${name}`, async () => {
            await assert.rejects(LocalGateway.start({ source: sourceWith(cors), backendUrl }), message);
        });
    }
});
