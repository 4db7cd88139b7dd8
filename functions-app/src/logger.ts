import { writeSync } from "node:fs";

/** Structured logs, one JSON object a line, as App Insights and Container Insights ingest them. */
export interface Logger {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = stdoutLines()): Logger {
    const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
        write(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
    return { info: log("info"), warn: log("warn"), error: log("error") };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** A logger that adds `fields` to every line (e.g. one request's trace context). */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
    return {
        info: (message, more) => logger.info(message, { ...fields, ...more }),
        warn: (message, more) => logger.warn(message, { ...fields, ...more }),
        error: (message, more) => logger.error(message, { ...fields, ...more }),
    };
}

/** What `stdoutLines` writes with; tests pass stand-ins. */
export interface LineOutput {
    /** A blocking write to the descriptor; returns the bytes written (`fs.writeSync`). */
    readonly writeFd: (fd: number, text: string) => number;
    /** The stream, for what the descriptor does not take at once. */
    readonly writeStream: (text: string | Buffer) => void;
}

const stdout: LineOutput = {
    writeFd: (fd, text) => writeSync(fd, text),
    writeStream: (text) => process.stdout.write(text),
};

/**
 * Log lines to stdout through its descriptor rather than `process.stdout`, whose set-up (a stream
 * over the pipe or file, and the modules behind it) took about 4 ms of CPU of a cold start; Node
 * writes to pipes and files synchronously on Linux anyway. A descriptor that would block (EAGAIN:
 * a non-blocking pipe that is full) hands this line and all later ones to the stream, so order
 * holds; a line written in part gets its rest from the stream. When stdout is gone (EPIPE, EBADF)
 * the line is dropped rather than thrown into the request that logged it.
 */
export function stdoutLines(output: LineOutput = stdout, fd = 1): (line: string) => void {
    let viaStream = false;
    return (line) => {
        const text = line + "\n";
        if (viaStream) return output.writeStream(text);
        try {
            const written = output.writeFd(fd, text);
            if (written < Buffer.byteLength(text)) output.writeStream(Buffer.from(text).subarray(written));
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return;
            viaStream = true;
            output.writeStream(text);
        }
    };
}
