/**
 * What teams may tune through policy configuration (`pulumi preview --policy-pack-config`), with
 * the defaults used when they do not. Each knob belongs to one policy; the JSON schemas here are
 * what the Pulumi CLI validates a configuration file against.
 */
import { PolicyConfigSchema } from "@pulumi/policy";
import { defaultAllowedIssuers } from "../../components/platforms/registry";

export interface RegionSettings {
    /** Azure regions (ARM names such as `westeurope`) resources may be placed in. */
    readonly allowedRegions: string[];
}

export interface ApimSkuSettings {
    /** APIM SKU names allowed per environment; the `*` entry applies to environments not listed. */
    readonly allowedSkus: Record<string, string[]>;
}

export interface IssuerSettings {
    /** Federation issuers agents may use; `*` matches any run of characters other than `/`. */
    readonly allowedIssuers: string[];
}

export interface TagSettings {
    /** Tags every taggable resource must carry with a non-empty value. */
    readonly requiredTags: string[];
}

export interface RateLimitSettings {
    /** Most calls one caller may make per `periodSeconds`. */
    readonly maxCallsPerPeriod: number;
    /** The period `maxCallsPerPeriod` is measured over; longer renewal periods are scaled to it. */
    readonly periodSeconds: number;
}

export interface ProductionSettings {
    /** Environment names (the `environment` tag, else the stack name) treated as production. */
    readonly productionEnvironments: string[];
}

export interface AppSettingsSettings {
    /** Setting names that look secret but are not (they carry no credential). */
    readonly allowedSettingNames: string[];
}

export const defaultRegions: RegionSettings = {
    allowedRegions: [
        "eastus",
        "eastus2",
        "centralus",
        "westus2",
        "westus3",
        "canadacentral",
        "northeurope",
        "westeurope",
        "swedencentral",
        "uksouth",
        "francecentral",
        "germanywestcentral",
        "switzerlandnorth",
        "australiaeast",
        "japaneast",
        "global",
    ],
};

export const defaultApimSkus: ApimSkuSettings = {
    allowedSkus: {
        dev: ["Developer", "BasicV2", "StandardV2"],
        prod: ["StandardV2", "PremiumV2", "Premium"],
        "*": ["BasicV2", "StandardV2", "PremiumV2", "Standard", "Premium"],
    },
};

/** The issuers of every agent platform the program supports, from the platforms' own modules. */
export const defaultIssuers: IssuerSettings = { allowedIssuers: [...defaultAllowedIssuers] };

export const defaultTags: TagSettings = { requiredTags: ["environment", "project"] };

export const defaultRateLimit: RateLimitSettings = { maxCallsPerPeriod: 600, periodSeconds: 60 };

export const defaultProduction: ProductionSettings = { productionEnvironments: ["prod", "production"] };

export const defaultAppSettings: AppSettingsSettings = {
    allowedSettingNames: [
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    ],
};

const stringList = (description: string, defaults: string[]) => ({
    type: "array" as const,
    items: { type: "string" as const, minLength: 1 },
    description,
    default: defaults,
});

export const regionSchema: PolicyConfigSchema = {
    properties: {
        allowedRegions: stringList("Azure regions resources may use.", defaultRegions.allowedRegions),
    },
};

export const apimSkuSchema: PolicyConfigSchema = {
    properties: {
        allowedSkus: {
            type: "object",
            description: "APIM SKUs allowed per environment; '*' applies to environments not listed.",
            additionalProperties: { type: "array", items: { type: "string", minLength: 1 } },
            default: defaultApimSkus.allowedSkus,
        },
    },
};

export const issuerSchema: PolicyConfigSchema = {
    properties: {
        allowedIssuers: stringList(
            "Federation issuers agents may use ('*' matches within one URL segment).",
            defaultIssuers.allowedIssuers,
        ),
    },
};

export const tagSchema: PolicyConfigSchema = {
    properties: {
        requiredTags: stringList("Tags every taggable resource must carry.", defaultTags.requiredTags),
    },
};

export const rateLimitSchema: PolicyConfigSchema = {
    properties: {
        maxCallsPerPeriod: {
            type: "integer",
            minimum: 1,
            description: "Most calls one caller may make per period.",
            default: defaultRateLimit.maxCallsPerPeriod,
        },
        periodSeconds: {
            type: "integer",
            minimum: 1,
            description: "Length of the period in seconds.",
            default: defaultRateLimit.periodSeconds,
        },
    },
};

export const productionSchema: PolicyConfigSchema = {
    properties: {
        productionEnvironments: stringList(
            "Environments treated as production.",
            defaultProduction.productionEnvironments,
        ),
    },
};

export const appSettingsSchema: PolicyConfigSchema = {
    properties: {
        allowedSettingNames: stringList(
            "App setting names that look secret but carry no credential.",
            defaultAppSettings.allowedSettingNames,
        ),
    },
};

/** The policy's settings: its configuration over the defaults (the CLI fills defaults too). */
export function settings<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
    return { ...defaults, ...args.getConfig<Partial<T>>() };
}

/** Stack name from a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string {
    return urn.split("::")[0]?.split(":")[2] ?? "";
}

/** The environment a resource belongs to: its `environment` tag, else its stack's name. */
export function environmentOf(props: { tags?: unknown }, urn: string): string {
    const tags = props.tags;
    if (tags !== null && typeof tags === "object" && !Array.isArray(tags)) {
        const env = (tags as Record<string, unknown>).environment;
        if (typeof env === "string" && env !== "") {
            return env;
        }
    }
    return stackOfUrn(urn);
}
