/**
 * Every policy of the pack, and the pack's own settings. Kept apart from `index.ts` because
 * constructing a PolicyPack starts its gRPC server; tests and the offline run import this module.
 */
import { Policies, PolicyPackArgs } from "@pulumi/policy";
import { agentDataResourcePolicies, agentDataStackPolicies } from "./agent-data";
import { contentSafetyPolicies, contentSafetyStackPolicies } from "./content-safety";
import { dataComputePolicies } from "./data-compute";
import { gatewayResourcePolicies } from "./gateway";
import { gatewayStackPolicies } from "./gateway-stack";
import { frontDoorRateLimited, frontDoorSecretless } from "./front-door";
import { governancePolicies } from "./governance";
import { identityPolicies, identityStackPolicies } from "./identity";
import { keyVaultResourcePolicies, keyVaultStackPolicies } from "./key-vault";
import { monitoringQueryPolicies } from "./monitoring-queries";
import { observabilityResourcePolicies, observabilityStackPolicies } from "./observability";
import { tracingEntraAuth } from "./tracing";

export const packName = "agents-control-plane";

export const policies: Policies = [
    ...gatewayResourcePolicies,
    ...gatewayStackPolicies,
    ...identityPolicies,
    ...identityStackPolicies,
    frontDoorSecretless,
    frontDoorRateLimited,
    ...dataComputePolicies,
    ...agentDataResourcePolicies,
    ...agentDataStackPolicies,
    ...observabilityResourcePolicies,
    ...observabilityStackPolicies,
    tracingEntraAuth,
    ...monitoringQueryPolicies,
    ...governancePolicies,
    ...keyVaultResourcePolicies,
    ...keyVaultStackPolicies,
    ...contentSafetyPolicies,
    ...contentSafetyStackPolicies,
];

/** Pack settings besides the policies (a violation blocks the deployment unless a policy says otherwise). */
export const packSettings: Omit<PolicyPackArgs, "policies"> = {
    enforcementLevel: "mandatory",
    displayName: "Agents control plane",
    description:
        "Compliance for the MCP gateway on Azure: gateway, identity, data and compute, observability.",
    provider: "azure",
    tags: ["azure", "apim", "entra", "mcp"],
};
