import * as assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
    hostKeysApiVersion,
    readMcpExtensionKey,
    SystemKeyError,
    type Clock,
} from "../../components/functions/system-key/client";
import { mcpExtensionKeyDiff, readKeyState } from "../../components/functions/system-key/provider";

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

interface FakeArm {
    readonly url: string;
    readonly requests: { method: string; url: string; auth: string | undefined }[];
    close(): Promise<void>;
}

/** A fake ARM endpoint on 127.0.0.1 whose answers each test scripts. */
async function fakeArm(handler: Handler): Promise<FakeArm> {
    const requests: FakeArm["requests"] = [];
    const server: Server = createServer((req, res) => {
        req.resume();
        req.on("end", () => {
            requests.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization });
            handler(req, res);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** Virtual time: sleeping advances the clock at once, so budgets of minutes run in milliseconds. */
function virtualClock(): Clock & { slept: number[] } {
    let now = 1_000_000;
    const slept: number[] = [];
    return {
        slept,
        now: () => now,
        sleep: (ms) => {
            slept.push(ms);
            now += ms;
            return Promise.resolve();
        },
    };
}

function json(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
): void {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

const siteId =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/acp-dev-rg/providers/Microsoft.Web/sites/acp-dev-tools";
const masterKey = "MASTER-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa==";
const defaultKey = "DEFAULT-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb==";
const otherSystemKey = "DURABLE-cccccccccccccccccccccccccccccccccccccc==";
const extensionKey = "MCPEXT-dddddddddddddddddddddddddddddddddddddddd==";
/** What listkeys answers once the host has started: every key, the master key among them. */
const allKeys = {
    masterKey,
    functionKeys: { default: defaultKey },
    systemKeys: { durabletask_extension: otherSystemKey, mcp_extension: extensionKey },
};
const beforeStart = { masterKey, functionKeys: { default: defaultKey }, systemKeys: {} };

describe("MCP extension system key read (fake ARM)", () => {
    let arm: FakeArm | undefined;
    afterEach(async () => {
        await arm?.close();
        arm = undefined;
    });
    const request = (clock: Clock) => ({
        armEndpoint: arm!.url,
        siteId,
        token: "arm-t0ken",
        retryIntervalMs: 10_000,
        clock,
    });

    it("POSTs listkeys with the bearer token and retries until the key appears", async () => {
        let calls = 0;
        arm = await fakeArm((_req, res) => json(res, 200, ++calls < 3 ? beforeStart : allKeys));
        const clock = virtualClock();
        assert.equal(await readMcpExtensionKey(request(clock)), extensionKey);
        assert.equal(arm.requests.length, 3);
        for (const r of arm.requests) {
            assert.equal(r.method, "POST");
            assert.equal(r.url, `${siteId}/host/default/listkeys?api-version=${hostKeysApiVersion}`);
            assert.equal(r.auth, "Bearer arm-t0ken");
        }
        assert.deepEqual(clock.slept, [10_000, 10_000]);
    });

    it("retries while ARM relays the host's failure (400) and on 5xx, honouring Retry-After", async () => {
        const answers: [number, unknown, Record<string, string>?][] = [
            [
                400,
                {
                    Code: "BadRequest",
                    Message: "Encountered an error (ServiceUnavailable) from host runtime.",
                },
            ],
            [503, { error: "busy" }, { "retry-after": "30" }],
            [500, { error: "oops" }],
            [200, allKeys],
        ];
        arm = await fakeArm((_req, res) => {
            const [status, body, headers] = answers.shift()!;
            json(res, status, body, headers);
        });
        const clock = virtualClock();
        assert.equal(await readMcpExtensionKey(request(clock)), extensionKey);
        assert.deepEqual(clock.slept, [10_000, 30_000, 10_000]);
    });

    it("retries 403 while a role assignment takes effect, then reads the key", async () => {
        let calls = 0;
        arm = await fakeArm((_req, res) =>
            ++calls <= 4
                ? json(res, 403, { error: { code: "AuthorizationFailed" } })
                : json(res, 200, allKeys),
        );
        assert.equal(await readMcpExtensionKey(request(virtualClock())), extensionKey);
        assert.equal(calls, 5);
    });

    it("gives up on 401 after the auth budget with an error naming the likely cause", async () => {
        arm = await fakeArm((_req, res) => json(res, 401, { error: { code: "InvalidAuthenticationToken" } }));
        const clock = virtualClock();
        const error = await readMcpExtensionKey({ ...request(clock), authRetryMs: 60_000 }).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(error instanceof SystemKeyError, String(error));
        assert.match(error.message, /refused \(401 .*InvalidAuthenticationToken.*\) for 60 s/);
        assert.match(error.message, /Microsoft\.Web\/sites\/host\/listkeys\/action/);
        assert.match(error.message, /not yet in effect/);
        // 0, 10, ..., 60 s: seven attempts, then the error; well inside the overall timeout.
        assert.equal(arm.requests.length, 7);
    });

    it("fails with a clear error when the key never appears within the timeout", async () => {
        arm = await fakeArm((_req, res) => json(res, 200, beforeStart));
        const error = await readMcpExtensionKey({ ...request(virtualClock()), timeoutMs: 120_000 }).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(error instanceof SystemKeyError, String(error));
        assert.match(
            error.message,
            /mcp_extension system key of .*acp-dev-tools did not appear within 120 s/,
        );
        assert.match(error.message, /200 without systemKeys\.mcp_extension/);
        assert.equal(arm.requests.length, 12);
        // The other keys in the answers never reach the message.
        assert.doesNotMatch(error.message, /MASTER|DEFAULT|DURABLE/);
    });

    it("does not retry an answer that cannot improve (405)", async () => {
        arm = await fakeArm((_req, res) => json(res, 405, { error: "method not allowed" }));
        await assert.rejects(readMcpExtensionKey(request(virtualClock())), /listkeys on .*: 405/);
        assert.equal(arm.requests.length, 1);
    });

    it("stores only the extension's key: never the master key or any other key from the answer", async () => {
        arm = await fakeArm((_req, res) => json(res, 200, allKeys));
        const state = await readKeyState({
            siteId,
            deployedSha256: "ab".repeat(32),
            armEndpoint: arm.url,
            token: "arm-t0ken",
        });
        assert.deepEqual(state, { siteId, deployedSha256: "ab".repeat(32), key: extensionKey });
        const stored = JSON.stringify(state);
        for (const other of [masterKey, defaultKey, otherSystemKey]) assert.ok(!stored.includes(other));
    });

    describe("resource diff", () => {
        const olds = { siteId, deployedSha256: "a".repeat(64), key: extensionKey };
        const news = {
            siteId,
            deployedSha256: "a".repeat(64),
            armEndpoint: "https://management.azure.com",
            token: "new",
        };
        it("does not read again when only the token changed", () => {
            assert.deepEqual(mcpExtensionKeyDiff(olds, news), {
                changes: false,
                replaces: [],
                deleteBeforeReplace: false,
            });
        });
        it("reads again after a new deployment", () => {
            assert.deepEqual(mcpExtensionKeyDiff(olds, { ...news, deployedSha256: "b".repeat(64) }), {
                changes: true,
                replaces: [],
                deleteBeforeReplace: false,
            });
        });
        it("replaces the read for another app", () => {
            assert.deepEqual(mcpExtensionKeyDiff(olds, { ...news, siteId: `${siteId}2` }).replaces, [
                "siteId",
            ]);
        });
    });
});
