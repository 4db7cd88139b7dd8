import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { jsonLogger, stdoutLines, type LineOutput } from "./logger";

/** A descriptor stand-in that takes `accepts(n)` bytes of the n-th write, or throws `code`. */
function recording(accepts: (call: number, bytes: number) => number | string) {
    const fd: string[] = [];
    const stream: string[] = [];
    let calls = 0;
    const output: LineOutput = {
        writeFd: (_fd, text) => {
            const bytes = Buffer.byteLength(text);
            const taken = accepts(calls++, bytes);
            if (typeof taken === "string") throw Object.assign(new Error(taken), { code: taken });
            fd.push(Buffer.from(text).subarray(0, taken).toString());
            return taken;
        },
        writeStream: (text) => void stream.push(text.toString()),
    };
    return { output, fd, stream };
}

describe("log lines to stdout", () => {
    it("writes one JSON line per entry to the descriptor", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "logger-"));
        const file = path.join(dir, "out.log");
        const fd = openSync(file, "w");
        try {
            const logger = jsonLogger(stdoutLines(undefined, fd));
            logger.info("listening", { url: "http://127.0.0.1:1" });
            logger.warn("tool timed out", { tool: "get_snippet", text: "é ✓" });
        } finally {
            closeSync(fd);
        }
        const lines = readFileSync(file, "utf8")
            .trimEnd()
            .split("\n")
            .map((l) => JSON.parse(l) as object);
        assert.deepEqual(
            lines.map((l) => ({ ...l, time: undefined })),
            [
                { time: undefined, level: "info", message: "listening", url: "http://127.0.0.1:1" },
                {
                    time: undefined,
                    level: "warn",
                    message: "tool timed out",
                    tool: "get_snippet",
                    text: "é ✓",
                },
            ],
        );
        rmSync(dir, { recursive: true });
    });

    it("hands a line the descriptor took in part to the stream, from the first byte not written", () => {
        const { output, fd, stream } = recording((call, bytes) => (call === 0 ? 3 : bytes));
        const write = stdoutLines(output);
        write("héllo");
        write("next");
        assert.deepEqual([fd.join(""), stream.join("")], ["hé" + "next\n", "llo\n"]);
    });

    it("moves to the stream for good once the descriptor would block, keeping the order", () => {
        const { output, fd, stream } = recording((call, bytes) => (call === 1 ? "EAGAIN" : bytes));
        const write = stdoutLines(output);
        for (const line of ["one", "two", "three"]) write(line);
        assert.deepEqual([fd, stream], [["one\n"], ["two\n", "three\n"]]);
    });

    it("drops a line when stdout is gone instead of throwing into the caller", () => {
        const { output, stream } = recording(() => "EPIPE");
        assert.doesNotThrow(() => stdoutLines(output)("lost"));
        assert.deepEqual(stream, []);
        // And a real closed descriptor.
        const fd = openSync(tmpdir(), "r");
        closeSync(fd);
        assert.throws(() => writeSync(fd, "x"), { code: "EBADF" });
        assert.doesNotThrow(() => stdoutLines(undefined, fd)("lost too"));
    });
});
