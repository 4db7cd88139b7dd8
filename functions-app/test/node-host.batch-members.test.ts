import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { backendPaths, toolNames } from "../src/contract";
import { startHostFromSource, type HostProcess } from "./support/host-process";
import { openEventStream, type ServerSentEvent } from "./support/sse-stream";

/** Blob storage that refuses every request (403), so a tool call that reaches it throws. */
async function startRefusingStorage(): Promise<{ connectionString: string; server: Server }> {
    const server = createServer((req, res) => {
        req.resume();
        const body =
            '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationFailure</Code>' +
            "<Message>This request is not authorized.</Message></Error>";
        res.writeHead(403, { "content-type": "application/xml", "x-ms-error-code": "AuthorizationFailure" });
        res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const account = "devstoreaccount1";
    const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    return {
        server,
        connectionString:
            `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};` +
            `BlobEndpoint=http://127.0.0.1:${port}/${account};`,
    };
}

interface Answer {
    readonly jsonrpc: string;
    readonly id: string | number | null;
    readonly result?: { isError?: boolean; content?: { text: string }[]; tools?: unknown[] };
    readonly error?: { code: number; message: string };
}

const request = (id: unknown, method: string, params?: object) => ({
    jsonrpc: "2.0",
    id,
    method,
    ...(params ? { params } : {}),
});
const call = (id: string | number, name: string, args: object = {}) =>
    request(id, "tools/call", { name, arguments: args });
const initialize = (id: string | number, protocolVersion: string) =>
    request(id, "initialize", {
        protocolVersion,
        capabilities: {},
        clientInfo: { name: "batch-test", version: "1" },
    });

/**
 * A batch with good and bad members of every kind, and what each member must get back, in order:
 * `result` for a normal answer (`isError` for a tool that failed), an error code otherwise; members
 * that expect nothing (notifications, responses) are not listed.
 */
const mixedBatch: unknown[] = [
    request(1, "tools/list"),
    call("hello", toolNames.hello),
    request(2, "no/such/method"),
    request("bad-params", "tools/call", { name: 7 }),
    42,
    { id: 3, method: "ping" },
    request(null, "ping"),
    call(4, "no_such_tool"),
    { jsonrpc: "2.0", method: "notifications/initialized" },
    call("throws", toolNames.saveSnippet, { snippetname: "batch-member", snippet: "storage refuses this" }),
    // Were it run, it would move an SSE session to 2025-06-18, which has no batches.
    initialize(5, "2025-06-18"),
    { jsonrpc: "2.0", id: "late", result: {} },
    request(6.5, "ping"),
    request("last", "ping"),
];
const expected: { id: string | number | null; result?: "ok" | "tool-error"; error?: number }[] = [
    { id: 1, result: "ok" },
    { id: "hello", result: "ok" },
    { id: 2, error: -32601 },
    { id: "bad-params", error: -32602 },
    { id: null, error: -32600 },
    { id: 3, error: -32600 },
    { id: null, error: -32600 },
    { id: 4, error: -32602 },
    { id: "throws", result: "tool-error" },
    { id: 5, error: -32600 },
    { id: 6.5, error: -32600 },
    { id: "last", result: "ok" },
];

function assertMemberAnswers(answers: Answer[]): void {
    assert.deepEqual(
        answers.map((a) => a.id),
        expected.map((e) => e.id),
        "one answer per member that expects one, in order, each with its own id",
    );
    for (const [i, want] of expected.entries()) {
        const got = answers[i];
        const where = `member with id ${JSON.stringify(want.id)}: ${JSON.stringify(got)}`;
        assert.ok(got, where);
        assert.equal(got.jsonrpc, "2.0", where);
        if (want.error !== undefined) {
            assert.equal(got.result, undefined, where);
            assert.equal(got.error?.code, want.error, where);
        } else {
            assert.equal(got.error, undefined, where);
            assert.equal(got.result?.isError === true, want.result === "tool-error", where);
        }
    }
    assert.match(answers[9]?.error?.message ?? "", /initialize must not be part of a JSON-RPC batch/);
    assert.match(answers[8]?.result?.content?.[0]?.text ?? "", /failed on the server/);
}

describe("Node host: batches answered member by member (real process)", function () {
    this.timeout(30_000);
    let storage: { connectionString: string; server: Server };
    let host: HostProcess;

    before(async () => {
        storage = await startRefusingStorage();
        host = await startHostFromSource({ SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString });
    });

    after(async () => {
        const code = await host?.stop();
        storage?.server.closeAllConnections();
        await new Promise((resolve) => storage?.server.close(resolve));
        assert.equal(code, 0, "the host exits cleanly on SIGTERM");
    });

    const post = (body: string, version?: string) =>
        fetch(host.url + backendPaths.mcpStreamable, {
            method: "POST",
            headers: {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                ...(version ? { "mcp-protocol-version": version } : {}),
            },
            body,
        });

    describe("Streamable HTTP", () => {
        for (const version of ["2025-03-26", undefined]) {
            it(`answers good members normally and bad ones with their own error (${version ?? "no version header"})`, async () => {
                const res = await post(JSON.stringify(mixedBatch), version);
                assert.equal(res.status, 200);
                assert.equal(
                    res.headers.get("mcp-session-id"),
                    null,
                    "initialize in a batch opens no session",
                );
                assertMemberAnswers((await res.json()) as Answer[]);
            });
        }

        it("accepts a batch of notifications and responses with 202 and no body", async () => {
            const res = await post(
                JSON.stringify([
                    { jsonrpc: "2.0", method: "notifications/initialized" },
                    { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } },
                    { jsonrpc: "2.0", id: 9, result: {} },
                ]),
                "2025-03-26",
            );
            assert.equal(res.status, 202);
            assert.equal(await res.text(), "");
        });

        it("answers a batch of malformed members only with one Invalid Request each", async () => {
            const res = await post(JSON.stringify([1, "two", [3], { id: "x" }]), "2025-03-26");
            assert.equal(res.status, 200);
            const answers = (await res.json()) as Answer[];
            assert.deepEqual(
                answers.map((a) => [a.id, a.error?.code]),
                [
                    [null, -32600],
                    [null, -32600],
                    [null, -32600],
                    ["x", -32600],
                ],
            );
        });

        it("answers an empty array with one Invalid Request (400), not an empty batch", async () => {
            const res = await post("[]", "2025-03-26");
            assert.equal(res.status, 400);
            const body = (await res.json()) as Answer;
            assert.equal(Array.isArray(body), false);
            assert.deepEqual([body.id, body.error?.code], [null, -32600]);
        });

        it("answers a body that is not JSON with one Parse error (400)", async () => {
            const res = await post('[{"jsonrpc":"2.0","id":1,"method":"ping"},', "2025-03-26");
            assert.equal(res.status, 400);
            const body = (await res.json()) as Answer;
            assert.deepEqual([body.id, body.error?.code], [null, -32700]);
        });

        for (const version of ["2024-11-05", "2025-06-18", "2025-11-25"]) {
            it(`refuses a whole batch under ${version}, which has no batches (400, -32600)`, async () => {
                const res = await post(JSON.stringify([request(1, "ping"), request(2, "ping")]), version);
                assert.equal(res.status, 400);
                const body = (await res.json()) as Answer;
                assert.equal(body.error?.code, -32600);
                assert.match(body.error?.message ?? "", new RegExp(`not allowed with protocol ${version}`));
            });
        }
    });

    describe("legacy SSE", () => {
        /** Opens a session, initializes it at `version` unless told not to, and returns its parts. */
        async function openSession(version?: string) {
            const stream = await openEventStream(host.url + backendPaths.mcpSse);
            const next = (): Promise<ServerSentEvent> => stream.next();
            const endpoint = await next();
            assert.equal(endpoint.event, "endpoint");
            const messageUrl = new URL(endpoint.data, host.url + backendPaths.mcpSse).toString();
            const postMessage = (body: unknown) =>
                fetch(messageUrl, {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(body),
                });
            if (version) {
                assert.equal((await postMessage(initialize("init", version))).status, 202);
                const answer = JSON.parse((await next()).data) as Answer;
                assert.equal(answer.id, "init");
                assert.ok(answer.result, `initialize answered ${JSON.stringify(answer)}`);
            }
            return { next, postMessage, close: stream.close };
        }

        it("writes each member's answer on the stream: good ones normally, bad ones refused with their id", async () => {
            const session = await openSession("2025-03-26");
            try {
                const res = await session.postMessage(mixedBatch);
                assert.equal(res.status, 202);
                const answers: Answer[] = [];
                while (answers.length < expected.length)
                    answers.push(JSON.parse((await session.next()).data) as Answer);
                // The stream carries answers as they are ready: put them in the batch's order (the
                // two that echo null are alike, so either may take either place).
                const ordered = expected.map((e) => {
                    const at = answers.findIndex((a) => a.id === e.id);
                    assert.notEqual(at, -1, `no answer with id ${JSON.stringify(e.id)}`);
                    const [found] = answers.splice(at, 1);
                    assert.ok(found);
                    return found;
                });
                assertMemberAnswers(ordered);
                // The refused initialize did not run: the session still speaks 2025-03-26, so batches pass.
                assert.equal((await session.postMessage([request("after", "ping")])).status, 202);
                assert.equal((JSON.parse((await session.next()).data) as Answer).id, "after");
            } finally {
                await session.close();
            }
        });

        it("refuses a whole batch (400) once the session speaks a version without batches", async () => {
            const session = await openSession("2025-06-18");
            try {
                const res = await session.postMessage([request(1, "ping"), request(2, "ping")]);
                assert.equal(res.status, 400);
                const body = (await res.json()) as Answer;
                assert.equal(body.error?.code, -32600);
                assert.match(body.error?.message ?? "", /not allowed with protocol 2025-06-18/);
                assert.equal((await session.postMessage(request(3, "ping"))).status, 202);
                assert.equal((JSON.parse((await session.next()).data) as Answer).id, 3);
            } finally {
                await session.close();
            }
        });
    });
});
