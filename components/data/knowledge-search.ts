import type * as authorization from "@pulumi/azure-native/authorization";
import * as search from "@pulumi/azure-native/search";
import * as pulumi from "@pulumi/pulumi";
import { sendDiagnostics } from "../azure/diagnostics";
import { assignRole, roleGranter } from "../azure/role-assignment";
import { RolePropagation } from "../azure/role-propagation";
import type { DeployerPrincipalType, KnowledgeConfig } from "../config/types";
import { SearchIndex } from "../knowledge/search-index";
import { privateEndpointTo, type NamedPrivateEndpointPlacement } from "../network/private-endpoint";

/**
 * How long the index definition waits after the deployer's search roles are created: data-plane
 * roles on AI Search take minutes to apply, and the index is written with the deployer's token.
 */
export const knowledgeRolePropagationSeconds = 120;

/** Arguments for {@link KnowledgeSearch}. */
export interface KnowledgeSearchArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /** Globally unique service name: 2-60 lowercase letters, digits and hyphens. */
    readonly serviceName: string;
    /** Name of the index the program defines and the tools read. */
    readonly indexName: string;
    /** Tier and replicas. */
    readonly settings: KnowledgeConfig;
    /** Subscription the built-in role definitions are resolved in. */
    readonly subscriptionId: string;
    /** The principal that runs `pulumi up`: it writes the index definition through the data plane. */
    readonly deployer: { readonly objectId: string; readonly principalType: DeployerPrincipalType };
    /**
     * Private endpoint (group `searchService`) in the backend's VNet; with it public network
     * access is disabled. Without it the service is public, and answers Entra tokens only.
     */
    readonly privateEndpoint?: NamedPrivateEndpointPlacement;
    /** Log Analytics workspace for the service's diagnostics. */
    readonly workspaceId: pulumi.Input<string>;
    readonly tags: Record<string, string>;
}

/**
 * The knowledge index's Azure AI Search service: RBAC only (API keys disabled), diagnostics to the
 * workspace, no public network access behind a private endpoint. The deployer gets Search Service
 * Contributor and Search Index Data Contributor to define and load the index; tool backends get
 * Search Index Data Reader.
 */
export class KnowledgeSearch extends pulumi.ComponentResource {
    public readonly serviceId: pulumi.Output<string>;
    public readonly serviceName: pulumi.Output<string>;
    /** https://<service>.search.windows.net (KNOWLEDGE_SEARCH_ENDPOINT). */
    public readonly endpoint: pulumi.Output<string>;
    public readonly indexName: pulumi.Output<string>;
    /**
     * Whether `pulumi up` writes the index definition: only where the service is reachable from the
     * deployer (public, Entra tokens only); a private service's index is defined from its network.
     */
    public readonly indexDefinedByProgram: boolean;
    /** The deployer's grants on the service. */
    public readonly deployerRoleAssignments: readonly authorization.RoleAssignment[];
    /**
     * What the index definition (written with the deployer's token) must wait for: the
     * deployer's grants, created and given time to apply.
     */
    public readonly indexPrerequisites: readonly pulumi.Resource[];
    private readonly service: search.Service;
    private readonly name: string;
    private readonly subscriptionId: string;

    constructor(name: string, args: KnowledgeSearchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:data:KnowledgeSearch", name, {}, opts);
        const service = new search.Service(
            `${name}-service`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                searchServiceName: args.serviceName,
                sku: { name: args.settings.sku },
                replicaCount: args.settings.replicaCount,
                partitionCount: 1,
                hostingMode: "Default",
                // Entra tokens and roles only; authOptions must then be absent (Azure rejects both).
                disableLocalAuth: true,
                publicNetworkAccess: args.privateEndpoint ? "Disabled" : "Enabled",
                networkRuleSet: { bypass: "None" },
                tags: args.tags,
            },
            { parent: this },
        );
        sendDiagnostics(
            `${name}-diagnostics`,
            { resourceUri: service.id, workspaceId: args.workspaceId },
            { parent: this },
        );
        if (args.privateEndpoint)
            privateEndpointTo(
                `${name}-pe`,
                {
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    endpointName: args.privateEndpoint.endpointName,
                    resourceId: service.id,
                    groupId: "searchService",
                    placement: args.privateEndpoint,
                    tags: args.tags,
                },
                { parent: this },
            );

        const grant = roleGranter(
            `${name}-deployer`,
            {
                subscriptionId: args.subscriptionId,
                principalId: args.deployer.objectId,
                principalType: args.deployer.principalType,
            },
            { parent: this },
        );
        this.deployerRoleAssignments = [
            grant(
                "service-contributor",
                service.id,
                "searchServiceContributor",
                "The deployment identity defines the knowledge index",
            ),
            grant(
                "index-data-contributor",
                service.id,
                "searchIndexDataContributor",
                "The deployment identity loads knowledge documents",
            ),
        ];
        this.indexPrerequisites = [
            new RolePropagation(
                `${name}-deployer-propagation`,
                {
                    assignmentIds: this.deployerRoleAssignments.map((a) => a.id),
                    seconds: knowledgeRolePropagationSeconds,
                },
                { parent: this },
            ),
        ];

        // The definition is written through the data plane with the deployer's token, which needs a
        // network path from where `pulumi up` runs: a private service has none, so there an operator
        // defines it from inside the network (`npm run knowledge -- load <dir> --define-index`).
        this.indexDefinedByProgram = args.privateEndpoint === undefined;
        if (this.indexDefinedByProgram) {
            new SearchIndex(
                `${name}-index`,
                {
                    endpoint: pulumi.interpolate`https://${service.name}.search.windows.net`,
                    indexName: args.indexName,
                },
                { parent: this, dependsOn: [...this.indexPrerequisites] },
            );
        } else {
            void pulumi.log.info(
                `${args.indexName}: AI Search has no public network access, so the index definition is not written ` +
                    "by pulumi up; run `npm run knowledge -- load <dir> --define-index` from a host with a path to " +
                    "its private endpoint",
                this,
            );
        }

        this.service = service;
        this.name = name;
        this.subscriptionId = args.subscriptionId;
        this.serviceId = service.id;
        this.serviceName = service.name;
        this.endpoint = pulumi.interpolate`https://${service.name}.search.windows.net`;
        this.indexName = pulumi.output(args.indexName);
        this.registerOutputs({
            serviceId: this.serviceId,
            endpoint: this.endpoint,
            indexName: this.indexName,
        });
    }

    /**
     * Grants `principalId` (a workload's managed identity) Search Index Data Reader on the
     * service: it queries indexes, and cannot change them or the service.
     * @param id short name of the grant, unique per component (`<name>-<id>`).
     */
    grantIndexReader(id: string, principalId: pulumi.Input<string>): authorization.RoleAssignment {
        return assignRole(
            `${this.name}-${id}`,
            {
                subscriptionId: this.subscriptionId,
                scope: this.service.id,
                principalId,
                role: "searchIndexDataReader",
                description: "The tool service searches the knowledge index",
            },
            { parent: this },
        );
    }
}
