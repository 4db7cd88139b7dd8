/**
 * The OAuth front door MCP clients see as their authorization server (MCP authorization,
 * 2026-07-28): RFC 8414 metadata, client ID metadata documents and dynamic registration (RFC 7591),
 * /authorize with PKCE S256, RFC 8707 `resource` and RFC 9207 `iss`, a per-user consent page
 * before Entra, /callback, and /token for codes and rotating refresh tokens. Access tokens are
 * Entra's own for the MCP app, so the gateway's validation stays the one check on MCP calls.
 * Pure request -> response handlers over a {@link FrontDoorStore}; hosts adapt HTTP to them.
 */
import { isMetadataDocumentUrl, validateClientMetadata, type ClientRecord } from "./client-metadata";
import { fetchClientDocument, type DocumentFetchOptions } from "./fetch-document";
import { consentPage, errorPage, pageHeaders } from "./pages";
import { matchRedirectUri } from "./redirect-uri";
import { pkceChallenge, randomToken, seal, sha256, unseal } from "./secrets";
import type { FrontDoorStore } from "./store";
import { UpstreamError, userObjectId, type EntraUpstream, type UpstreamTokens } from "./upstream";
import type { FrontDoorEndpoint } from "./paths";

export interface FrontDoorRequest {
    readonly method: string;
    readonly query: URLSearchParams;
    /** Lower-case names. */
    readonly headers: Readonly<Record<string, string | undefined>>;
    readonly body: Buffer;
}

export interface FrontDoorResponse {
    readonly status: number;
    readonly headers: Readonly<Record<string, string | readonly string[]>>;
    readonly body: string;
}

/** Seconds each kind of record lives. */
export interface FrontDoorLifetimes {
    readonly code: number;
    readonly pending: number;
    readonly refresh: number;
    readonly client: number;
    readonly session: number;
    readonly consent: number;
}

export const defaultLifetimes: FrontDoorLifetimes = {
    code: 300,
    pending: 600,
    refresh: 30 * 86400,
    client: 30 * 86400,
    session: 30 * 86400,
    consent: 90 * 86400,
};

export interface FrontDoorSettings {
    /** `<gateway>/oauth`: the issuer clients record and compare (RFC 8414, RFC 9207). */
    readonly issuer: string;
    /** The MCP resource (`<gateway>/mcp`); `resource` must name it (RFC 8707). */
    readonly resource: string;
    readonly resourceName: string;
    /** The delegated scope requested at Entra (shown on the consent page, published as supported). */
    readonly scope: string;
    readonly upstream: EntraUpstream;
    readonly store: FrontDoorStore;
    /** Most dynamically registered clients kept at once. */
    readonly registrationCap?: number;
    readonly documents?: DocumentFetchOptions;
    readonly lifetimes?: Partial<FrontDoorLifetimes>;
    readonly now?: () => number;
}

interface PendingAuthorization {
    readonly clientId: string;
    readonly clientName: string;
    readonly redirectUri: string;
    readonly state?: string;
    readonly codeChallenge: string;
    readonly csrf: string;
    /** Set when consent was taken from a remembered decision: Entra must sign in this same user. */
    readonly rememberedFor?: string;
    readonly upstreamVerifier?: string;
}

interface IssuedCode {
    readonly clientId: string;
    readonly redirectUri: string;
    readonly codeChallenge: string;
    /** Entra's tokens, sealed under the code. */
    readonly sealed: string;
}

interface RefreshGrant {
    readonly clientId: string;
    readonly userId: string;
    /** Entra's refresh token, sealed under the front door's refresh token. */
    readonly sealed: string;
}

const sessionCookie = "mcp_fd_session";
const csrfCookie = "mcp_fd_csrf";
const maxFormBytes = 16 * 1024;

export class FrontDoor {
    private readonly lifetimes: FrontDoorLifetimes;
    private readonly now: () => number;
    private readonly secureCookies: boolean;

    constructor(private readonly settings: FrontDoorSettings) {
        this.lifetimes = { ...defaultLifetimes, ...settings.lifetimes };
        this.now = settings.now ?? Date.now;
        this.secureCookies = settings.issuer.startsWith("https:");
    }

