/**
 * Where the local gateway's configuration comes from: the stack synthesized under the mock runtime
 * (the same synthesis as `npm run synth`), read off the recorded APIM resources exactly as the
 * program sends them: policies (global, API, operation), named values, backends, APIs and
 * operations; plus the agents (client id, roles) and the gateway's identity. Nothing is cached.
 */
import { specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { exampleIdentitiesOptInKey } from "../../components/config/example-identities";
import { synthesize, type RecordedResource, type SynthRequest } from "../../scripts/lib/synthesize";

export interface StackApi {
    readonly id: string;
    /** Path under the gateway, without leading slash (`mcp`, `.well-known/oauth-protected-resource`). */
    readonly path: string;
    readonly name: string;
    /** Absent when the API has no policy document of its own. */
    readonly policy?: string | undefined;
}

export interface StackOperation {
    readonly apiId: string;
    readonly id: string;
    readonly method: string;
    readonly urlTemplate: string;
    readonly name: string;
    /** Absent when the operation has no policy document of its own. */
    readonly policy?: string | undefined;
}

/** An APIM backend entity: its URL and the credential headers APIM adds when forwarding to it. */
export interface StackBackend {
    readonly url: string;
    /** `credentials.header`: name -> values (may reference named values). */
    readonly headers: readonly (readonly [string, readonly string[]])[];
}

export interface StackAgent {
    readonly name: string;
    readonly clientId: string;
    readonly objectId: string;
    readonly roles: readonly string[];
    /** The federated identity credentials on the agent's app, as the program creates them. */
    readonly federatedCredentials: readonly StackFederatedCredential[];
    /** Public certificates (PEM or base64 DER) registered on the agent's app. */
    readonly certificates: readonly string[];
}

export interface StackFederatedCredential {
    readonly issuer: string;
    readonly subject: string;
    readonly audiences: readonly string[];
}

export interface StackSource {
    readonly stack: string;
    readonly globalPolicy?: string | undefined;
    readonly apis: readonly StackApi[];
    readonly operations: readonly StackOperation[];
    /** Named values as the program defines them (Azure facts; see {@link localNamedValues}). */
    readonly namedValues: ReadonlyMap<string, string>;
    /** Backend id -> URL (Azure) and credential headers. */
    readonly backends: ReadonlyMap<string, StackBackend>;
    /** The gateway's Azure base URL (what URL-valued named values start with). */
    readonly azureGatewayUrl: string;
    readonly tenantId: string;
    readonly mcpAppClientId: string;
    readonly agents: readonly StackAgent[];
    /** Object id of the gateway's managed identity and the backend role it was granted. */
    readonly gatewayObjectId: string;
    readonly synthesisMs: number;
}

export class StackSourceError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackSourceError";
    }
}

function unwrap(value: unknown): unknown {
    if (value && typeof value === "object" && specialSigKey in value)
        return (value as unknown as { value: unknown }).value;
    return value;
}
const str = (r: RecordedResource, key: string): string => {
    const v = unwrap(r.inputs[key]);
    if (typeof v !== "string")
        throw new StackSourceError(`${r.type} ${r.name}: input ${key} is not a string`);
    return v;
};
const ficType = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential";
const certificateType = "azuread:index/applicationCertificate:ApplicationCertificate";
const ofType = (resources: readonly RecordedResource[], kind: string) =>
    resources.filter((r) => r.type === `azure-native:apimanagement:${kind}`);

/** Synthesizes the stack and reads the gateway's configuration off the recorded resources. */
export async function loadStackSource(options: SynthRequest): Promise<StackSource> {
    // A local run trusts nothing real (tokens come from the local Entra stand-in), so the shipped
    // stack files' example identities are fine here: opt in, unless the caller says otherwise.
    const result = await synthesize({
        ...options,
        configOverrides: { [exampleIdentitiesOptInKey]: "true", ...options.configOverrides },
    });
    return stackSourceFrom(options.stack, result.resources, result.outputs, result.durationMs);
}

