/**
 * Tool backends that export spans to Application Insights do it with Entra authentication. The
 * component accepts no instrumentation-key ingestion (`appinsights-local-auth-disabled`), so a
 * backend without `Authorization=AAD`, or whose identity lacks Monitoring Metrics Publisher on the
 * component, loses every span without an error anyone sees. The settings are read with the tool
 * service's own reader, so the pack refuses exactly what the service would.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { readTracingSettings, tracingSettingNames } from "functions-app/tracing/settings";
import { builtInRoles } from "../../components/azure/ids";
import { UnknownValueError } from "./lib/runtime";
import { armTypeMatches, parseArmId } from "./lib/arm";
import { armNamesOf, idOf, propOf, refersTo, stringPropOf } from "./lib/stack";

const types = {
    appSettings: "azure-native:web:WebAppApplicationSettings",
    deployment: "kubernetes:apps/v1:Deployment",
    clusterObjects: "pulumi-nodejs:dynamic/agents-aks:ClusterObjects",
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    roleAssignment: "azure-native:authorization:RoleAssignment",
    appInsights: "azure-native:applicationinsights:Component",
} as const;

type Obj = Record<string, unknown>;

/** One place the tool service runs with span export to Azure Monitor configured. */
interface TracingBackend {
    readonly resource: PolicyResource;
    /** Words for messages, e.g. `container "mcp-host" of Deployment mcp-tools/mcp-tools`. */
    readonly what: string;
    /** The input whose value carries the settings (its property dependencies name the identity). */
    readonly property: string;
    /** The settings with plain values. */
    readonly settings: Readonly<Record<string, string>>;
    /** Kubernetes: the connection string is a literal value in the pod spec, not a Secret reference. */
    readonly plainConnectionString: boolean;
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function exportsToAzureMonitor(settings: Readonly<Record<string, string>>): boolean {
    return settings[tracingSettingNames.exporter]?.trim().toLowerCase() === "azure-monitor";
}

/** The tracing containers of a Deployment object (as the Kubernetes provider or run command applies it). */
function deploymentBackends(resource: PolicyResource, property: string, deployment: Obj): TracingBackend[] {
    const metadata = isObj(deployment.metadata) ? deployment.metadata : {};
    const template =
        isObj(deployment.spec) && isObj(deployment.spec.template) ? deployment.spec.template : {};
    const containers =
        isObj(template.spec) && Array.isArray(template.spec.containers) ? template.spec.containers : [];
    return containers.filter(isObj).flatMap((container) => {
        const env = Array.isArray(container.env) ? container.env.filter(isObj) : [];
        const settings: Record<string, string> = {};
        let plainConnectionString = false;
        for (const variable of env) {
            const name = String(variable.name);
            if (typeof variable.value === "string") settings[name] = variable.value;
            else if (isObj(variable.valueFrom) && isObj(variable.valueFrom.secretKeyRef))
                // The reader needs a value; the Secret holds it, which the kubelet resolves.
                settings[name] = "<from a Secret>";
            if (name === tracingSettingNames.connectionString && typeof variable.value === "string")
                plainConnectionString = true;
        }
        if (!exportsToAzureMonitor(settings)) return [];
        return [
            {
                resource,
                property,
                settings,
                plainConnectionString,
                what: `container "${String(container.name)}" of Deployment ${String(metadata.namespace)}/${String(metadata.name)}`,
            },
        ];
    });
}

/** Every function app and Kubernetes workload that exports spans to Azure Monitor (as far as known). */
function tracingBackends(resources: readonly PolicyResource[]): TracingBackend[] {
    return resources.flatMap((r) => unlessUnknown(() => backendsOf(r)) ?? []);
}

/** `read()`, or undefined when it reads a value the engine does not know yet (a preview). */
function unlessUnknown<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (error) {
        // A new identity's client id, for one, is unknown during a preview; it is checked at deployment.
        if (error instanceof UnknownValueError) return undefined;
        throw error;
    }
}

function backendsOf(r: PolicyResource): TracingBackend[] {
    if (r.type === types.appSettings) {
        const properties = propOf(r, "properties");
        if (!isObj(properties)) return [];
        const settings = Object.fromEntries(
            Object.entries(properties).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
        );
        if (!exportsToAzureMonitor(settings)) return [];
        const app = stringPropOf(r, "name") ?? r.name;
        return [
            {
                resource: r,
                property: "properties",
                settings,
                plainConnectionString: false,
                what: `function app "${app}"`,
            },
        ];
    }
    if (r.type === types.deployment) {
        return deploymentBackends(r, "spec", {
            metadata: propOf(r, "metadata"),
            spec: propOf(r, "spec"),
        });
    }
    if (r.type === types.clusterObjects) {
        const objects = propOf(r, "objects");
        return (Array.isArray(objects) ? objects : [])
            .filter((o): o is Obj => isObj(o) && o.apiVersion === "apps/v1" && o.kind === "Deployment")
            .flatMap((o) => deploymentBackends(r, "objects", o));
    }
    return [];
}