    handle(endpoint: FrontDoorEndpoint, req: FrontDoorRequest): Promise<FrontDoorResponse> {
        switch (endpoint) {
            case "metadata":
                return Promise.resolve(
                    json(200, this.metadata(), { "cache-control": "public, max-age=3600" }),
                );
            case "register":
                return this.register(req);
            case "authorize":
                return this.authorize(req);
            case "consent":
                return this.consent(req);
            case "callback":
                return this.callback(req);
            case "token":
                return this.token(req);
        }
    }

    /** RFC 8414 metadata, with what MCP clients check before they proceed. */
    metadata(): Record<string, unknown> {
        const base = this.settings.issuer;
        return {
            issuer: base,
            authorization_endpoint: `${base}/authorize`,
            token_endpoint: `${base}/token`,
            registration_endpoint: `${base}/register`,
            response_types_supported: ["code"],
            response_modes_supported: ["query"],
            grant_types_supported: ["authorization_code", "refresh_token"],
            code_challenge_methods_supported: ["S256"],
            token_endpoint_auth_methods_supported: ["none"],
            scopes_supported: [this.settings.scope],
            client_id_metadata_document_supported: true,
            authorization_response_iss_parameter_supported: true,
        };
    }

    private async register(req: FrontDoorRequest): Promise<FrontDoorResponse> {
        const body = parseJson(req.body);
        if (body === undefined) return json(400, oauthError("invalid_client_metadata", "body must be JSON"));
        const clientId = randomToken();
        const checked = validateClientMetadata(body, clientId, "registered", this.now());
        if (!checked.ok) return json(400, oauthError(checked.error, checked.description));
        const cap = this.settings.registrationCap ?? 1000;
        if ((await this.settings.store.count("client", cap)) >= cap)
            return json(
                403,
                oauthError(
                    "access_denied",
                    `the front door holds its limit of ${cap} registered clients; try again after unused ones expire, or use a client ID metadata document`,
                ),
            );
        const client = checked.value;
        await this.settings.store.create(
            "client",
            clientId,
            client,
            this.now() + this.lifetimes.client * 1000,
        );
        return json(201, {
            client_id: clientId,
            client_id_issued_at: Math.floor(client.createdAt / 1000),
            client_name: client.clientName,
            redirect_uris: client.redirectUris,
            grant_types: ["authorization_code", "refresh_token"],
            response_types: ["code"],
            token_endpoint_auth_method: "none",
            ...(client.clientUri ? { client_uri: client.clientUri } : {}),
        });
    }

    private async findClient(clientId: string): Promise<{ client?: ClientRecord; problem?: string }> {
        if (isMetadataDocumentUrl(clientId, this.settings.documents?.allowLoopback ?? false)) {
            let document: unknown;
            try {
                document = await fetchClientDocument(clientId, this.settings.documents);
            } catch (error) {
                return {
                    problem: `the client's metadata document could not be used: ${String(error instanceof Error ? error.message : error)}`,
                };
            }
            const checked = validateClientMetadata(document, clientId, "metadata-document", this.now());
            return checked.ok ? { client: checked.value } : { problem: checked.description };
        }
        const found = await this.settings.store.get<ClientRecord>("client", clientId);
        return found
            ? { client: found.value }
            : { problem: "this client is not registered with the front door" };
    }

    private async authorize(req: FrontDoorRequest): Promise<FrontDoorResponse> {
        const q = req.query;
        const clientId = q.get("client_id") ?? "";
        const redirectUri = q.get("redirect_uri") ?? "";
        // Until the client and its redirect URI are known, errors are shown, never redirected (no open redirect).
        if (!clientId || !redirectUri)
            return page(400, "Invalid authorization request", "client_id and redirect_uri are required.");
        const { client, problem } = await this.findClient(clientId);
        if (!client) return page(400, "Unknown client", problem ?? "");
        const registered = matchRedirectUri(redirectUri, client.redirectUris);
        if (!registered)
            return page(
                400,
                "Redirect URI not registered",
                `${redirectUri} is not a redirect URI of this client.`,
            );
        const state = q.get("state") ?? undefined;
        const back = (error: string, description: string) =>
            this.redirectToClient(redirectUri, { error, error_description: description, state });
        if (q.get("response_type") !== "code")
            return back("unsupported_response_type", "response_type must be code");
        const challenge = q.get("code_challenge") ?? "";
        if (q.get("code_challenge_method") !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(challenge))
            return back("invalid_request", "PKCE with code_challenge_method S256 is required");
        const resource = q.get("resource");
        if (!resource)
            return back("invalid_target", `resource is required and must be ${this.settings.resource}`);
        if (!sameResource(resource, this.settings.resource))
            return back(
                "invalid_target",
                `this authorization server issues tokens only for ${this.settings.resource}`,
            );

        const pending: PendingAuthorization = {
            clientId,
            clientName: client.clientName,
            redirectUri,
            ...(state !== undefined ? { state } : {}),
            codeChallenge: challenge,
            csrf: randomToken(),
        };
        const user = await this.sessionUser(req);
        if (user && (await this.settings.store.get<true>("consent", consentKey(user, clientId, redirectUri))))
            return this.toEntra({ ...pending, rememberedFor: user }, []);
        const transaction = randomToken();
        await this.settings.store.create("pending", sha256(transaction), pending, this.expiry("pending"));
        return {
            status: 200,
            headers: {
                ...pageHeaders,
                "set-cookie": [this.cookie(csrfCookie, pending.csrf, this.lifetimes.pending)],
            },
            body: consentPage({
                clientName: client.clientName,
                clientId,
                redirectUri,
                resourceName: this.settings.resourceName,
                scope: this.settings.scope,
                transaction,
                csrf: pending.csrf,
            }),
        };
    }