export function stackSourceFrom(
    stack: string,
    resources: readonly RecordedResource[],
    outputs: Record<string, unknown>,
    synthesisMs = 0,
): StackSource {
    const globals = ofType(resources, "Policy");
    if (globals.length > 1) throw new StackSourceError("more than one global policy");
    const apiPolicies = new Map(ofType(resources, "ApiPolicy").map((r) => [str(r, "apiId"), policyText(r)]));
    const operationPolicies = new Map(
        ofType(resources, "ApiOperationPolicy").map((r) => [
            `${str(r, "apiId")}/${str(r, "operationId")}`,
            policyText(r),
        ]),
    );
    const apis = ofType(resources, "Api").map((r) => ({
        id: str(r, "apiId"),
        path: str(r, "path").replace(/^\/+|\/+$/g, ""),
        name: typeof r.inputs.displayName === "string" ? r.inputs.displayName : str(r, "apiId"),
        policy: apiPolicies.get(str(r, "apiId")),
    }));
    const operations = ofType(resources, "ApiOperation").map((r) => ({
        apiId: str(r, "apiId"),
        id: str(r, "operationId"),
        method: str(r, "method").toUpperCase(),
        urlTemplate: str(r, "urlTemplate"),
        name: typeof r.inputs.displayName === "string" ? r.inputs.displayName : str(r, "operationId"),
        policy: operationPolicies.get(`${str(r, "apiId")}/${str(r, "operationId")}`),
    }));
    for (const key of operationPolicies.keys())
        if (!operations.some((o) => `${o.apiId}/${o.id}` === key))
            throw new StackSourceError(`policy for unknown operation ${key}`);
    const namedValues = new Map(
        ofType(resources, "NamedValue").map((r) => [str(r, "namedValueId"), namedValueText(r, resources)]),
    );
    const backends = new Map(
        ofType(resources, "Backend").map((r) => {
            const credentials = unwrap(r.inputs.credentials) as
                { header?: Record<string, unknown> } | undefined;
            const headers = Object.entries(credentials?.header ?? {}).map(
                ([name, values]) =>
                    [name, (unwrap(values) as unknown[]).map((v) => String(unwrap(v)))] as const,
            );
            return [str(r, "backendId"), { url: str(r, "url"), headers }];
        }),
    );

    const outputString = (key: string): string => {
        const v = unwrap(outputs[key]);
        if (typeof v !== "string") throw new StackSourceError(`stack output ${key} is missing`);
        return v;
    };
    const assignments = resources.filter(
        (r) => r.type === "azuread:index/appRoleAssignment:AppRoleAssignment",
    );
    const agentsOutput = (unwrap(outputs.agents) ?? {}) as Record<
        string,
        { clientId?: string; roles?: string[] }
    >;
    const agents = Object.entries(agentsOutput).map(([name, a]) => {
        // The service principal's object id, as the program used it in the agent's role assignments.
        const assignment = assignments.find((r) => r.name.includes(`-agent-${name}-role-`));
        if (!a.clientId || !assignment)
            throw new StackSourceError(`agent ${name}: no client id or role assignment recorded`);
        const owned = (suffix: (r: RecordedResource) => string) => (r: RecordedResource) =>
            r.name.endsWith(`-agent-${name}-${suffix(r)}`);
        const federatedCredentials = resources
            .filter((r) => r.type === ficType && owned((r) => `fic-${str(r, "displayName")}`)(r))
            .map((r) => ({
                issuer: str(r, "issuer"),
                subject: str(r, "subject"),
                audiences: (unwrap(r.inputs.audiences) as unknown[]).map((v) => String(unwrap(v))),
            }));
        const certificates = resources
            .filter((r) => r.type === certificateType && owned(() => "certificate")(r))
            .map((r) => str(r, "value"));
        return {
            name,
            clientId: a.clientId,
            objectId: str(assignment, "principalObjectId"),
            roles: a.roles ?? [],
            federatedCredentials,
            certificates,
        };
    });
    const grant = assignments.find((r) => r.name.endsWith("-backend-grant"));
    if (!grant) throw new StackSourceError("no role assignment for the gateway's identity on the backend");
    return {
        stack,
        globalPolicy: globals[0] ? policyText(globals[0]) : undefined,
        apis,
        operations,
        namedValues,
        backends,
        azureGatewayUrl: outputString("gatewayUrl"),
        tenantId: outputString("tenantId"),
        mcpAppClientId: outputString("mcpAppClientId"),
        agents,
        gatewayObjectId: str(grant, "principalObjectId"),
        synthesisMs,
    };
}

/**
 * A named value's text; a Key Vault reference is resolved as APIM resolves it, from the secret
 * its URI names (`https://<vault>.<suffix>/secrets/<name>`), here the secret the stack writes.
 */
function namedValueText(r: RecordedResource, resources: readonly RecordedResource[]): string {
    const keyVault = unwrap(r.inputs.keyVault) as { secretIdentifier?: unknown } | undefined;
    const uri = unwrap(keyVault?.secretIdentifier);
    if (typeof uri !== "string") return str(r, "value");
    const [, vaultName, secretName] = /^https:\/\/([^./]+)\.[^/]+\/secrets\/([^/]+)\/?$/.exec(uri) ?? [];
    const secret = resources.find(
        (s) =>
            s.type === "azure-native:keyvault:Secret" &&
            unwrap(s.inputs.vaultName) === vaultName &&
            unwrap(s.inputs.secretName) === secretName,
    );
    const value = (unwrap(secret?.inputs.properties) as { value?: unknown } | undefined)?.value;
    if (typeof unwrap(value) !== "string")
        throw new StackSourceError(
            `named value ${str(r, "namedValueId")} refers to Key Vault secret ${uri}, which the stack does not write`,
        );
    return unwrap(value) as string;
}

function policyText(r: RecordedResource): string {
    const format = r.inputs.format ?? "xml";
    if (format !== "xml" && format !== "rawxml")
        throw new StackSourceError(
            `${r.name}: policy format ${typeof format === "string" ? format : JSON.stringify(format)} is not supported locally (xml or rawxml)`,
        );
    return str(r, "value");
}

/**
 * Named values with Azure facts mapped to local ones: every value that is a URL on the Azure
 * gateway is rebased on the local gateway. The tenant id, app ids and the backend audience stay as
 * the program defines them: the local Entra stand-in issues tokens for that tenant and those
 * audiences, and the tool host trusts exactly them.
 */
export function localNamedValues(source: StackSource, localGatewayUrl: string): Map<string, string> {
    const azure = source.azureGatewayUrl.replace(/\/+$/, "");
    const local = localGatewayUrl.replace(/\/+$/, "");
    return new Map(
        [...source.namedValues].map(([name, value]) => [
            name,
            value === azure || value.startsWith(`${azure}/`) ? local + value.slice(azure.length) : value,
        ]),
    );
}
