import type { RecordedResource } from "../../../policypacks/control-plane/evaluate";
import { PolicyCase } from "../harness";
import { compliantStack, plus, resource, withChange } from "../fixtures";

const change = (name: string, change: (inputs: Record<string, unknown>) => void) =>
    withChange(compliantStack(), name, change);

/** The backend identity's grant stating `principalType`, linked to the identity as the engine reports it. */
function managedIdentityGrant(principalType: string): RecordedResource[] {
    const stack = change("backend-blob-owner", (i) => (i.principalType = principalType));
    const identity = stack.find((r) => r.name === "backend-identity");
    if (identity === undefined) throw new Error("the fixture has no backend-identity");
    return stack.map((r) =>
        r.name === "backend-blob-owner" ? { ...r, propertyDependencies: { principalId: [identity.urn] } } : r,
    );
}

/** The AKS deployer's two grants (cluster admin, registry push), each stating a principal type. */
function deployerGrants(clusterAdmin: string, registryPush: string) {
    const sub = "/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
    const rg = `${sub}/resourceGroups/agents-dev-rg/providers`;
    const deployer = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    const grant = (name: string, principalType: string, scope: string, role: string) =>
        resource("azure-native:authorization:RoleAssignment", name, {
            principalId: deployer,
            principalType,
            scope: `${rg}/${scope}`,
            roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
        });
    return plus(
        compliantStack(),
        grant(
            "aks-deployer-cluster-admin",
            clusterAdmin,
            "Microsoft.ContainerService/managedClusters/aks-agents-dev",
            "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
        ),
        grant(
            "aks-deployer-acr-push",
            registryPush,
            "Microsoft.ContainerRegistry/registries/cragentsdev",
            "8311e382-0749-4cb8-b61a-304f252e45ec",
        ),
    );
}

