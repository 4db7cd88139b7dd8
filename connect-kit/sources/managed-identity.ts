/**
 * Azure Databricks (and any Azure compute with a user-assigned managed identity): a token for
 * `api://AzureADTokenExchange` issued to the identity (`iss` = the tenant's v2 issuer, `sub` = the
 * identity's object id), which the agent's app accepts as a federated credential ("app trusts
 * managed identity"; Entra supports it for user-assigned identities only). On Databricks the access
 * connector's identity is reached through a Unity Catalog service credential, whose provider is an
 * Azure SDK credential: pass it as `credential`. Elsewhere the kit asks the managed identity
 * endpoint itself: App Service/Functions style (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`) when set,
 * else the instance metadata service.
 */
import { PlatformTokenUnavailableError } from "../errors";
import { jsonOf, reason, type HttpOptions } from "../http";
import { platformCall, tokenExchangeAudience, type PlatformTokenSource } from "../source";

/** The shape of an Azure SDK `TokenCredential` (what `@azure/identity` and Databricks hand out). */
export interface AzureTokenCredential {
    getToken(scopes: string | string[]): Promise<{ token: string } | null>;
}

export interface ManagedIdentityTokenSourceOptions {
    /** Client id of the user-assigned identity (several may be attached). */
    readonly clientId?: string | undefined;
    /** An Azure SDK credential to ask instead of the endpoint (Databricks service credential). */
    readonly credential?: AzureTokenCredential;
    /** Default `$IDENTITY_ENDPOINT`, else `http://169.254.169.254/metadata/identity/oauth2/token`. */
    readonly endpoint?: string;
    /** Default `$IDENTITY_HEADER`; when set, the App Service protocol is used. */
    readonly identityHeader?: string;
    readonly audience?: string;
    readonly http?: HttpOptions;
}

export function managedIdentityTokenSource(
    options: ManagedIdentityTokenSourceOptions = {},
): PlatformTokenSource {
    const audience = options.audience ?? tokenExchangeAudience;
    const platform = "azureDatabricks";
    return {
        platform,
        assertionAudience: audience,
        async token() {
            if (options.credential) {
                let answer: { token: string } | null;
                try {
                    answer = await options.credential.getToken(`${audience}/.default`);
                } catch (error) {
                    throw new PlatformTokenUnavailableError(
                        platform,
                        `credential: ${reason(error)}`,
                        undefined,
                        { cause: error },
                    );
                }
                if (!answer?.token)
                    throw new PlatformTokenUnavailableError(platform, "credential returned no token");
                return answer.token;
            }
            const identityHeader = options.identityHeader ?? process.env.IDENTITY_HEADER;
            const appService =
                identityHeader !== undefined &&
                (options.endpoint ?? process.env.IDENTITY_ENDPOINT) !== undefined;
            const url = new URL(
                options.endpoint ??
                    process.env.IDENTITY_ENDPOINT ??
                    "http://169.254.169.254/metadata/identity/oauth2/token",
            );
            url.searchParams.set("api-version", appService ? "2019-08-01" : "2018-02-01");
            url.searchParams.set("resource", audience);
            if (options.clientId) url.searchParams.set("client_id", options.clientId);
            const headers: Record<string, string> =
                appService && identityHeader ? { "X-IDENTITY-HEADER": identityHeader } : { Metadata: "true" };
            const answer = await platformCall(
                platform,
                "managed identity endpoint",
                url,
                { headers },
                options.http ?? {},
            );
            const token = (jsonOf(answer.text) as { access_token?: unknown } | undefined)?.access_token;
            if (typeof token !== "string")
                throw new PlatformTokenUnavailableError(
                    platform,
                    "managed identity endpoint sent no access_token",
                );
            return token;
        },
    };
}
