/** Small pure helpers for Azure ids and names. */
import { createHash } from "node:crypto";

/** A GUID derived from `parts` (name-based, like RFC 4122 v5): the same inputs give the same id. */
export function stableGuid(...parts: string[]): string {
    const h = createHash("sha1").update(parts.join("\u0000")).digest();
    h.writeUInt8((h.readUInt8(6) & 0x0f) | 0x50, 6);
    h.writeUInt8((h.readUInt8(8) & 0x3f) | 0x80, 8);
    const hex = h.subarray(0, 16).toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Built-in Azure role definition ids (the same in every subscription). */
export const builtInRoles = {
    storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
    keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
    networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
    aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
    searchIndexDataReader: "1407120a-92aa-4202-b7e9-c0e197c71c8f",
    searchIndexDataContributor: "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    searchServiceContributor: "7ca78c08-252a-4471-8644-bb5ff32d4ba0",
    cognitiveServicesUser: "a97b65f3-24c7-4388-baec-2e87135dc908",
} as const;

export function roleDefinitionId(subscriptionId: string, roleId: string): string {
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

/** Storage account names: 3-24 lowercase letters and digits, globally unique. */
export function storageAccountName(
    prefix: string,
    environment: string,
    purpose: string,
    salt: string,
): string {
    const base = `${prefix}${environment}${purpose}`.replace(/[^a-z0-9]/g, "");
    const suffix = createHash("sha256").update(salt).digest("hex").slice(0, 6);
    return `${base.slice(0, 24 - suffix.length)}${suffix}`;
}

/** Six hex characters derived from `salt`, for globally unique names. */
export function uniqueSuffix(salt: string): string {
    return createHash("sha256").update(salt).digest("hex").slice(0, 6);
}

/** Container registry names: 5-50 letters and digits, globally unique. */
export function registryName(prefix: string, environment: string, salt: string): string {
    const base = `${prefix}${environment}tools`.replace(/[^a-z0-9]/g, "");
    return `${base.slice(0, 44)}${uniqueSuffix(salt)}`;
}
