/**
 * The kit's failures, one class per cause, so an agent can tell "my platform gave me no token" from
 * "Entra refused the exchange" from "the gateway refused the call". No message or field ever holds
 * a token: only claims that say which token it was (issuer, subject, audience) and what went wrong.
 */

/** Base class: every error the kit throws on purpose. */
export class ConnectKitError extends Error {
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = new.target.name;
    }
}

/** The platform did not hand out its token (endpoint down, not on that platform, no permission). */
export class PlatformTokenUnavailableError extends ConnectKitError {
    constructor(
        readonly platform: string,
        message: string,
        /** HTTP status of the platform's endpoint, when it answered. */
        readonly status?: number,
        options?: { cause?: unknown },
    ) {
        super(`${platform} token unavailable: ${message}`, options);
    }
}

/**
 * A token the kit refused to send: the platform's assertion or Entra's access token has the wrong
 * audience or is expired (or about to be), so sending it would only fail later and farther away.
 */
export class TokenCheckFailedError extends ConnectKitError {
    constructor(
        /** Which token: the platform assertion or the access token. */
        readonly token: "assertion" | "access token",
        readonly problem: "audience" | "lifetime" | "malformed",
        message: string,
    ) {
        super(`${token} refused before sending (${problem}): ${message}`);
    }
}

/** Entra's answer to the exchange was an error (`error`, AADSTS code, description). */
export class ExchangeRefusedError extends ConnectKitError {
    constructor(
        readonly status: number,
        /** OAuth `error`, e.g. `invalid_client`. */
        readonly error: string,
        /** `AADSTS700213` and the like, from `error_codes` or the description; undefined if none. */
        readonly aadsts: string | undefined,
        readonly description: string,
    ) {
        super(`Entra refused the exchange (${status} ${error}${aadsts ? ` ${aadsts}` : ""}): ${description}`);
    }
}

/** The MCP endpoint answered 401 or 403: carries the `WWW-Authenticate` challenge. */
export class McpAuthorizationError extends ConnectKitError {
    constructor(
        readonly status: 401 | 403,
        /** The `WWW-Authenticate` header as sent (empty when the server sent none). */
        readonly challenge: string,
    ) {
        super(
            `MCP endpoint answered ${status}${challenge ? ` (WWW-Authenticate: ${challenge})` : " without a challenge"}`,
        );
    }

    /** One parameter of the challenge, e.g. `error`, `scope`, `resource_metadata`. */
    challengeParameter(name: string): string | undefined {
        const match = new RegExp(`(?:^|[\\s,])${name}="([^"]*)"`).exec(this.challenge);
        return match?.[1];
    }
}
