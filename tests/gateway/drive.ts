/**
 * Sends a gateway case to a running gateway and says what differs from its expectation. Works with
 * any gateway that can mint tokens for arbitrary claims and report what its backend received (the
 * local gateway's harness does both).
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { toolError, type CallerToken, type GatewayCase } from "./cases";

/** What the driver needs from a gateway under test. */
export interface GatewayUnderTest {
    /** Base URL (the gateway paths are appended). */
    readonly url: string;
    /** A signed token for the MCP app with these claims (the gateway adds iss, aud, lifetime...). */
    mintToken(claims: Readonly<Record<string, unknown>>): Promise<string>;
    /** Headers of each request the backend received, in order. */
    backendRequests(): readonly { readonly headers: IncomingHttpHeaders }[];
    /** Metrics the gateway emitted, oldest first (the newest last). */
    metrics(): readonly { readonly dimensions: Readonly<Record<string, string>> }[];
}

interface Answer {
    readonly status: number;
    readonly headers: IncomingHttpHeaders;
    readonly body: string;
}

async function authorizationFor(gateway: GatewayUnderTest, token: CallerToken): Promise<string | undefined> {
    if (token.kind === "none") return undefined;
    if (token.kind === "broken") return token.authorization;
    return `Bearer ${await gateway.mintToken(token.claims)}`;
}

/** One HTTP exchange; a chunked body goes out in two writes with no Content-Length. */
function send(
    gateway: GatewayUnderTest,
    c: Omit<GatewayCase, "name">,
    authorization?: string,
): Promise<Answer> {
    const body = c.request.body === undefined ? undefined : Buffer.from(JSON.stringify(c.request.body));
    const url = new URL(gateway.url + c.request.path);
    const headers: Record<string, string> = { ...c.request.headers };
    if (authorization) headers.authorization = authorization;
    if (body && c.request.framing !== "chunked") headers["content-length"] = String(body.length);
    return new Promise((resolve, reject) => {
        const req = httpRequest(
            {
                host: url.hostname,
                port: url.port,
                path: url.pathname + url.search,
                method: c.request.method,
                headers,
            },
            (res) => {
                if (c.request.stream) {
                    resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "" });
                    res.destroy();
                    return;
                }
                const chunks: Buffer[] = [];
                res.on("data", (d: Buffer) => chunks.push(d));
                res.on("end", () =>
                    resolve({
                        status: res.statusCode ?? 0,
                        headers: res.headers,
                        body: Buffer.concat(chunks).toString(),
                    }),
                );
                res.on("error", reject);
            },
        );
        req.on("error", reject);
        if (body && c.request.framing === "chunked") {
            req.write(body.subarray(0, 1000));
            req.write(body.subarray(1000));
        } else if (body) {
            req.write(body);
        }
        req.end();
    });
}

/** Sends the case and returns every way the answer and the backend's view differ from the expectation. */
export async function driveCase(gateway: GatewayUnderTest, c: Omit<GatewayCase, "name">): Promise<string[]> {
    const before = gateway.backendRequests().length;
    const lastMetric = gateway.metrics().at(-1);
    const answer = await send(gateway, c, await authorizationFor(gateway, c.token));
    const seen = gateway.backendRequests().slice(before);
    const problems: string[] = [];
    const { expect } = c;
    if (expect.status !== "from-backend" && answer.status !== expect.status)
        problems.push(`status ${answer.status}, expected ${expect.status}`);
    if (seen.length > 0 !== expect.reachesBackend) {
        problems.push(
            `${seen.length} backend request(s), expected ${expect.reachesBackend ? "some" : "none"}`,
        );
    }
    for (const [name, pattern] of Object.entries(expect.headers ?? {})) {
        const value = answer.headers[name];
        if (typeof value !== "string" || !pattern.test(value))
            problems.push(`header ${name}: ${String(value)}`);
    }
    const [firstSeen] = seen;
    if (expect.forwarded && firstSeen) {
        for (const [name, value] of Object.entries(expect.forwarded)) {
            const got = firstSeen.headers[name] ?? null;
            if (got !== value)
                problems.push(`backend saw ${name}: ${String(got)}, expected ${String(value)}`);
        }
    }
    for (const name of firstSeen ? (expect.passedThrough ?? []) : []) {
        const got = firstSeen?.headers[name];
        const sent = c.request.headers[name];
        if (got !== sent) problems.push(`backend saw ${name}: ${String(got)}, sent ${String(sent)}`);
    }
    if (expect.metric) {
        // The gateway emits the call metric before it answers, so it is the newest one by now.
        const metric = gateway.metrics().at(-1);
        if (!metric || metric === lastMetric) problems.push("no call metric emitted");
        else
            for (const [dimension, value] of Object.entries(expect.metric))
                if (metric.dimensions[dimension] !== value)
                    problems.push(`metric ${dimension}: ${metric.dimensions[dimension]}, expected ${value}`);
    }
    if (expect.rpcError) problems.push(...rpcErrorProblems(answer.body, expect.rpcError));
    if (expect.batchAnswers) problems.push(...batchAnswerProblems(answer.body, expect.batchAnswers));
    return problems.length === 0 ? [] : [...problems, `body: ${answer.body.slice(0, 300)}`];
}

function rpcErrorProblems(body: string, want: NonNullable<GatewayCase["expect"]["rpcError"]>): string[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(body);
    } catch {
        return ["the answer is not JSON"];
    }
    if (want.batch !== Array.isArray(parsed)) return [`expected ${want.batch ? "an array" : "one object"}`];
    const messages = (want.batch ? parsed : [parsed]) as {
        id?: unknown;
        error?: { code?: unknown; message?: unknown };
        result?: { isError?: unknown; content?: { text?: unknown }[] };
    }[];
    const problems: string[] = [];
    const ids = messages.map((m) => m.id);
    if (JSON.stringify(ids) !== JSON.stringify(want.ids)) problems.push(`ids ${JSON.stringify(ids)}`);
    for (const m of messages) {
        const notRun = want.notRun?.ids.includes(m.id as string | number) ? want.notRun : undefined;
        const { code, messageIncludes } = notRun ?? want;
        if (code === toolError) {
            if (m.result?.isError !== true) problems.push(`no tool error for id ${String(m.id)}`);
            const text = String(m.result?.content?.[0]?.text);
            if (!text.includes(messageIncludes)) problems.push(`tool error text ${text}`);
            continue;
        }
        if (m.error?.code !== code)
            problems.push(`error code ${String(m.error?.code)} for id ${String(m.id)}`);
        if (!String(m.error?.message).includes(messageIncludes)) {
            problems.push(`error message ${String(m.error?.message)}`);
        }
    }
    return problems;
}

function batchAnswerProblems(
    body: string,
    want: NonNullable<GatewayCase["expect"]["batchAnswers"]>,
): string[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(body);
    } catch {
        return ["the answer is not JSON"];
    }
    if (!Array.isArray(parsed)) return ["expected an array of answers"];
    const got = (parsed as { id?: unknown; result?: unknown; error?: { code?: unknown } }[]).map((m) => ({
        id: m.id,
        ...(m.error ? { error: m.error.code } : {}),
    }));
    return JSON.stringify(got) === JSON.stringify(want) ? [] : [`answers ${JSON.stringify(got)}`];
}
