/** Azure Databricks: the workspace's access connector managed identity is the credential. */
import { uuidPattern } from "../config/values";
import { federatedCredential } from "../identity/federation";
import type { AgentPlatformModule } from "./platform";

export interface AzureDatabricksFederation {
    /** Object (principal) id of the access connector's managed identity. */
    readonly accessConnectorPrincipalId: string;
}

export const azureDatabricksPlatform: AgentPlatformModule<"azureDatabricks", AzureDatabricksFederation> = {
    kind: "azureDatabricks",
    docs: {
        fields: "`accessConnectorPrincipalId`",
        credential:
            "the access connector's managed identity (issuer `https://login.microsoftonline.com/<tenant>/v2.0`)",
        yaml: "{ accessConnectorPrincipalId: <object id of the access connector identity> }",
    },
    // The control plane's own tenant issues the managed identity's token.
    allowedIssuers: ["https://login.microsoftonline.com/*/v2.0"],
    read: (block) => ({
        accessConnectorPrincipalId: block.requiredString(
            "accessConnectorPrincipalId",
            (x) => uuidPattern.test(x),
            "must be the object id (GUID) of the access connector's managed identity",
        ),
    }),
    federatedCredentials: (databricks, ctx) => [
        federatedCredential(
            "databricks-access-connector",
            `https://login.microsoftonline.com/${ctx.tenantId}/v2.0`,
            databricks.accessConnectorPrincipalId,
            "Azure Databricks access connector managed identity",
        ),
    ],
};