    private async consent(req: FrontDoorRequest): Promise<FrontDoorResponse> {
        if (req.body.length > maxFormBytes) return page(413, "Request too large", "The form is too large.");
        const form = new URLSearchParams(req.body.toString("utf8"));
        const transaction = form.get("transaction") ?? "";
        const found = transaction
            ? await this.settings.store.get<PendingAuthorization>("pending", sha256(transaction))
            : undefined;
        if (!found)
            return page(
                400,
                "Consent expired",
                "This request is unknown or expired; start again from your client.",
            );
        const csrf = form.get("csrf") ?? "";
        const cookie = cookies(req.headers.cookie).get(this.cookieName(csrfCookie));
        if (!csrf || csrf !== found.value.csrf || cookie !== csrf)
            return page(
                403,
                "Consent not accepted",
                "The form did not come from this browser's consent page.",
            );
        // Single use: a second submission of the same form finds nothing.
        if (!(await this.settings.store.remove("pending", sha256(transaction), found.etag)))
            return page(400, "Consent expired", "This request was already answered.");
        const clear = [this.cookie(csrfCookie, "", 0)];
        if (form.get("decision") !== "approve")
            return this.redirectToClient(
                found.value.redirectUri,
                {
                    error: "access_denied",
                    error_description: "the user denied the request",
                    state: found.value.state,
                },
                clear,
            );
        return this.toEntra(found.value, clear);
    }

    /** Stores the authorization under a fresh upstream `state` (single use) and sends the user to Entra. */
    private async toEntra(pending: PendingAuthorization, cookiesToSet: string[]): Promise<FrontDoorResponse> {
        const upstreamState = randomToken();
        const upstreamVerifier = randomToken();
        await this.settings.store.create(
            "pending",
            sha256(upstreamState),
            { ...pending, upstreamVerifier },
            this.expiry("pending"),
        );
        return redirect(
            this.settings.upstream.authorizeUrl(upstreamState, pkceChallenge(upstreamVerifier)),
            cookiesToSet,
        );
    }

    private async callback(req: FrontDoorRequest): Promise<FrontDoorResponse> {
        const upstreamState = req.query.get("state") ?? "";
        const found = upstreamState
            ? await this.settings.store.get<PendingAuthorization>("pending", sha256(upstreamState))
            : undefined;
        if (!found || !found.value.upstreamVerifier)
            return page(
                400,
                "Sign-in not recognized",
                "The state does not match a sign-in this front door started, or it expired.",
            );
        if (!(await this.settings.store.remove("pending", sha256(upstreamState), found.etag)))
            return page(400, "Sign-in not recognized", "This sign-in was already completed.");
        const pending = found.value;
        const back = (error: string, description: string) =>
            this.redirectToClient(pending.redirectUri, {
                error,
                error_description: description,
                state: pending.state,
            });
        const code = req.query.get("code");
        if (!code)
            return back(
                "access_denied",
                `sign-in at Entra ID did not complete (${req.query.get("error") ?? "no code"})`,
            );
        let tokens;
        try {
            tokens = await this.settings.upstream.redeemCode(code, pending.upstreamVerifier!);
        } catch (error) {
            if (error instanceof UpstreamError) return back("server_error", "Entra ID refused the sign-in");
            throw error;
        }
        const user = userObjectId(tokens.accessToken);
        if (!user) return back("server_error", "Entra ID returned a token without a user");
        if (pending.rememberedFor !== undefined && pending.rememberedFor !== user)
            return back(
                "access_denied",
                "a different user signed in than the one who approved this client; start again",
            );
        await this.settings.store.put(
            "consent",
            consentKey(user, pending.clientId, pending.redirectUri),
            true,
            this.expiry("consent"),
        );
        const session = randomToken();
        await this.settings.store.put("session", sha256(session), { user }, this.expiry("session"));
        const issued = randomToken();
        const record: IssuedCode = {
            clientId: pending.clientId,
            redirectUri: pending.redirectUri,
            codeChallenge: pending.codeChallenge,
            sealed: seal(issued, JSON.stringify(tokens)),
        };
        await this.settings.store.create("code", sha256(issued), record, this.expiry("code"));
        return this.redirectToClient(pending.redirectUri, { code: issued, state: pending.state }, [
            this.cookie(sessionCookie, session, this.lifetimes.session),
        ]);
    }

