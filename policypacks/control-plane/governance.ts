/** Governance policies that apply to every resource regardless of concern. */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { RegionSettings, defaultRegions, regionSchema, settings } from "./config";
import { normalizeRegion } from "./lib/arm";

export const allowedRegions: ResourceValidationPolicy = {
    name: "allowed-regions",
    description: "Resources are placed only in regions the organisation allows (data residency).",
    enforcementLevel: "mandatory",
    configSchema: regionSchema,
    validateResource: (args, report) => {
        const location = (args.props as { location?: unknown }).location;
        if (typeof location !== "string") {
            return args.notApplicable("the resource has no location");
        }
        const { allowedRegions: allowed } = settings<RegionSettings>(args, defaultRegions);
        const normalized = allowed.map(normalizeRegion);
        if (!normalized.includes(normalizeRegion(location))) {
            report(
                `Region "${location}" is not allowed; use one of ${allowed.join(", ")} (or change allowedRegions in the policy configuration).`,
            );
        }
    },
};

export const governancePolicies: ResourceValidationPolicy[] = [allowedRegions];
