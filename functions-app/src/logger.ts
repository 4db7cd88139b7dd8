/** Structured logs, one JSON object a line, as App Insights and Container Insights ingest them. */
export interface Logger {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(
    write: (line: string) => void = (line) => process.stdout.write(line + "\n"),
): Logger {
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
