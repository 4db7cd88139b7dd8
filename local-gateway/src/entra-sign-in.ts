/**
 * The local Entra stand-in's interactive half, for the OAuth front door: an authorize endpoint that
 * signs in a configured local user without a browser and redirects with an authorization code, and
 * token grants for that code and for refresh tokens, authenticated as Entra authenticates a
 * confidential client with a federated credential (a client assertion whose issuer, subject and
 * audience match the app's credential). Tokens are delegated v2 tokens for the MCP app:
 * `scp: MCP.Access`, the user's `oid` and app roles, `azp` = the front door's app. Local only.
 */
import { createHash, randomBytes } from "node:crypto";
import { delegatedScope } from "functions-app/contract";
import { tokenExchangeAudience } from "../../components/azure/entra";

export interface LocalUser {
    readonly objectId: string;
    readonly name: string;
    /** MCP app roles assigned to the user. */
    readonly roles: readonly string[];
}

export interface LocalSignInOptions {
    /** The front door's app registration. */
    readonly clientId: string;
    /** Its one registered redirect URI (`<gateway>/oauth/callback`). */
    readonly redirectUri: string;
    /** Subject of its federated credential: the object id of the identity that presents assertions. */
    readonly federatedSubject: string;
    readonly users: readonly LocalUser[];
}

interface IssuedCode {
    readonly user: LocalUser;
    readonly challenge: string;
    readonly redirectUri: string;
    readonly expiresAt: number;
}

export type Answer = { status: number; body?: Record<string, unknown>; location?: string };

/** What the sign-in half needs from the stand-in: its signer and its validator. */
export interface SignInServices {
    mintDelegated(user: LocalUser, clientId: string): Promise<string>;
    /** True when the assertion is a valid token of this tenant for `audience` with `sub` = subject. */
    assertionValid(assertion: string, audience: string, subject: string): Promise<boolean>;
}

export class LocalSignIn {
    private signedIn: LocalUser;
    private readonly codes = new Map<string, IssuedCode>();
    private readonly refreshTokens = new Map<string, LocalUser>();
    /** Set to make the next authorize answer with this error, as Entra does when a user cancels. */
    nextError: string | undefined;

    constructor(
        readonly options: LocalSignInOptions,
        private readonly services: SignInServices,
    ) {
        const [first] = options.users;
        if (first === undefined) throw new Error("the local sign-in needs at least one user");
        this.signedIn = first;
    }

    /** The user the next authorization signs in. */
    get user(): LocalUser {
        return this.signedIn;
    }

    /** The user the next authorization signs in (as if they had typed their password). */
    signInAs(objectId: string): void {
        const user = this.options.users.find((u) => u.objectId === objectId);
        if (!user) throw new Error(`no local user ${objectId}`);
        this.signedIn = user;
    }

    authorize(query: URLSearchParams): Answer {
        if (query.get("client_id") !== this.options.clientId)
            return {
                status: 400,
                body: {
                    error: "unauthorized_client",
                    error_description: "AADSTS700016: unknown application",
                },
            };
        const redirectUri = query.get("redirect_uri") ?? "";
        if (redirectUri !== this.options.redirectUri)
            return {
                status: 400,
                body: { error: "invalid_request", error_description: "AADSTS50011: redirect URI mismatch" },
            };
        const back = new URL(redirectUri);
        const state = query.get("state");
        if (state !== null) back.searchParams.set("state", state);
        if (this.nextError) {
            back.searchParams.set("error", this.nextError);
            this.nextError = undefined;
            return { status: 302, location: back.toString() };
        }
        const scopes = (query.get("scope") ?? "").split(" ");
        if (query.get("response_type") !== "code" || !scopes.some((s) => s.endsWith(`/${delegatedScope}`))) {
            back.searchParams.set("error", "invalid_request");
            return { status: 302, location: back.toString() };
        }
        const challenge = query.get("code_challenge") ?? "";
        if (query.get("code_challenge_method") !== "S256" || !challenge) {
            back.searchParams.set("error", "invalid_request");
            return { status: 302, location: back.toString() };
        }
        const code = randomBytes(24).toString("base64url");
        this.codes.set(code, {
            user: this.signedIn,
            challenge,
            redirectUri,
            expiresAt: Date.now() + 600_000,
        });
        back.searchParams.set("code", code);
        return { status: 302, location: back.toString() };
    }

    async token(form: URLSearchParams): Promise<Answer> {
        if (form.get("client_id") !== this.options.clientId)
            return { status: 400, body: { error: "invalid_client", error_description: "AADSTS700016" } };
        const assertionType = form.get("client_assertion_type");
        const assertion = form.get("client_assertion") ?? "";
        if (
            assertionType !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" ||
            !(await this.services.assertionValid(
                assertion,
                tokenExchangeAudience,
                this.options.federatedSubject,
            ))
        )
            return {
                status: 401,
                body: {
                    error: "invalid_client",
                    error_description: "AADSTS700213: no matching federated identity record",
                },
            };
        if (form.has("client_secret"))
            return {
                status: 401,
                body: { error: "invalid_client", error_description: "this app has no password" },
            };
        const grant = form.get("grant_type");
        let user: LocalUser | undefined;
        if (grant === "authorization_code") {
            const code = form.get("code") ?? "";
            const issued = this.codes.get(code);
            this.codes.delete(code);
            const verifier = form.get("code_verifier") ?? "";
            if (
                !issued ||
                issued.expiresAt < Date.now() ||
                issued.redirectUri !== form.get("redirect_uri") ||
                createHash("sha256").update(verifier).digest("base64url") !== issued.challenge
            )
                return {
                    status: 400,
                    body: { error: "invalid_grant", error_description: "AADSTS70008 / AADSTS501481" },
                };
            user = issued.user;
        } else if (grant === "refresh_token") {
            const presented = form.get("refresh_token") ?? "";
            user = this.refreshTokens.get(presented);
            this.refreshTokens.delete(presented);
            if (!user)
                return { status: 400, body: { error: "invalid_grant", error_description: "AADSTS70000" } };
        } else {
            return { status: 400, body: { error: "unsupported_grant_type" } };
        }
        const refreshToken = randomBytes(32).toString("base64url");
        this.refreshTokens.set(refreshToken, user);
        return {
            status: 200,
            body: {
                token_type: "Bearer",
                scope: form.get("scope") ?? "",
                expires_in: 3599,
                access_token: await this.services.mintDelegated(user, this.options.clientId),
                refresh_token: refreshToken,
            },
        };
    }
}
