import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { allAppRoles, appRoles, delegatedScope, gatewayRole, type AppRole } from "functions-app/contract";
import type { AgentConfig } from "../config/types";
import { stableGuid } from "../azure/ids";
import {
    certificateCredentialFor,
    federatedCredentialsFor,
    type AgentPlatformKind,
} from "../platforms/registry";
import type { FederatedCredentialSpec } from "./federation";

/** Arguments for {@link Identity}. */
export interface IdentityArgs {
    /** Base for display names, e.g. `acp-dev`. */
    readonly baseName: string;
    readonly tenantId: string;
    /** Object id of the deploying principal, made owner of every app so it can keep managing them. */
    readonly ownerObjectId: string;
    /** When set, the MCP app id URI is this URL (the gateway's MCP endpoint on a verified domain). */
    readonly mcpAppIdUriOverride?: string | undefined;
    readonly agents: readonly AgentConfig[];
    /** Managed identities (e.g. Sentinel playbooks) granted the incident-analysis role. */
    readonly sentinelCallerPrincipalIds: readonly string[];
    readonly tags: Record<string, string>;
}

/** What agent owners need to obtain a token, plus what was granted. */
export interface AgentIdentityOutput {
    readonly name: string;
    readonly platform: AgentPlatformKind;
    readonly clientId: pulumi.Output<string>;
    readonly roles: readonly AppRole[];
    readonly federation: readonly FederatedCredentialSpec[];
    /** Authenticates with a certificate (JWT client assertion), e.g. Salesforce. */
    readonly certificateCredential: boolean;
}

const appRoleDescriptions: Record<AppRole, string> = {
    "Tools.Invoke": "Connect to the MCP endpoint, list tools and call the basic ones.",
    "Snippets.Read": "Read snippets (get_snippet, list_snippets).",
    "Snippets.Write": "Save snippets (save_snippet).",
    "Incidents.Analyze": "Analyze Sentinel incidents (analyze_incident and the incident webhook).",
    "Memory.Read": "Recall the caller's own memory notes (memory_recall).",
    "Memory.Write": "Save and forget the caller's own memory notes (memory_save, memory_forget).",
    "Knowledge.Search": "Search the shared knowledge index (knowledge_search).",
};

/** Role on the backend app that only the gateway's identity holds. */
export const backendInvokeRole = gatewayRole;

/**
 * Entra side of the control plane: the MCP resource app (roles for agents, a delegated scope for
 * users), the backend app the gateway authenticates to, and one app per external agent with its
 * federated credentials (or certificate) and exactly the roles it was given.
 */
export class Identity extends pulumi.ComponentResource {
    public readonly tenantId: string;
    public readonly mcpAppClientId: pulumi.Output<string>;
    public readonly mcpAppIdUri: pulumi.Output<string>;
    public readonly mcpServicePrincipalObjectId: pulumi.Output<string>;
    /** The MCP app's resource id (`/applications/<object id>`) and its delegated scope's id. */
    public readonly mcpApplicationId: pulumi.Output<string>;
    public readonly mcpScopeId: string;
    /** App role value -> id on the MCP app. */
    public readonly mcpAppRoleIds: Readonly<Record<AppRole, string>>;
    /** Audience the backend accepts: the backend app's client id. */
    public readonly backendAppClientId: pulumi.Output<string>;
    public readonly backendServicePrincipalObjectId: pulumi.Output<string>;
    public readonly backendInvokeRoleId: string;
    public readonly agents: readonly AgentIdentityOutput[];