    private async token(req: FrontDoorRequest): Promise<FrontDoorResponse> {
        if (req.body.length > maxFormBytes) return json(400, oauthError("invalid_request", "body too large"));
        const form = new URLSearchParams(req.body.toString("utf8"));
        const clientId = form.get("client_id") ?? "";
        if (!clientId)
            return json(401, oauthError("invalid_client", "client_id is required (public clients)"));
        const grant = form.get("grant_type");
        if (grant === "authorization_code") return this.redeemCode(form, clientId);
        if (grant === "refresh_token") return this.refresh(form, clientId);
        return json(400, oauthError("unsupported_grant_type", "authorization_code or refresh_token"));
    }

    private async redeemCode(form: URLSearchParams, clientId: string): Promise<FrontDoorResponse> {
        const code = form.get("code") ?? "";
        const found = code ? await this.settings.store.get<IssuedCode>("code", sha256(code)) : undefined;
        // Taken before anything is checked: a code is spent by its first redemption, right or wrong.
        if (!found || !(await this.settings.store.remove("code", sha256(code), found.etag)))
            return json(400, oauthError("invalid_grant", "the code is unknown, expired or already used"));
        const issued = found.value;
        if (issued.clientId !== clientId)
            return json(400, oauthError("invalid_grant", "the code was issued to another client"));
        if (form.get("redirect_uri") !== issued.redirectUri)
            return json(
                400,
                oauthError("invalid_grant", "redirect_uri differs from the authorization request's"),
            );
        const resource = form.get("resource");
        if (resource !== null && !sameResource(resource, this.settings.resource))
            return json(
                400,
                oauthError("invalid_target", `tokens are issued only for ${this.settings.resource}`),
            );
        const verifier = form.get("code_verifier") ?? "";
        if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || pkceChallenge(verifier) !== issued.codeChallenge)
            return json(400, oauthError("invalid_grant", "code_verifier does not match the code_challenge"));
        const opened = unseal(code, issued.sealed);
        if (!opened) return json(400, oauthError("invalid_grant", "the code cannot be opened"));
        // Sealed by this service from an UpstreamTokens; the seal guarantees it is ours.
        const tokens = JSON.parse(opened) as UpstreamTokens;
        await this.touchClient(clientId);
        return this.tokenResponse(clientId, tokens);
    }

    private async refresh(form: URLSearchParams, clientId: string): Promise<FrontDoorResponse> {
        const presented = form.get("refresh_token") ?? "";
        const found = presented
            ? await this.settings.store.get<RefreshGrant>("refresh", sha256(presented))
            : undefined;
        if (!found || found.value.clientId !== clientId)
            return json(
                400,
                oauthError(
                    "invalid_grant",
                    "the refresh token is unknown, expired, used or another client's",
                ),
            );
        // Rotation: the presented token is spent whether or not Entra agrees below.
        if (!(await this.settings.store.remove("refresh", sha256(presented), found.etag)))
            return json(400, oauthError("invalid_grant", "the refresh token was already used"));
        const upstreamRefresh = unseal(presented, found.value.sealed);
        if (!upstreamRefresh)
            return json(400, oauthError("invalid_grant", "the refresh token cannot be opened"));
        try {
            const tokens = await this.settings.upstream.refresh(upstreamRefresh);
            await this.touchClient(clientId);
            return this.tokenResponse(clientId, tokens);
        } catch (error) {
            if (error instanceof UpstreamError)
                return json(
                    400,
                    oauthError("invalid_grant", "Entra ID no longer accepts this sign-in; authorize again"),
                );
            throw error;
        }
    }

    private async tokenResponse(clientId: string, tokens: UpstreamTokens): Promise<FrontDoorResponse> {
        const body: Record<string, unknown> = {
            access_token: tokens.accessToken,
            token_type: "Bearer",
            expires_in: tokens.expiresIn,
            scope: this.settings.scope,
        };
        const user = userObjectId(tokens.accessToken);
        if (tokens.refreshToken && user) {
            const refresh = randomToken();
            const grant: RefreshGrant = {
                clientId,
                userId: user,
                sealed: seal(refresh, tokens.refreshToken),
            };
            await this.settings.store.create("refresh", sha256(refresh), grant, this.expiry("refresh"));
            body.refresh_token = refresh;
        }
        return json(200, body, { pragma: "no-cache" });
    }

    /** A registered client in use does not expire. */
    private async touchClient(clientId: string): Promise<void> {
        const found = await this.settings.store.get<ClientRecord>("client", clientId);
        if (found) await this.settings.store.put("client", clientId, found.value, this.expiry("client"));
    }

    private async sessionUser(req: FrontDoorRequest): Promise<string | undefined> {
        const session = cookies(req.headers.cookie).get(this.cookieName(sessionCookie));
        if (!session) return undefined;
        const found = await this.settings.store.get<{ user: string }>("session", sha256(session));
        return found?.value.user;
    }

    /** RFC 9207: every authorization response names the issuer. */
    private redirectToClient(
        redirectUri: string,
        params: Record<string, string | undefined>,
        cookiesToSet: string[] = [],
    ): FrontDoorResponse {
        const url = new URL(redirectUri);
        for (const [name, value] of Object.entries(params))
            if (value !== undefined) url.searchParams.set(name, value);
        url.searchParams.set("iss", this.settings.issuer);
        return redirect(url.toString(), cookiesToSet);
    }

    /** __Host- (RFC 6265bis) over https: path /, no Domain, so no other host can set or read it. */
    private cookieName(name: string): string {
        return this.secureCookies ? `__Host-${name}` : name;
    }

    private cookie(name: string, value: string, maxAgeSeconds: number): string {
        return `${this.cookieName(name)}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${this.secureCookies ? "; Secure" : ""}`;
    }

    private expiry(kind: keyof FrontDoorLifetimes): number {
        return this.now() + this.lifetimes[kind] * 1000;
    }
}

