import assert from "node:assert/strict";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tracingOff } from "../../tracing/tracing";
import { OpenExchanges } from "./open-exchanges";
import type { MaybePromise } from "../../maybe-promise";

/** A loopback server whose every request is answered from its body by `answer` through one OpenExchanges. */
async function serving(answer: (body: Buffer, res: ServerResponse) => MaybePromise<void>, limit = 64) {
    const failures: unknown[] = [];
    const exchanges = new OpenExchanges((_req, res, error) => {
        failures.push(error);
        if (!res.headersSent) res.writeHead(500).end("failed");
        else res.destroy();
    }, tracingOff);
    const server: Server = createServer((req: IncomingMessage, res: ServerResponse) =>
        exchanges.answerFromBody(
            req,
            res,
            limit,
            (body) => answer(body, res),
            (refused) => refused.writeHead(413).end("too large"),
        ),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    /** POSTs `chunks` (chunked unless `length` is given); resolves with the status, body and Connection header. */
    const post = (chunks: string[], length?: number) =>
        new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
            const req = request(
                {
                    host: "127.0.0.1",
                    port,
                    method: "POST",
                    agent: false,
                    ...(length === undefined ? {} : { headers: { "content-length": length } }),
                },
                (res) => {
                    let body = "";
                    res.on("data", (c: Buffer) => (body += c.toString()));
                    res.on("end", () =>
                        resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }),
                    );
                },
            );
            req.on("error", reject);
            for (const chunk of chunks) req.write(chunk);
            req.end();
        });
    const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    return { exchanges, failures, post, close, server };
}

describe("open exchanges: answering from a body without promises", () => {
    it("answers in the body's own turn when the answer is a value, and after a promise when it is one", async () => {
        const s = await serving((body, res) => {
            const text = body.toString();
            if (text === "later") return Promise.resolve().then(() => void res.end("answered later"));
            res.end(`echo ${text}`);
            return undefined;
        });
        try {
            assert.deepEqual((await s.post(["he", "llo"])).body, "echo hello");
            assert.deepEqual((await s.post(["later"])).body, "answered later");
            assert.deepEqual(s.failures, []);
        } finally {
            await s.close();
        }
    });

    it("refuses a body over the limit, declared or streamed, without calling the answer", async () => {
        let answered = 0;
        const s = await serving((_body, res) => {
            answered++;
            res.end("answered");
        }, 8);
        try {
            assert.equal((await s.post(["0123456789"], 10)).status, 413, "declared by Content-Length");
            assert.equal((await s.post(["01234", "56789"])).status, 413, "streamed in chunks");
            assert.equal((await s.post(["01234567"])).status, 200, "exactly the limit");
            assert.equal(answered, 1);
            assert.deepEqual(s.failures, []);
        } finally {
            await s.close();
        }
    });

    it("answers 500 for an answer that throws or rejects, and keeps serving", async () => {
        const s = await serving((body, res) => {
            if (body.toString() === "throw") throw new Error("thrown");
            if (body.toString() === "reject") return Promise.reject(new Error("rejected"));
            res.end("fine");
            return undefined;
        });
        try {
            assert.equal((await s.post(["throw"])).status, 500);
            assert.equal((await s.post(["reject"])).status, 500);
            assert.equal((await s.post(["ok"])).body, "fine");
            assert.deepEqual(
                s.failures.map((e) => (e as Error).message),
                ["thrown", "rejected"],
            );
        } finally {
            await s.close();
        }
    });

    it("makes an exchange open at a shutdown close its connection once answered", async () => {
        const waiting: { release?: () => void } = {};
        const s = await serving(
            (_body, res) =>
                new Promise<void>((resolve) => {
                    waiting.release = () => {
                        res.end("done");
                        resolve();
                    };
                }),
        );
        try {
            const answered = s.post(["work"]);
            while (!waiting.release) await new Promise((r) => setTimeout(r, 5));
            s.exchanges.closeAfterAnswers();
            waiting.release();
            const { status, connection } = await answered;
            assert.equal(status, 200);
            assert.equal(connection, "close");
        } finally {
            await s.close();
        }
    });

    it("hands a body the client abandoned to the failure handler, not to the answer", async () => {
        let answered = 0;
        const s = await serving((_body, res) => {
            answered++;
            res.end();
        });
        try {
            const port = (s.server.address() as AddressInfo).port;
            const req = request({
                host: "127.0.0.1",
                port,
                method: "POST",
                headers: { "content-length": 40 },
            });
            req.on("error", () => {});
            req.write("only part of it");
            await new Promise((r) => setTimeout(r, 20));
            req.destroy();
            const deadline = Date.now() + 2000;
            while (s.failures.length === 0 && Date.now() < deadline)
                await new Promise((r) => setTimeout(r, 5));
            assert.equal(s.failures.length, 1);
            assert.equal(answered, 0);
        } finally {
            await s.close();
        }
    });
});
