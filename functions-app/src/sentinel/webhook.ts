import { decodeUtf8 } from "../unicode";
import { analyzeIncident } from "./analyze";
import { parseIncident } from "./validate";

import { maxWebhookBodyBytes } from "./webhook-limits";

/** The parts of an HTTP request the webhook needs, whatever server received it. */
export interface WebhookRequest {
    readonly method: string;
    readonly contentType: string | undefined;
    readonly body: string | Buffer;
}

export interface WebhookResponse {
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: string;
}

/**
 * The Sentinel incident webhook without a server: both hosts pass the request in and write the
 * answer out. It never throws. Bad input gets 400 (413 when too large, 405 for other methods) with
 * `{error, message, details?}`; a 500 means a defect here, and its body reveals nothing internal.
 */
export function handleSentinelWebhook(request: WebhookRequest, now: Date = new Date()): WebhookResponse {
    try {
        return handle(request, now);
    } catch {
        return json(500, { error: "internal_error", message: "the incident could not be analyzed" });
    }
}

function handle(request: WebhookRequest, now: Date): WebhookResponse {
    if (request.method.toUpperCase() !== "POST") {
        return json(
            405,
            {
                error: "method_not_allowed",
                message: `${request.method.slice(0, 20)} is not supported; POST the incident as JSON`,
            },
            { allow: "POST" },
        );
    }
    const mediaTypeProblem = checkContentType(request.contentType);
    if (mediaTypeProblem) return invalid(mediaTypeProblem);

    const size =
        typeof request.body === "string" ? Buffer.byteLength(request.body, "utf8") : request.body.length;
    if (size > maxWebhookBodyBytes) {
        return json(413, {
            error: "payload_too_large",
            message: `request body is ${size} bytes; the limit is ${maxWebhookBodyBytes} bytes`,
        });
    }
    const text = decode(request.body);
    if (text === undefined) return invalid("request body is not valid UTF-8");
    if (text.trim() === "") return invalid("request body is empty; expected a JSON incident object");

    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (error) {
        const reason = error instanceof SyntaxError ? `: ${error.message}` : "";
        return invalid(`request body is not valid JSON${reason}`);
    }
    const parsed = parseIncident(value);
    if (!parsed.ok) {
        const count = parsed.errors.length;
        return json(400, {
            error: "invalid_request",
            message: `the incident has ${count} problem${count === 1 ? "" : "s"}: ${parsed.errors.join("; ")}`,
            details: parsed.errors,
        });
    }
    return json(200, analyzeIncident(parsed.incident, now));
}

/**
 * JSON only: application/json or a structured `+json` type. A charset other than UTF-8 is refused
 * because JSON on the wire is UTF-8 (RFC 8259) and decoding anything else would corrupt names.
 */
function checkContentType(header: string | undefined): string | undefined {
    const expected = "send the incident with Content-Type: application/json";
    if (header === undefined || header.trim() === "") return `Content-Type header is missing; ${expected}`;
    const [mediaType = "", ...parameters] = header.split(";").map((p) => p.trim().toLowerCase());
    if (mediaType !== "application/json" && !/^application\/[a-z0-9!#$&^_.-]+\+json$/.test(mediaType)) {
        return `Content-Type ${JSON.stringify(header.slice(0, 100))} is not supported; ${expected}`;
    }
    const charset = parameters
        .find((p) => p.startsWith("charset="))
        ?.slice("charset=".length)
        .replace(/"/g, "");
    if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
        return `charset ${JSON.stringify(charset.slice(0, 40))} is not supported; JSON must be UTF-8`;
    }
    return undefined;
}

/** The body as text (a leading byte order mark dropped), or undefined when it is not UTF-8. */
function decode(body: string | Buffer): string | undefined {
    return typeof body === "string" ? body.replace(/^\uFEFF/, "") : decodeUtf8(body);
}

function invalid(message: string): WebhookResponse {
    return json(400, { error: "invalid_request", message });
}

function json(status: number, payload: object, extraHeaders: Record<string, string> = {}): WebhookResponse {
    return {
        status,
        headers: { "content-type": "application/json; charset=utf-8", ...extraHeaders },
        body: JSON.stringify(payload),
    };
}