function consentKey(user: string, clientId: string, redirectUri: string): string {
    return sha256(JSON.stringify([user, clientId, redirectUri]));
}

/** RFC 8707 resources compare as URLs: scheme and host case-insensitively, a trailing slash ignored. */
function sameResource(a: string, b: string): boolean {
    const norm = (v: string) => {
        try {
            const u = new URL(v);
            return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}${u.search}`;
        } catch {
            return undefined;
        }
    };
    const left = norm(a);
    return left !== undefined && left === norm(b) && !a.includes("#");
}

function cookies(header: string | undefined): Map<string, string> {
    const out = new Map<string, string>();
    for (const part of (header ?? "").split(";")) {
        const eq = part.indexOf("=");
        if (eq < 0) continue;
        const name = part.slice(0, eq).trim();
        if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
    }
    return out;
}

function parseJson(body: Buffer): unknown {
    if (body.length > maxFormBytes) return undefined;
    try {
        return JSON.parse(body.toString("utf8"));
    } catch {
        return undefined;
    }
}

function oauthError(error: string, description: string): Record<string, string> {
    return { error, error_description: description };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): FrontDoorResponse {
    return {
        status,
        headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
        body: JSON.stringify(body),
    };
}

function page(status: number, title: string, detail: string): FrontDoorResponse {
    return { status, headers: pageHeaders, body: errorPage(title, detail) };
}

function redirect(location: string, cookiesToSet: string[]): FrontDoorResponse {
    return {
        status: 302,
        headers: {
            location,
            "cache-control": "no-store",
            "referrer-policy": "no-referrer",
            ...(cookiesToSet.length > 0 ? { "set-cookie": cookiesToSet } : {}),
        },
        body: "",
    };
}