export const identityCases: PolicyCase[] = [
    {
        policy: "fic-allowed-issuer",
        title: "Google, AWS, Entra, GitHub and AKS issuers",
        resources: compliantStack,
    },
    {
        policy: "fic-allowed-issuer",
        title: "an issuer the platform team added to the configuration",
        resources: () =>
            change("identity-gcp-agent-fic", (i) => (i.issuer = "https://oidc.partner.example.com")),
        config: {
            "fic-allowed-issuer": {
                allowedIssuers: [
                    "https://oidc.partner.example.com",
                    "https://*.tokens.sts.global.api.aws",
                    "https://token.actions.githubusercontent.com",
                    "https://login.microsoftonline.com/*/v2.0",
                    "https://*.oic.prod-aks.azure.com/*/*/",
                ],
            },
        },
    },
    {
        policy: "fic-allowed-issuer",
        title: "an unknown issuer",
        resources: () => change("identity-gcp-agent-fic", (i) => (i.issuer = "https://idp.attacker.example")),
        message:
            /Issuer "https:\/\/idp.attacker.example" is not in allowedIssuers; use one of https:\/\/accounts.google.com/,
    },
    {
        policy: "fic-allowed-issuer",
        title: "an issuer over plain HTTP",
        resources: () => change("identity-gcp-agent-fic", (i) => (i.issuer = "http://accounts.google.com")),
        message: /Issuer "http:\/\/accounts.google.com" is not an https URL/,
    },
    {
        policy: "fic-allowed-issuer",
        title: "a look-alike of the AWS issuer",
        resources: () =>
            change(
                "identity-aws-agent-fic",
                (i) => (i.issuer = "https://evil.example/x.tokens.sts.global.api.aws"),
            ),
        message: /is not in allowedIssuers/,
    },

    {
        policy: "fic-allowed-issuer",
        title: "a credential recorded without an issuer",
        resources: () => change("aks-workload-fic", (i) => delete i.issuer),
        message: /The issuer is empty; set the OIDC issuer URL/,
    },
    {
        policy: "fic-token-exchange-audience",
        title: "a credential recorded without audiences",
        resources: () => change("aks-workload-fic", (i) => delete i.audiences),
        message: /Set audiences to \["api:\/\/AzureADTokenExchange"\] \(found \[\]\)/,
    },
    {
        policy: "fic-token-exchange-audience",
        title: "api://AzureADTokenExchange everywhere",
        resources: compliantStack,
    },
    {
        policy: "fic-token-exchange-audience",
        title: "another audience",
        resources: () => change("aks-workload-fic", (i) => (i.audiences = ["api://my-app"])),
        message: /Set audiences to \["api:\/\/AzureADTokenExchange"\] \(found \["api:\/\/my-app"\]\)/,
    },
    {
        policy: "fic-token-exchange-audience",
        title: "the US Government cloud's token-exchange audience",
        resources: () =>
            change("identity-gcp-agent-fic", (i) => (i.audiences = ["api://AzureADTokenExchangeUSGov"])),
    },
    {
        policy: "fic-token-exchange-audience",
        title: "a Cognito identity pool id on a Cognito credential",
        resources: () =>
            change("identity-gcp-agent-fic", (i) => {
                i.issuer = "https://cognito-identity.amazonaws.com";
                i.audiences = ["eu-west-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"];
            }),
    },
    {
        policy: "fic-token-exchange-audience",
        title: "the token-exchange audience on a Cognito credential (Cognito tokens never carry it)",
        resources: () =>
            change("identity-gcp-agent-fic", (i) => (i.issuer = "https://cognito-identity.amazonaws.com")),
        message:
            /Set audiences to \[the Cognito identity pool id\], which https:\/\/cognito-identity.amazonaws.com tokens carry/,
    },
    {
        policy: "fic-token-exchange-audience",
        title: "a Cognito pool id on a credential of another issuer",
        resources: () =>
            change(
                "identity-gcp-agent-fic",
                (i) => (i.audiences = ["eu-west-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]),
            ),
        message: /Set audiences to \["api:\/\/AzureADTokenExchange"\]/,
    },
    {
        policy: "fic-token-exchange-audience",
        title: "an extra audience",
        resources: () =>
            change(
                "identity-gcp-agent-fic",
                (i) => (i.audiences = ["api://AzureADTokenExchange", "https://example.com"]),
            ),
        message: /Set audiences to \["api:\/\/AzureADTokenExchange"\]/,
    },

    {
        policy: "fic-concrete-subject",
        title: "a numeric id, a role ARN, a service account and a GitHub environment",
        resources: compliantStack,
    },
    {
        policy: "fic-concrete-subject",
        title: "a wildcard subject",
        resources: () =>
            change(
                "identity-github-deployer-fic",
                (i) => (i.subject = "repo:contoso/agents-control-plane:*"),
            ),
        message:
            /The subject "repo:contoso\/agents-control-plane:\*" contains a wildcard; set the exact subject of one workload/,
    },
    {
        policy: "fic-concrete-subject",
        title: "an empty subject",
        resources: () => change("identity-gcp-agent-fic", (i) => (i.subject = " ")),
        message: /The subject is empty/,
    },
    {
        policy: "fic-concrete-subject",
        title: "a service account subject without a name",
        resources: () => change("aks-workload-fic", (i) => (i.subject = "system:serviceaccount:mcp-tools:")),
        message: /is a prefix, not a complete subject/,
    },
    {
        policy: "fic-concrete-subject",
        title: "a flexible credential matching a claims expression",
        resources: () =>
            plus(
                compliantStack(),
                resource(
                    "azuread:index/applicationFlexibleFederatedIdentityCredential:ApplicationFlexibleFederatedIdentityCredential",
                    "identity-flex",
                    {
                        applicationId: "/applications/x",
                        displayName: "any-branch",
                        issuer: "https://token.actions.githubusercontent.com",
                        audience: "api://AzureADTokenExchange",
                        claimsMatchingExpression: "claims['sub'] matches 'repo:contoso/*'",
                    },
                ),
            ),
        message: /Flexible federated credential .* matches many subjects/,
    },

    {
        policy: "entra-no-password-credentials",
        title: "federation and a certificate",
        resources: compliantStack,
    },
    {
        policy: "entra-no-password-credentials",
        title: "a client secret on an agent app",
        resources: () =>
            plus(
                compliantStack(),
                resource(
                    "azuread:index/applicationPassword:ApplicationPassword",
                    "identity-salesforce-secret",
                    {
                        applicationId: "/applications/salesforce-object-id",
                        displayName: "salesforce",
                    },
                ),
            ),
        message: /Remove this client secret; authenticate the agent with a federated identity credential/,
    },
    {
        policy: "entra-no-password-credentials",
        title: "a password block on an application",
        resources: () => change("identity-gcp-agent-app", (i) => (i.password = { displayName: "legacy" })),
        message: /Remove the password block from application "agent-gcp-agent-dev"/,
    },

    {
        policy: "entra-no-directory-permissions",
        title: "app roles and a delegated sign-in scope",
        resources: compliantStack,
    },
    {
        policy: "entra-no-directory-permissions",
        title: "Directory.Read.All as an application permission",
        resources: () =>
            change("identity-gcp-agent-app", (i) => {
                i.requiredResourceAccesses = [
                    {
                        resourceAppId: "00000003-0000-0000-c000-000000000000",
                        resourceAccesses: [{ id: "7ab1d382-f21e-4acd-a863-ba3e13f7da61", type: "Role" }],
                    },
                ];
            }),
        message:
            /requests 1 Microsoft Graph application permission\(s\); remove them and grant the agent an app role/,
    },
    {
        policy: "entra-no-directory-permissions",
        title: "a directory role for an agent",
        resources: () =>
            plus(
                compliantStack(),
                resource(
                    "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
                    "identity-agent-reader",
                    {
                        roleId: "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
                        principalObjectId: "gcp-agent-sp-object-id",
                    },
                ),
            ),
        message: /Remove this directory role assignment/,
    },
    {
        policy: "entra-no-directory-permissions",
        title: "Graph application permissions granted through ApplicationApiAccess",
        resources: () =>
            plus(
                compliantStack(),
                resource("azuread:index/applicationApiAccess:ApplicationApiAccess", "identity-graph-access", {
                    applicationId: "/applications/x",
                    apiClientId: "00000003-0000-0000-c000-000000000000",
                    roleIds: ["df021288-bdef-4463-88db-98f22de89214"],
                }),
            ),
        message: /Remove the Microsoft Graph application permissions \(roleIds\)/,
    },

    { policy: "entra-api-v2-tokens", title: "the MCP app with v2 tokens", resources: compliantStack },
    {
        policy: "entra-api-v2-tokens",
        title: "the MCP app on v1 tokens",
        resources: () =>
            change(
                "identity-mcp-app",
                (i) => ((i.api as Record<string, unknown>).requestedAccessTokenVersion = 1),
            ),
        message: /Set api.requestedAccessTokenVersion: 2 on "agents-control-plane-mcp-dev"/,
    },

    { policy: "entra-no-implicit-grant", title: "apps without implicit grant", resources: compliantStack },
    {
        policy: "entra-no-implicit-grant",
        title: "implicit access tokens",
        resources: () =>
            change(
                "identity-mcp-app",
                (i) => (i.web = { implicitGrant: { accessTokenIssuanceEnabled: true } }),
            ),
        message: /Disable web.implicitGrant on "agents-control-plane-mcp-dev"/,
    },

    {
        policy: "rbac-principal-type",
        title: "a managed identity and a deployer whose grants all state one type each",
        resources: () => deployerGrants("ServicePrincipal", "ServicePrincipal"),
    },
    {
        policy: "rbac-principal-type",
        title: "a managed identity's grant, known to come from the identity, stating ServicePrincipal",
        resources: () => managedIdentityGrant("ServicePrincipal"),
    },
    {
        policy: "rbac-principal-type",
        title: "a managed identity's grant stating User (what the provider sends when the type is left out)",
        resources: () => managedIdentityGrant("User"),
        message:
            /^Role assignment "backend-blob-owner" grants the identity of azure-native:managedidentity:UserAssignedIdentity "backend-identity" but states principalType User; state ServicePrincipal/,
    },
    {
        policy: "rbac-principal-type",
        title: "a role assignment without principalType",
        resources: () => change("backend-blob-owner", (i) => delete i.principalType),
        message:
            /^Role assignment "backend-blob-owner" does not state principalType; set the principal's type/,
    },
    {
        policy: "rbac-principal-type",
        title: "the deployer granted as a service principal on the cluster and as a user on the registry",
        resources: () => deployerGrants("ServicePrincipal", "User"),
        message:
            /^Principal aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee is assigned as ServicePrincipal \("aks-deployer-cluster-admin"\) and as User \("aks-deployer-acr-push"\); .*UnmatchedPrincipalType/,
    },
    {
        policy: "rbac-least-privilege",
        title: "Storage Blob Data Owner on the account",
        resources: compliantStack,
    },
    {
        policy: "rbac-least-privilege",
        title: "Contributor on the subscription",
        resources: () =>
            change("backend-blob-owner", (i) => {
                i.roleDefinitionId =
                    "/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c";
                i.scope = "/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
            }),
        message: /Do not assign Contributor/,
    },
    {
        policy: "rbac-least-privilege",
        title: "a data role granted subscription-wide",
        resources: () =>
            change(
                "backend-blob-owner",
                (i) => (i.scope = "/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"),
            ),
        message: /Scope the role assignment to the resource it is for, not \/subscriptions\//,
    },
];