    constructor(name: string, args: IdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:identity:Identity", name, {}, opts);
        const owners = [args.ownerObjectId];
        const tags = Object.entries(args.tags).map(([k, v]) => `${k}:${v}`);

        // Stable ids: role and scope ids must not change between runs or assignments break.
        const roleIds = Object.fromEntries(
            allAppRoles.map((r) => [r, stableGuid(args.baseName, "mcp-app-role", r)]),
        ) as Record<AppRole, string>;
        const mcpScopeId = stableGuid(args.baseName, "mcp-scope", delegatedScope);
        const mcpApp = new azuread.Application(
            `${name}-mcp-app`,
            {
                displayName: `${args.baseName}-mcp`,
                description: "MCP tools behind the agents control plane gateway.",
                signInAudience: "AzureADMyOrg",
                owners,
                tags,
                api: {
                    requestedAccessTokenVersion: 2,
                    oauth2PermissionScopes: [
                        {
                            id: mcpScopeId,
                            value: delegatedScope,
                            type: "User",
                            enabled: true,
                            adminConsentDisplayName: "Use the MCP tools",
                            adminConsentDescription:
                                "Lets the client call the MCP tools on the signed-in user's behalf.",
                            userConsentDisplayName: "Use the MCP tools",
                            userConsentDescription: "Lets the client call the MCP tools on your behalf.",
                        },
                    ],
                },
                appRoles: allAppRoles.map((role) => ({
                    id: roleIds[role],
                    value: role,
                    displayName: role,
                    description: appRoleDescriptions[role],
                    allowedMemberTypes: ["Application", "User"],
                    enabled: true,
                })),
            },
            // The identifier URI is its own resource (it needs the client id).
            { parent: this, ignoreChanges: ["identifierUris"] },
        );
        const appIdUri = args.mcpAppIdUriOverride
            ? pulumi.output(args.mcpAppIdUriOverride)
            : pulumi.interpolate`api://${mcpApp.clientId}`;
        new azuread.ApplicationIdentifierUri(
            `${name}-mcp-app-uri`,
            { applicationId: mcpApp.id, identifierUri: appIdUri },
            { parent: this },
        );
        const mcpSp = new azuread.ServicePrincipal(
            `${name}-mcp-sp`,
            {
                clientId: mcpApp.clientId,
                // Users must be assigned a role; agents only get tokens with the roles they hold.
                appRoleAssignmentRequired: true,
                owners,
                description: "MCP tools resource",
            },
            { parent: this },
        );

        // The backend accepts tokens for its own app only, which only the gateway is granted.
        this.backendInvokeRoleId = stableGuid(args.baseName, "backend-role", backendInvokeRole);
        const backendApp = new azuread.Application(
            `${name}-backend-app`,
            {
                displayName: `${args.baseName}-tools-backend`,
                description:
                    "Audience of the tool backend; only the gateway's managed identity is granted access.",
                signInAudience: "AzureADMyOrg",
                owners,
                tags,
                api: { requestedAccessTokenVersion: 2 },
                appRoles: [
                    {
                        id: this.backendInvokeRoleId,
                        value: backendInvokeRole,
                        displayName: backendInvokeRole,
                        description: "Call the tool backend (granted to the gateway only).",
                        allowedMemberTypes: ["Application"],
                        enabled: true,
                    },
                ],
            },
            { parent: this },
        );
        const backendSp = new azuread.ServicePrincipal(
            `${name}-backend-sp`,
            {
                clientId: backendApp.clientId,
                appRoleAssignmentRequired: true,
                owners,
                description: "Tool backend",
            },
            { parent: this },
        );

        for (const [i, principalId] of args.sentinelCallerPrincipalIds.entries()) {
            new azuread.AppRoleAssignment(
                `${name}-sentinel-caller-${i + 1}`,
                {
                    appRoleId: roleIds[appRoles.incidentsAnalyze],
                    principalObjectId: principalId,
                    resourceObjectId: mcpSp.objectId,
                },
                { parent: this },
            );
        }

        this.agents = args.agents.map((agent) => {
            const a = new AgentIdentity(
                `${name}-agent-${agent.name}`,
                {
                    baseName: args.baseName,
                    agent,
                    tenantId: args.tenantId,
                    owners,
                    tags,
                    mcpServicePrincipalObjectId: mcpSp.objectId,
                    mcpAppRoleIds: roleIds,
                },
                { parent: this },
            );
            return {
                name: agent.name,
                platform: agent.platform.kind,
                clientId: a.clientId,
                roles: agent.roles,
                federation: a.federation,
                certificateCredential: certificateCredentialFor(agent.platform) !== undefined,
            };
        });

        this.tenantId = args.tenantId;
        this.mcpAppClientId = mcpApp.clientId;
        this.mcpAppIdUri = appIdUri;
        this.mcpServicePrincipalObjectId = mcpSp.objectId;
        this.mcpApplicationId = mcpApp.id;
        this.mcpScopeId = mcpScopeId;
        this.mcpAppRoleIds = roleIds;
        this.backendAppClientId = backendApp.clientId;
        this.backendServicePrincipalObjectId = backendSp.objectId;
        this.registerOutputs({
            mcpAppClientId: this.mcpAppClientId,
            mcpAppIdUri: this.mcpAppIdUri,
            backendAppClientId: this.backendAppClientId,
        });
    }
}

/** Arguments for {@link AgentIdentity}. */
export interface AgentIdentityArgs {
    readonly baseName: string;
    readonly agent: AgentConfig;
    readonly tenantId: string;
    readonly owners: string[];
    readonly tags: string[];
    readonly mcpServicePrincipalObjectId: pulumi.Input<string>;
    readonly mcpAppRoleIds: Readonly<Record<AppRole, string>>;
}

/** One external agent: app registration, service principal, credentials, role assignments. */
export class AgentIdentity extends pulumi.ComponentResource {
    public readonly clientId: pulumi.Output<string>;
    public readonly federation: readonly FederatedCredentialSpec[];

    constructor(name: string, args: AgentIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:identity:AgentIdentity", name, {}, opts);
        const { agent } = args;
        const app = new azuread.Application(
            `${name}-app`,
            {
                displayName: `${args.baseName}-agent-${agent.name}`,
                description: agent.description ?? `External agent (${agent.platform.kind}).`,
                signInAudience: "AzureADMyOrg",
                owners: args.owners,
                tags: [...args.tags, `agent-platform:${agent.platform.kind}`],
            },
            { parent: this },
        );
        const sp = new azuread.ServicePrincipal(
            `${name}-sp`,
            { clientId: app.clientId, owners: args.owners, description: `Agent ${agent.name}` },
            { parent: this },
        );

        this.federation = federatedCredentialsFor(agent.platform, { tenantId: args.tenantId });
        for (const fic of this.federation) {
            new azuread.ApplicationFederatedIdentityCredential(
                `${name}-fic-${fic.name}`,
                {
                    applicationId: app.id,
                    displayName: fic.name,
                    description: fic.description,
                    issuer: fic.issuer,
                    subject: fic.subject,
                    audiences: [fic.audience],
                },
                { parent: this },
            );
        }
        const cert = certificateCredentialFor(agent.platform);
        if (cert !== undefined) {
            new azuread.ApplicationCertificate(
                `${name}-certificate`,
                {
                    applicationId: app.id,
                    type: "AsymmetricX509Cert",
                    encoding: cert.encoding,
                    value: pulumi.secret(cert.certificate),
                    endDate: cert.notAfter,
                },
                { parent: this },
            );
        }
        for (const role of agent.roles) {
            new azuread.AppRoleAssignment(
                `${name}-role-${role.replace(/\./g, "-").toLowerCase()}`,
                {
                    appRoleId: args.mcpAppRoleIds[role],
                    principalObjectId: sp.objectId,
                    resourceObjectId: args.mcpServicePrincipalObjectId,
                },
                { parent: this },
            );
        }
        this.clientId = app.clientId;
        this.registerOutputs({ clientId: this.clientId });
    }
}
