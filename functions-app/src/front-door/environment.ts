/**
 * The front door's settings as the tool service reads them from its environment (the Pulumi
 * program sets them in front door mode), and the front door built from them: records in the tool
 * storage account, and client assertions from the service's own managed identity.
 */
import { lazyManagedIdentityCredential } from "../storage/azure-sdk";
import type { BlobStoreLocation } from "../storage/blob-snippet-store";
import { BlobFrontDoorStore } from "./blob-store";
import { FrontDoor } from "./front-door";
import { EntraUpstream } from "./upstream";

export interface FrontDoorEnvironment {
    /** `<gateway>/oauth` (FRONT_DOOR_ISSUER). */
    readonly issuer: string;
    /** `<gateway>/mcp` (FRONT_DOOR_RESOURCE). */
    readonly resource: string;
    /** The front door's app registration (FRONT_DOOR_CLIENT_ID). */
    readonly clientId: string;
    /** `https://login.microsoftonline.com/<tenant>` (FRONT_DOOR_AUTHORITY). */
    readonly authority: string;
    /** `<MCP app id URI>/MCP.Access` (FRONT_DOOR_SCOPE). */
    readonly scope: string;
    readonly resourceName: string;
    /** FRONT_DOOR_REGISTRATION_CAP, default 1000. */
    readonly registrationCap: number;
}

export const frontDoorSettingNames = {
    issuer: "FRONT_DOOR_ISSUER",
    resource: "FRONT_DOOR_RESOURCE",
    clientId: "FRONT_DOOR_CLIENT_ID",
    authority: "FRONT_DOOR_AUTHORITY",
    scope: "FRONT_DOOR_SCOPE",
    resourceName: "FRONT_DOOR_RESOURCE_NAME",
    registrationCap: "FRONT_DOOR_REGISTRATION_CAP",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Undefined settings: the front door is off (FRONT_DOOR_ISSUER unset). Every problem names its variable. */
export function readFrontDoorEnvironment(env: Env): { settings?: FrontDoorEnvironment; errors: string[] } {
    const n = frontDoorSettingNames;
    const value = (name: string) => env[name]?.trim() || undefined;
    if (!value(n.issuer)) return { errors: [] };
    const errors: string[] = [];
    const url = (name: string): string => {
        const v = value(name);
        if (!v) errors.push(`${name}: required when ${n.issuer} is set`);
        else if (!/^https?:\/\/[^\s]+$/.test(v)) errors.push(`${name}: must be an http(s) URL, got ${v}`);
        return v ?? "";
    };
    const issuer = url(n.issuer);
    const resource = url(n.resource);
    const authority = url(n.authority).replace(/\/+$/, "");
    const clientId = value(n.clientId) ?? "";
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(clientId))
        errors.push(`${n.clientId}: must be the front door's app (client) id, got ${clientId || "nothing"}`);
    const scope = value(n.scope) ?? "";
    if (!scope) errors.push(`${n.scope}: required when ${n.issuer} is set`);
    const capText = value(n.registrationCap) ?? "1000";
    const registrationCap = Number(capText);
    if (!Number.isInteger(registrationCap) || registrationCap < 1 || registrationCap > 100_000)
        errors.push(`${n.registrationCap}: must be an integer from 1 to 100000, got ${capText}`);
    if (errors.length > 0) return { errors };
    return {
        errors,
        settings: {
            issuer: issuer.replace(/\/+$/, ""),
            resource,
            clientId,
            authority,
            scope,
            resourceName: value(n.resourceName) ?? "MCP tools",
            registrationCap,
        },
    };
}

/** The front door in Azure: its store in the tool storage account, assertions from the managed identity. */
export function frontDoorFromEnvironment(
    settings: FrontDoorEnvironment,
    storage: BlobStoreLocation,
    managedIdentityClientId: string | undefined,
): FrontDoor {
    const credential = lazyManagedIdentityCredential({
        managedIdentityClientId,
        workloadIdentityClientId: managedIdentityClientId,
    });
    return new FrontDoor({
        issuer: settings.issuer,
        resource: settings.resource,
        resourceName: settings.resourceName,
        scope: settings.scope,
        registrationCap: settings.registrationCap,
        store: new BlobFrontDoorStore(storage),
        upstream: new EntraUpstream({
            authority: settings.authority,
            clientId: settings.clientId,
            scope: settings.scope,
            redirectUri: `${settings.issuer}/callback`,
            // Managed identity as a federated credential: its token for the exchange audience is the assertion.
            clientAssertion: async () => {
                const token = await credential.getToken("api://AzureADTokenExchange/.default");
                if (!token)
                    throw new Error("the managed identity returned no token for api://AzureADTokenExchange");
                return token.token;
            },
        }),
    });
}
