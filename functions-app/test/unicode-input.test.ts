import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { backendPaths, toolNames } from "../src/contract";
import { sampleIncidents } from "../src/sentinel";
import type { HostProcess } from "./support/host-process";
import { startHostOnAzurite } from "./support/host-on-azurite";
import { connectClient, textOf } from "./support/mcp-clients";
import { callToolOverHttp, postMcp } from "./support/mcp-post";
import { openEventStream } from "./support/sse-stream";

const loneSurrogateMessage =
    "must be valid Unicode text (it contains a lone surrogate, such as \\ud800 on its own)";

/** A tools/call body whose snippet holds bytes that are not UTF-8 (0xFF 0xFE), sent as they are. */
function bodyWithInvalidUtf8(snippetname: string): Buffer {
    const [before, after] = JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: toolNames.saveSnippet, arguments: { snippetname, snippet: "a<bytes>b" } },
    }).split("<bytes>");
    assert.ok(before !== undefined && after !== undefined);
    return Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe]), Buffer.from(after)]);
}

async function expectParseError(res: Response): Promise<void> {
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error?: { code: number; message: string } };
    assert.deepEqual(body.error, { code: -32700, message: "Parse error: body is not valid UTF-8" });
}

describe("text that is not valid Unicode (real host, Azurite)", function () {
    let stopHost: () => Promise<number | null>;
    let host: HostProcess;
    let sse: Client;

    before(async () => {
        ({ host, stop: stopHost } = await startHostOnAzurite());
        sse = await connectClient(host.url, "sse");
    });

    after(async () => {
        await sse?.close();
        await stopHost?.();
    });

    const stored = async (snippetname: string) =>
        callToolOverHttp(host.url, toolNames.getSnippet, { snippetname });

    it("refuses a lone surrogate in a string argument on the fast path, naming the argument, and stores nothing", async () => {
        // Written by hand: the JSON escape \ud800 with no low surrogate after it.
        const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"save_snippet","arguments":{"snippetname":"lone-fast","snippet":"a\\ud800b"}}}`;
        const res = await postMcp(host.url, body);
        assert.equal(res.status, 200);
        const { result } = (await res.json()) as {
            result: { isError?: boolean; content: { text: string }[] };
        };
        assert.equal(result.isError, true);
        assert.equal(
            result.content[0]?.text,
            `Invalid arguments for save_snippet: snippet: ${loneSurrogateMessage}`,
        );
        assert.deepEqual(await stored("lone-fast"), {
            isError: true,
            text: "Snippet 'lone-fast' not found.",
        });
    });

    it("refuses a lone surrogate through the SDK path (SSE, official client), low surrogates too", async () => {
        const result = await sse.callTool({
            name: toolNames.saveSnippet,
            arguments: { snippetname: "lone-sse", snippet: "\udc00 first" },
        });
        assert.equal(result.isError, true);
        assert.equal(textOf(result), `Invalid arguments for save_snippet: snippet: ${loneSurrogateMessage}`);
        assert.deepEqual(await stored("lone-sse"), { isError: true, text: "Snippet 'lone-sse' not found." });
    });

    it("names the place of a lone surrogate inside an object argument", async () => {
        const incident = {
            ...sampleIncidents[0],
            entities: [{ type: "Account", name: "user\ud83d@contoso.com" }],
        };
        const result = await callToolOverHttp(host.url, toolNames.analyzeIncident, { incident });
        assert.deepEqual(result, {
            isError: true,
            text: `Invalid arguments for analyze_incident: incident: entities[0].name ${loneSurrogateMessage}`,
        });
    });

    it("keeps well-formed text outside the BMP exactly as sent", async () => {
        const text = "emoji 😀, math 𝔸, CJK 𠀀";
        const saved = await callToolOverHttp(host.url, toolNames.saveSnippet, {
            snippetname: "astral",
            snippet: text,
        });
        assert.equal(saved.isError, false, saved.text);
        assert.deepEqual(await stored("astral"), { isError: false, text });
    });

    it("answers invalid UTF-8 in a Streamable HTTP body with a JSON-RPC parse error, and stores nothing", async () => {
        await expectParseError(await postMcp(host.url, bodyWithInvalidUtf8("bytes-streamable")));
        assert.equal((await stored("bytes-streamable")).isError, true);
    });

    it("answers invalid UTF-8 in a legacy SSE message body with a JSON-RPC parse error, and stores nothing", async () => {
        const stream = await openEventStream(host.url + backendPaths.mcpSse);
        try {
            const first = await stream.next();
            assert.equal(first.event, "endpoint");
            const res = await fetch(new URL(first.data, host.url + backendPaths.mcpSse), {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: bodyWithInvalidUtf8("bytes-sse"),
            });
            await expectParseError(res);
        } finally {
            await stream.close();
        }
        assert.equal((await stored("bytes-sse")).isError, true);
    });
});