/**
 * The user-assigned identities the settings may name: the one whose client id they carry (the
 * engine knows outputs), else those the settings were computed from (property dependencies).
 */
function identitiesOf(backend: TracingBackend, clientId: string, resources: readonly PolicyResource[]) {
    const identities = resources.filter((r) => r.type === types.identity);
    const byClientId = identities.filter(
        (i) => stringPropOf(i, "clientId")?.toLowerCase() === clientId.toLowerCase(),
    );
    if (byClientId.length > 0) return byClientId;
    const sources = new Set(
        (backend.resource.propertyDependencies[backend.property] ?? []).map((d) => d.urn),
    );
    return identities.filter((i) => sources.has(i.urn));
}

function grantsTo(assignment: PolicyResource, identity: PolicyResource): boolean {
    if ((assignment.propertyDependencies.principalId ?? []).some((d) => d.urn === identity.urn)) return true;
    const principal = stringPropOf(identity, "principalId");
    return principal !== undefined && stringPropOf(assignment, "principalId") === principal;
}

/**
 * Whether a grant's scope is the component itself. A known scope is judged by its value (an id
 * computed from the component's, such as its resource group, depends on it too); an unknown one by
 * where it comes from.
 */
function scopedTo(grant: PolicyResource, component: PolicyResource): boolean {
    const scope = stringPropOf(grant, "scope");
    if (scope === undefined) return refersTo(grant, "scope", component);
    const id = idOf(component);
    if (id !== undefined && scope.toLowerCase() === id.toLowerCase()) return true;
    const arm = parseArmId(scope);
    return (
        arm !== undefined &&
        arm.resourceType === arm.topLevelType &&
        armTypeMatches(arm.topLevelType, component.type) &&
        armNamesOf(component).some((n) => n.toLowerCase() === arm.topLevelName.toLowerCase())
    );
}

const isPublisher = (assignment: PolicyResource) =>
    (stringPropOf(assignment, "roleDefinitionId") ?? "")
        .toLowerCase()
        .endsWith(`/${builtInRoles.monitoringMetricsPublisher}`);

function checkBackend(
    backend: TracingBackend,
    resources: readonly PolicyResource[],
    report: (message: string) => void,
): void {
    const { what } = backend;
    const names = tracingSettingNames;
    if (backend.plainConnectionString)
        report(
            `${what} sets ${names.connectionString} as a literal value in the pod spec; put it in a Kubernetes Secret ` +
                "and refer to it with valueFrom.secretKeyRef, so it stays out of the Deployment and is secret in state.",
        );
    const { settings, errors } = readTracingSettings(backend.settings);
    if (settings?.exporter !== "azure-monitor") {
        report(
            `${what} exports spans to Azure Monitor but the tool service would refuse to start: ${errors.join("; ")}. ` +
                `Set ${names.authentication}=ClientId=<the identity's client id>;Authorization=AAD and the connection string.`,
        );
        return;
    }
    if (settings.managedIdentityClientId === undefined) {
        report(
            `${what} publishes with Entra authentication but names no identity; add ClientId=<the user-assigned identity's client id> ` +
                `to ${names.authentication} (without it the exporter asks for a system-assigned identity the backend does not have).`,
        );
        return;
    }
    const identities = identitiesOf(backend, settings.managedIdentityClientId, resources);
    if (identities.length === 0) {
        report(
            `${what} publishes as client id ${settings.managedIdentityClientId}, which is no user-assigned identity of this stack; ` +
                "use the backend's own identity, the one granted Monitoring Metrics Publisher on the App Insights component.",
        );
        return;
    }
    const components = resources.filter((r) => r.type === types.appInsights);
    const grants = resources.filter(
        (r) => r.type === types.roleAssignment && isPublisher(r) && identities.some((i) => grantsTo(r, i)),
    );
    if (grants.some((g) => components.some((c) => scopedTo(g, c)))) return;
    const elsewhere = grants.map((g) => stringPropOf(g, "scope") ?? g.name);
    report(
        `${what} publishes spans as ${identities.map((i) => `"${i.name}"`).join(" or ")}, which holds no Monitoring Metrics Publisher ` +
            `role on the App Insights component${elsewhere.length > 0 ? ` (only on ${elsewhere.join(", ")}: grant it on the component itself, not its resource group or subscription)` : ""}; ` +
            "Application Insights drops every span it sends.",
    );
}

export const tracingEntraAuth: StackValidationPolicy = {
    name: "tracing-entra-auth",
    description:
        "Tool backends that export spans to Application Insights authenticate with Entra (Authorization=AAD and their identity's client id), that identity holds Monitoring Metrics Publisher on the App Insights component itself, and on Kubernetes the connection string comes from a Secret.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const backends = tracingBackends(args.resources);
        if (backends.length === 0)
            return args.notApplicable("no tool backend exports spans to Azure Monitor");
        for (const backend of backends)
            unlessUnknown(() =>
                checkBackend(backend, args.resources, (message) => report(message, backend.resource.urn)),
            );
    },
};
