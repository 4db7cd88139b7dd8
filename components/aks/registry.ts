import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";
import { sendDiagnostics } from "../azure/diagnostics";

/** Arguments for {@link ToolRegistry}. */
export interface ToolRegistryArgs {
    /** Resource group that holds the registry. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Azure region of the registry. */
    readonly location: pulumi.Input<string>;
    /** Globally unique registry name: 5-50 letters and digits. */
    readonly registryName: string;
    /** Log Analytics workspace that receives the registry's logs and metrics. */
    readonly workspaceId: pulumi.Input<string>;
    /** Tags put on the registry. */
    readonly tags: Record<string, string>;
    /**
     * URN of the component that held the registry before it was its own component; an alias
     * keeps the existing registry (and its images) in place instead of replacing it. Optional.
     */
    readonly previousParent?: pulumi.Input<pulumi.URN>;
}

/**
 * The container registry the tool image is pushed to and the cluster's nodes pull from: Standard
 * tier, no admin user, no anonymous pull (Entra identities with AcrPush/AcrPull only), logs and
 * metrics to the workspace.
 */
export class ToolRegistry extends pulumi.ComponentResource {
    public readonly registryId: pulumi.Output<string>;
    /** `<name>.azurecr.io`. */
    public readonly loginServer: pulumi.Output<string>;

    constructor(name: string, args: ToolRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:aks:ToolRegistry", name, {}, opts);
        const child: pulumi.CustomResourceOptions = {
            parent: this,
            ...(args.previousParent ? { aliases: [{ parent: args.previousParent }] } : {}),
        };
        const registry = new containerregistry.Registry(
            `${name}-registry`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                registryName: args.registryName,
                sku: { name: "Standard" },
                adminUserEnabled: false,
                anonymousPullEnabled: false,
                tags: args.tags,
            },
            child,
        );
        sendDiagnostics(
            `${name}-registry-diagnostics`,
            { resourceUri: registry.id, workspaceId: args.workspaceId },
            child,
        );
        this.registryId = registry.id;
        this.loginServer = registry.loginServer;
        this.registerOutputs({ registryId: this.registryId, loginServer: this.loginServer });
    }
}
