/**
 * What an MCP client keeps for its OAuth flow, in memory: the `OAuthClientProvider` both official
 * TypeScript SDKs (1.x `@modelcontextprotocol/sdk`, 2.x `@modelcontextprotocol/client`) drive. The
 * "browser" step is left to the test: `redirectToAuthorization` records the URL.
 */
import { randomBytes } from "node:crypto";
import type { OAuthClientProvider as V2Provider } from "@modelcontextprotocol/client";
import type { OAuthClientProvider as V1Provider } from "@modelcontextprotocol/sdk/client/auth.js";
import type {
    OAuthClientInformationMixed,
    OAuthClientMetadata,
    OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";

export class MemoryOAuthProvider implements V1Provider, V2Provider {
    authorizationUrl: URL | undefined;
    lastState: string | undefined;
    private client: OAuthClientInformationMixed | undefined;
    private stored: OAuthTokens | undefined;
    private verifier = "";

    /** Set only when the client identifies itself by a metadata document (the SDKs test presence). */
    readonly clientMetadataUrl?: string;

    constructor(
        readonly redirectUrl: string,
        clientMetadataUrl?: string,
    ) {
        if (clientMetadataUrl !== undefined) this.clientMetadataUrl = clientMetadataUrl;
    }

    get clientMetadata(): OAuthClientMetadata {
        return {
            client_name: "Front door test client",
            redirect_uris: [this.redirectUrl],
            grant_types: ["authorization_code", "refresh_token"],
            response_types: ["code"],
            token_endpoint_auth_method: "none",
        };
    }

    state(): string {
        this.lastState = randomBytes(16).toString("hex");
        return this.lastState;
    }

    clientInformation(): OAuthClientInformationMixed | undefined {
        return this.client;
    }

    saveClientInformation(info: OAuthClientInformationMixed): void {
        this.client = info;
    }

    tokens(): OAuthTokens | undefined {
        return this.stored;
    }

    saveTokens(tokens: OAuthTokens): void {
        this.stored = tokens;
    }

    redirectToAuthorization(url: URL): void {
        this.authorizationUrl = url;
    }

    saveCodeVerifier(verifier: string): void {
        this.verifier = verifier;
    }

    codeVerifier(): string {
        return this.verifier;
    }
}
