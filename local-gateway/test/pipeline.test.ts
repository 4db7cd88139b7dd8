import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LocalGateway } from "../src/gateway";
import type { StackSource } from "../src/stack-source";
import { testSource } from "./support/test-source";

/** Scope composition, on-error and streaming, on small documents and a fake backend (no synthesis). */
describe("local gateway pipeline: <base /> composition, on-error, streaming", function () {
    this.timeout(20_000);
    let backend: Server;
    let gateway: LocalGateway;
    const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
    let releaseSecondEvent: () => void = () => undefined;
    let streamClosed: Promise<void> = Promise.resolve();

    const append = (value: string) =>
        `<set-header name="x-order" exists-action="append"><value>${value}</value></set-header>`;
    const source = (): StackSource =>
        testSource({
            globalPolicy: `<policies><inbound>${append("global")}</inbound><backend><forward-request buffer-response="false" /></backend><outbound /><on-error /></policies>`,
            apis: [
                {
                    id: "api",
                    path: "api",
                    name: "API",
                    policy: `<policies>
                    <inbound>${append("api-before")}<base />${append("api-after")}<set-backend-service backend-id="tools" /></inbound>
                    <backend><base /></backend>
                    <outbound><base /><set-header name="x-outbound" exists-action="override"><value>@(context.Response.StatusCode.ToString())</value></set-header></outbound>
                    <on-error><base />
                        <return-response>
                            <set-status code="418" reason="Policy failed" />
                            <set-header name="x-error" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason + "/" + context.LastError.Section)</value></set-header>
                        </return-response>
                    </on-error>
                </policies>`,
                },
            ],
            operations: [
                {
                    apiId: "api",
                    id: "stream",
                    method: "GET",
                    urlTemplate: "/stream",
                    name: "stream",
                    policy: `<policies><inbound><base /><rewrite-uri template="/events" /></inbound></policies>`,
                },
                {
                    apiId: "api",
                    id: "read",
                    method: "GET",
                    urlTemplate: "/read",
                    name: "read",
                    // Reads the streamed body only when asked: only then may it be buffered.
                    policy: `<policies><inbound><base /><rewrite-uri template="/events" /></inbound><outbound><base />
                    <choose><when condition="@(context.Request.Headers.GetValueOrDefault(&quot;x-read&quot;, &quot;&quot;) == &quot;yes&quot;)">
                        <set-header name="x-body-length" exists-action="override"><value>@(context.Response.Body.As&lt;string&gt;(preserveContent: true).Length.ToString())</value></set-header>
                    </when></choose></outbound></policies>`,
                },
                {
                    apiId: "api",
                    id: "broken",
                    method: "GET",
                    urlTemplate: "/broken",
                    name: "broken",
                    policy: `<policies><inbound><base /><set-variable name="n" value="@(((string)context.Variables[&quot;missing&quot;]).Length)" /></inbound></policies>`,
                },
            ],
            namedValues: new Map([["tools-key", "local-key"]]),
            backends: new Map([
                [
                    "tools",
                    { url: "https://tools.example", headers: [["x-functions-key", ["{{tools-key}}"]]] },
                ],
            ]),
        });

    before(async () => {
        backend = createServer((req, res: ServerResponse) => {
            seen.push({ path: req.url ?? "", headers: req.headers });
            res.writeHead(200, { "content-type": "text/event-stream" });
            res.write("event: one\ndata: 1\n\n");
            let closed!: () => void;
            streamClosed = new Promise((resolve) => (closed = resolve));
            res.on("close", () => closed());
            releaseSecondEvent = () => res.end("event: two\ndata: 2\n\n");
        });
        await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
        gateway = await LocalGateway.start({
            source: source(),
            backendUrl: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`,
        });
    });
    after(async () => {
        await gateway?.close();
        backend.closeAllConnections();
        await new Promise((resolve) => backend.close(resolve));
    });

    it("runs <base /> where it stands in each scope, and forwards to the rewritten path", async () => {
        const res = await fetch(`${gateway.url}/api/stream`);
        releaseSecondEvent();
        await res.text();
        assert.equal(seen.at(-1)?.path, "/events");
        assert.equal(seen.at(-1)?.headers["x-order"], "api-before,global,api-after");
        assert.equal(res.headers.get("x-outbound"), "200");
        assert.equal(
            seen.at(-1)?.headers["x-functions-key"],
            "local-key",
            "the backend entity's credential header",
        );
    });

    it("streams a response event by event (buffer-response=false)", async () => {
        const res = await fetch(`${gateway.url}/api/stream`);
        // fetch types its body as a stream of any; a response body is bytes.
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        // The backend has not sent the second event yet: the first arrived on its own.
        assert.match(first, /event: one/);
        assert.doesNotMatch(first, /event: two/);
        releaseSecondEvent();
        let rest = "";
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
            rest += new TextDecoder().decode(chunk.value);
        assert.match(rest, /event: two/);
    });

    it("buffers a streamed response when an outbound statement reads its body, as APIM does", async () => {
        const answer = fetch(`${gateway.url}/api/read`, { headers: { "x-read": "yes" } });
        const early = await Promise.race([
            answer.then(() => "answered"),
            new Promise((resolve) => setTimeout(() => resolve("waiting"), 300)),
        ]);
        assert.equal(early, "waiting", "nothing reaches the caller before the stream has ended");
        releaseSecondEvent();
        const res = await answer;
        const body = await res.text();
        assert.equal(body, "event: one\ndata: 1\n\nevent: two\ndata: 2\n\n");
        assert.equal(res.headers.get("x-body-length"), String(body.length));
    });

    it("keeps streaming when the statement that would read the body does not run", async () => {
        const res = await fetch(`${gateway.url}/api/read`);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        assert.match(new TextDecoder().decode((await reader.read()).value), /event: one/);
        releaseSecondEvent();
        while (!(await reader.read()).done);
        assert.equal(res.headers.get("x-body-length"), null);
    });

    it("ends the backend stream when the caller goes away", async () => {
        const abort = new AbortController();
        const res = await fetch(`${gateway.url}/api/stream`, { signal: abort.signal });
        await res.body!.getReader().read();
        abort.abort();
        await Promise.race([
            streamClosed,
            new Promise((_, reject) =>
                setTimeout(() => reject(new Error("backend stream still open")), 3000),
            ),
        ]);
    });

    it("sends an expression failure to on-error with context.LastError", async () => {
        const before = seen.length;
        const res = await fetch(`${gateway.url}/api/broken`);
        assert.equal(res.status, 418);
        assert.equal(res.headers.get("x-error"), "set-variable/ExpressionValueEvaluationFailure/inbound");
        assert.equal(seen.length, before, "the backend was not called");
    });

    it("answers an operation that does not exist with 404", async () => {
        assert.equal((await fetch(`${gateway.url}/api/other`)).status, 404);
        assert.equal((await fetch(`${gateway.url}/api/stream`, { method: "POST", body: "x" })).status, 404);
    });
});
