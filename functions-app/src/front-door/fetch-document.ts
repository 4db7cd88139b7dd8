/**
 * Fetches a client ID metadata document without becoming an SSRF tool: a size cap, a timeout, no
 * redirects, and no connection to a private, loopback or link-local address (checked on the address
 * actually dialled, so DNS cannot swap one in after a check). Loopback is allowed only when the
 * caller says so (local runs and tests).
 */
import type { LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { nodeDns, nodeHttps } from "../lazy-builtins";

export interface DocumentFetchOptions {
    /** Largest document read (the draft suggests about 5 KB). */
    readonly maxBytes?: number;
    readonly timeoutMs?: number;
    /** Local runs and tests: admit loopback addresses (and plain http to them). */
    readonly allowLoopback?: boolean;
    /** Extra trusted CA certificates (PEM), for a test server's self-signed certificate. */
    readonly ca?: string;
}

export class DocumentFetchError extends Error {}

/** Made on the first check: `BlockList` loads Node's socket-address internals, which a start does not need. */
let blockedRanges: BlockList | undefined;

function blocked(): BlockList {
    if (blockedRanges) return blockedRanges;
    const list = new BlockList();
    for (const [net, prefix] of [
        ["0.0.0.0", 8],
        ["10.0.0.0", 8],
        ["100.64.0.0", 10],
        ["127.0.0.0", 8],
        ["169.254.0.0", 16],
        ["172.16.0.0", 12],
        ["192.168.0.0", 16],
        ["224.0.0.0", 3],
    ] as const)
        list.addSubnet(net, prefix, "ipv4");
    for (const [net, prefix] of [
        ["::", 127],
        ["fc00::", 7],
        ["fe80::", 10],
        ["ff00::", 8],
        ["::ffff:0:0", 96],
    ] as const)
        list.addSubnet(net, prefix, "ipv6");
    return (blockedRanges = list);
}

function isLoopback(address: string): boolean {
    return address === "::1" || address.startsWith("127.");
}

/** Whether the front door may connect to this address. */
export function addressAllowed(address: string, allowLoopback: boolean): boolean {
    if (allowLoopback && isLoopback(address)) return true;
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    return !blocked().check(address, family);
}

export async function fetchClientDocument(url: string, options: DocumentFetchOptions = {}): Promise<unknown> {
    const maxBytes = options.maxBytes ?? 5 * 1024;
    const timeoutMs = options.timeoutMs ?? 5_000;
    const allowLoopback = options.allowLoopback ?? false;
    const target = new URL(url);
    const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
        nodeDns().lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
            if (error) return callback(error, "", 0);
            const list = addresses;
            const refused = list.find((a) => !addressAllowed(a.address, allowLoopback));
            const [first] = list;
            if (refused || first === undefined)
                return callback(
                    new DocumentFetchError(`${hostname} resolves to a non-public address`),
                    "",
                    0,
                );
            if (lookupOptions.all)
                return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
            callback(null, first.address, first.family);
        });
    };
    if (
        isIP(target.hostname.replace(/^\[|\]$/g, "")) &&
        !addressAllowed(target.hostname.replace(/^\[|\]$/g, ""), allowLoopback)
    )
        throw new DocumentFetchError(`${target.hostname} is not a public address`);
    const send = target.protocol === "https:" ? nodeHttps().request : httpRequest;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = send(
            target,
            {
                method: "GET",
                headers: { accept: "application/json" },
                lookup,
                timeout: timeoutMs,
                ...(options.ca ? { ca: options.ca } : {}),
            },
            resolve,
        );
        req.setTimeout(timeoutMs, () =>
            req.destroy(new DocumentFetchError(`no answer from ${target.host} in ${timeoutMs} ms`)),
        );
        req.on("error", reject);
        req.end();
    });
    const timer = setTimeout(
        () =>
            response.destroy(
                new DocumentFetchError(`document from ${target.host} took over ${timeoutMs} ms`),
            ),
        timeoutMs,
    );
    try {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400)
            throw new DocumentFetchError(`${url} redirects; redirects are not followed`);
        if (status !== 200) throw new DocumentFetchError(`${url} answered ${status}`);
        const declared = Number(response.headers["content-length"] ?? "0");
        if (declared > maxBytes) throw new DocumentFetchError(`${url} is over ${maxBytes} bytes`);
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of response) {
            size += (chunk as Buffer).length;
            if (size > maxBytes) throw new DocumentFetchError(`${url} is over ${maxBytes} bytes`);
            chunks.push(chunk as Buffer);
        }
        try {
            return JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
            throw new DocumentFetchError(`${url} is not JSON`);
        }
    } finally {
        clearTimeout(timer);
        response.destroy();
    }
}
