/**
 * The gateway as APIM runs it, rebuilt from a stack's resources: each API with its operations,
 * and for each operation the chain of policy documents (operation, API, global) that applies to
 * it, with policy fragments expanded in place.
 */
import { PolicyResource } from "@pulumi/policy";
import { PolicyDocument, SectionName, parsePolicyDocument } from "./apim-document";
import { ScopeChain } from "./apim-pipeline";
import { armNamesOf, propOf, stringPropOf } from "./stack";
import { XmlElement } from "./xml";

export interface OperationModel {
    /** Operation id, or "(all operations)" for an API without explicit operations. */
    readonly name: string;
    readonly chain: ScopeChain;
    /** Policy documents on this operation's path that could not be read (their errors). */
    readonly unreadable: readonly string[];
}

export interface ApiModel {
    readonly resource: PolicyResource;
    /** Path and ARM name, for messages. */
    readonly label: string;
    readonly subscriptionRequired: boolean;
    readonly operations: readonly OperationModel[];
}

export interface ParsedPolicy {
    readonly resource: PolicyResource;
    readonly document: PolicyDocument | undefined;
    readonly error: string | undefined;
}

const t = {
    service: "azure-native:apimanagement:ApiManagementService",
    api: "azure-native:apimanagement:Api",
    operation: "azure-native:apimanagement:ApiOperation",
    globalPolicy: "azure-native:apimanagement:Policy",
    apiPolicy: "azure-native:apimanagement:ApiPolicy",
    operationPolicy: "azure-native:apimanagement:ApiOperationPolicy",
    fragment: "azure-native:apimanagement:PolicyFragment",
} as const;

const unreadableDocument: PolicyDocument = {
    root: { name: "policies", attributes: {}, children: [], text: "" },
    sections: {},
};

/** Whether `source.key` names `target` (engine dependency, ARM name, or an id ending in it). */
function points(source: PolicyResource, key: string, target: PolicyResource): boolean {
    if ((source.propertyDependencies[key] ?? []).some((d) => d.urn === target.urn)) {
        return true;
    }
    const value = stringPropOf(source, key);
    if (value === undefined) {
        return false;
    }
    const last = value.split("/").pop() ?? value;
    return armNamesOf(target).some((n) => n === value || n === last);
}

/** Whether `resource` belongs to `service` (trivially so when the stack has one gateway). */
function onService(resource: PolicyResource, service: PolicyResource | undefined, services: number): boolean {
    return services <= 1 || service === undefined || points(resource, "serviceName", service);
}

/** Parses every APIM policy document in the stack, fragments expanded. */
export function parsePolicies(resources: readonly PolicyResource[]): ParsedPolicy[] {
    const fragments = new Map<string, readonly XmlElement[]>();
    for (const r of resources.filter((x) => x.type === t.fragment)) {
        const parsed = parsePolicyDocument(stringPropOf(r, "value"), stringPropOf(r, "format"));
        const id = stringPropOf(r, "id") ?? r.name;
        if (parsed.ok) {
            fragments.set(id, parsed.document.root.children);
        }
    }
    const kinds: readonly string[] = [
        t.globalPolicy,
        t.apiPolicy,
        t.operationPolicy,
        "azure-native:apimanagement:ProductPolicy",
    ];
    return resources
        .filter((r) => kinds.includes(r.type))
        .map((resource) => {
            const parsed = parsePolicyDocument(
                stringPropOf(resource, "value"),
                stringPropOf(resource, "format"),
            );
            return parsed.ok
                ? { resource, document: withFragments(parsed.document, fragments), error: undefined }
                : { resource, document: undefined, error: parsed.error };
        });
}

function withFragments(
    doc: PolicyDocument,
    fragments: ReadonlyMap<string, readonly XmlElement[]>,
): PolicyDocument {
    const expand = (items: readonly XmlElement[]): XmlElement[] =>
        items.flatMap((e) => {
            if (e.name === "include-fragment") {
                return expand(fragments.get(e.attributes["fragment-id"] ?? "") ?? []);
            }
            return [{ ...e, children: expand(e.children) }];
        });
    const sections: Partial<Record<SectionName, readonly XmlElement[]>> = {};
    for (const [name, items] of Object.entries(doc.sections) as [SectionName, readonly XmlElement[]][]) {
        sections[name] = expand(items);
    }
    return { root: doc.root, sections };
}

/** Every API in the stack with the policy chain of each of its operations. */
export function gatewayApis(resources: readonly PolicyResource[]): ApiModel[] {
    const services = resources.filter((r) => r.type === t.service);
    const policies = parsePolicies(resources);
    const ofType = (type: string) => policies.filter((p) => p.resource.type === type);
    return resources
        .filter((r) => r.type === t.api)
        .map((api) => {
            const service = services.find((s) => points(api, "serviceName", s));
            const scoped = (p: ParsedPolicy) => onService(p.resource, service, services.length);
            const global = ofType(t.globalPolicy).find(scoped);
            const apiPolicy = ofType(t.apiPolicy).find((p) => scoped(p) && points(p.resource, "apiId", api));
            const operations = resources.filter((o) => o.type === t.operation && points(o, "apiId", api));
            const chainFor = (op: PolicyResource | undefined): OperationModel => {
                const opPolicy =
                    op === undefined
                        ? undefined
                        : ofType(t.operationPolicy).find(
                              (p) =>
                                  scoped(p) &&
                                  points(p.resource, "apiId", api) &&
                                  points(p.resource, "operationId", op),
                          );
                const scopes = [opPolicy, apiPolicy, global];
                return {
                    name: op === undefined ? "(all operations)" : (armNamesOf(op)[0] ?? op.name),
                    // An unreadable document contributes nothing, so nothing it was meant to enforce counts.
                    chain: scopes.map((s) =>
                        s === undefined ? undefined : (s.document ?? unreadableDocument),
                    ),
                    unreadable: scopes.flatMap((s) =>
                        s?.error === undefined ? [] : [`${s.resource.name}: ${s.error}`],
                    ),
                };
            };
            const path = stringPropOf(api, "path") ?? "";
            return {
                resource: api,
                label: `"${armNamesOf(api)[0] ?? api.name}" (/${path.replace(/^\//, "")})`,
                subscriptionRequired: propOf(api, "subscriptionRequired") !== false,
                operations: operations.length === 0 ? [chainFor(undefined)] : operations.map(chainFor),
            };
        });
}
