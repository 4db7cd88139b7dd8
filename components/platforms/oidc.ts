/** Any other OIDC issuer (e.g. Databricks outside Azure) with subjects its owner supplies. */
import { isHttpsUrl } from "../config/values";
import { tokenExchangeAudience, tokenExchangeAudiences } from "../azure/entra";
import { federatedCredential } from "../identity/federation";
import type { AgentPlatformModule } from "./platform";

export interface OidcFederation {
    readonly issuer: string;
    readonly subjects: readonly string[];
    /** Defaults to `api://AzureADTokenExchange`. */
    readonly audience: string;
}

export const oidcPlatform: AgentPlatformModule<"oidc", OidcFederation> = {
    kind: "oidc",
    docs: {
        fields: "`issuer`, `subjects`, optional `audience`",
        credential:
            "any other OIDC issuer the owner supplies (e.g. Databricks outside Azure); subjects are exact (a `*` is refused, Entra has no wildcards)",
        yaml: "{ issuer: <https>, subjects: [], audience: api://AzureADTokenExchange }",
    },
    // The owner names the issuer: the platform team allows it in the pack's configuration.
    allowedIssuers: [],
    read: (block) => {
        const issuer = block.requiredString("issuer", isHttpsUrl, "must be an https issuer URL");
        // Entra matches subjects exactly: a '*' is never a wildcard, only a mistake.
        const subjects = block.stringList(
            "subjects",
            (x) => x.length > 0 && x.length <= 600 && !x.includes("*"),
            "must be one concrete subject (Entra matches exactly; '*' is not a wildcard)",
        );
        if (subjects.length === 0) block.problem("must list at least one subject", "subjects");
        const given = block.value("audience");
        const audience = given === undefined ? tokenExchangeAudience : given;
        if (typeof audience !== "string" || !tokenExchangeAudiences.includes(audience))
            block.problem(`must be one of ${tokenExchangeAudiences.join(", ")}`, "audience");
        // A non-string audience is reported above, which fails the configuration; its JSON stands in.
        return {
            issuer,
            subjects,
            audience: typeof audience === "string" ? audience : JSON.stringify(audience),
        };
    },
    federatedCredentials: (oidc) =>
        oidc.subjects.map((subject, i) => ({
            ...federatedCredential(`oidc-${i + 1}`, oidc.issuer, subject, "OIDC workload"),
            audience: oidc.audience,
        })),
};
