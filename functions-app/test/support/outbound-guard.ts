import { writeFile } from "node:fs/promises";
import * as path from "node:path";

/**
 * A script preloaded into a host process (`node --require <file>`) that logs every TCP connection
 * it opens as `outbound <host>:<port>` on stderr, sends the ones named in `routes` to a loopback
 * port instead (a stand-in for a public service, TLS still checked against the original name), and
 * refuses any other destination off loopback at once, so a test sees what the process would reach
 * on the internet without waiting for it.
 */
export interface OutboundGuard {
    /** The file to preload. */
    readonly file: string;
    /** The destinations the process tried, in order, as `host:port`, from its output. */
    destinations(output: string): string[];
}

export interface OutboundGuardOptions {
    /**
     * Log each destination only the first time it is tried, so a process that runs for minutes (a
     * benchmark's host, its exporter reconnecting and retrying) does not fill its stderr.
     */
    readonly logOnce?: boolean;
}

export async function writeOutboundGuard(
    directory: string,
    routes: Readonly<Record<string, number>>,
    options: OutboundGuardOptions = {},
): Promise<OutboundGuard> {
    const file = path.join(directory, "outbound-guard.js");
    await writeFile(
        file,
        [
            'const net = require("node:net");',
            `const routes = ${JSON.stringify(routes)};`,
            'const loopback = new Set(["127.0.0.1", "::1", "localhost"]);',
            `const logOnce = ${options.logOnce === true};`,
            "const logged = new Set();",
            "const connect = net.Socket.prototype.connect;",
            "net.Socket.prototype.connect = function (...args) {",
            // net.connect passes its normalized [options, callback]; tls.connect an options object.
            '    if (typeof args[0] !== "object" || args[0] === null)',
            '        args = [{ port: args[0], host: typeof args[1] === "string" ? args[1] : undefined }, ...args.filter((a) => typeof a === "function")];',
            "    const options = Array.isArray(args[0]) ? args[0][0] : args[0];",
            "    if (options.path == null) {",
            '        const target = `${options.host ?? "localhost"}:${options.port}`;',
            "        if (!logOnce || !logged.has(target)) {",
            "            logged.add(target);",
            '            process.stderr.write("outbound " + target + "\\n");',
            "        }",
            "        if (routes[target] !== undefined) {",
            '            options.host = "127.0.0.1";',
            "            options.port = routes[target];",
            '        } else if (!loopback.has(options.host ?? "localhost")) {',
            '            const error = Object.assign(new Error("connect ECONNREFUSED " + target), { code: "ECONNREFUSED" });',
            "            process.nextTick(() => this.destroy(error));",
            "            return this;",
            "        }",
            "    }",
            "    return connect.apply(this, args);",
            "};",
        ].join("\n"),
    );
    return {
        file,
        destinations: (output) => [...output.matchAll(/^outbound (\S+)$/gm)].map((m) => m[1]!),
    };
}
