/**
 * Clients the front door knows: registered dynamically (RFC 7591) or described by a client ID
 * metadata document (an https URL as `client_id`, fetched at authorization time). Both are public
 * clients: the front door issues no client secrets.
 */
import { redirectUriProblem } from "./redirect-uri";

export interface ClientRecord {
    readonly clientId: string;
    readonly clientName: string;
    readonly redirectUris: readonly string[];
    readonly clientUri?: string;
    readonly kind: "registered" | "metadata-document";
    readonly createdAt: number;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string; description: string };

const maxRedirectUris = 10;
const maxNameLength = 200;

/** Validates a registration request (or a metadata document) into the client's public facts. */
export function validateClientMetadata(
    body: unknown,
    clientId: string,
    kind: ClientRecord["kind"],
    now: number,
): Validated<ClientRecord> {
    const fail = (description: string): Validated<ClientRecord> => ({
        ok: false,
        error: kind === "registered" ? "invalid_client_metadata" : "invalid_client",
        description,
    });
    if (typeof body !== "object" || body === null || Array.isArray(body))
        return fail("metadata must be a JSON object");
    const m = body as Record<string, unknown>;
    const uris = m.redirect_uris;
    if (!Array.isArray(uris) || uris.length === 0 || uris.length > maxRedirectUris)
        return {
            ok: false,
            error: kind === "registered" ? "invalid_redirect_uri" : "invalid_client",
            description: `redirect_uris must list 1 to ${maxRedirectUris} URIs`,
        };
    for (const uri of uris) {
        const problem = redirectUriProblem(uri);
        if (problem)
            return {
                ok: false,
                error: kind === "registered" ? "invalid_redirect_uri" : "invalid_client",
                description: problem,
            };
    }
    const method = m.token_endpoint_auth_method;
    if (kind === "metadata-document") {
        if (m.client_id !== clientId)
            return fail("the document's client_id is not the URL it was fetched from");
        if ("client_secret" in m || "client_secret_expires_at" in m)
            return fail("a client ID metadata document must not carry a client secret");
        if (method !== undefined && method !== "none")
            return fail("only public clients (token_endpoint_auth_method none) are supported");
    }
    for (const list of ["grant_types", "response_types"] as const) {
        const value = m[list];
        if (value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== "string")))
            return fail(`${list} must be a list of strings`);
    }
    const grants = (m.grant_types as string[] | undefined) ?? ["authorization_code"];
    if (!grants.includes("authorization_code")) return fail("grant_types must include authorization_code");
    const responses = (m.response_types as string[] | undefined) ?? ["code"];
    if (!responses.includes("code")) return fail("response_types must include code");
    const name = typeof m.client_name === "string" && m.client_name.trim() ? m.client_name.trim() : undefined;
    if (kind === "metadata-document" && !name) return fail("client_name is required");
    const clientUri =
        typeof m.client_uri === "string" && /^https:\/\//.test(m.client_uri) ? m.client_uri : undefined;
    return {
        ok: true,
        value: {
            clientId,
            clientName: (name ?? "Unnamed MCP client").slice(0, maxNameLength),
            redirectUris: uris as string[],
            ...(clientUri ? { clientUri } : {}),
            kind,
            createdAt: now,
        },
    };
}

/** An https URL with a path is a client ID metadata document's URL (draft-ietf-oauth-client-id-metadata-document). */
export function isMetadataDocumentUrl(clientId: string, allowLoopbackHttp: boolean): boolean {
    let url: URL;
    try {
        url = new URL(clientId);
    } catch {
        return false;
    }
    const schemeOk =
        url.protocol === "https:" ||
        (allowLoopbackHttp && url.protocol === "http:" && ["127.0.0.1", "localhost"].includes(url.hostname));
    return (
        schemeOk &&
        url.pathname.length > 1 &&
        !url.hash &&
        !url.username &&
        !url.password &&
        !url.pathname.split("/").some((segment) => segment === "." || segment === "..")
    );
}
