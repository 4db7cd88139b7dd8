/**
 * Identity policies: agents authenticate by workload identity federation with exact, trusted
 * issuer/subject/audience triples, never by client secret; they receive app roles on the MCP API
 * rather than directory-wide permissions; Azure role assignments stay narrow.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as azuread from "@pulumi/azuread";
import {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import { tokenExchangeAudience, tokenExchangeAudiences } from "../../components/azure/entra";
import { platformOwnAudiences } from "../../components/platforms/registry";
import { IssuerSettings, defaultIssuers, issuerSchema, settings } from "./config";
import { UnknownValueError } from "./lib/runtime";
import { stringPropOf } from "./lib/stack";

/** Values are optional here: a recording made under the mock runtime drops values unknown until deployment. */
interface FederatedCredential {
    readonly issuer: string | undefined;
    readonly subject: string | undefined;
    readonly audiences: readonly string[] | undefined;
    /** Set on flexible credentials, which match a claims expression instead of one subject. */
    readonly claimsMatchingExpression?: string;
}

/** The issuer/subject/audience triple of any federated credential resource the program may use. */
function federatedCredentialOf(args: ResourceValidationArgs): FederatedCredential | undefined {
    const app = args.asType(azuread.ApplicationFederatedIdentityCredential);
    if (app !== undefined) {
        return { issuer: app.issuer, subject: app.subject, audiences: app.audiences };
    }
    const uami = args.asType(managedidentity.FederatedIdentityCredential);
    if (uami !== undefined) {
        return { issuer: uami.issuer, subject: uami.subject, audiences: uami.audiences };
    }
    const flexible = args.asType(azuread.ApplicationFlexibleFederatedIdentityCredential);
    if (flexible !== undefined) {
        return {
            issuer: flexible.issuer,
            subject: undefined,
            audiences: flexible.audience === undefined ? undefined : [flexible.audience],
            claimsMatchingExpression: flexible.claimsMatchingExpression,
        };
    }
    return undefined;
}

/** `*` in an allowed issuer matches any run of characters within one URL segment. */
export function issuerMatches(pattern: string, issuer: string): boolean {
    const source = pattern
        .split("*")
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*");
    return new RegExp(`^${source}$`).test(issuer);
}

export const ficAllowedIssuer: ResourceValidationPolicy = {
    name: "fic-allowed-issuer",
    description: "Federated credentials trust only issuers the platform team allows.",
    enforcementLevel: "mandatory",
    configSchema: issuerSchema,
    validateResource: (args, report) => {
        const fic = federatedCredentialOf(args);
        if (fic === undefined) {
            return args.notApplicable("not a federated identity credential");
        }
        const { allowedIssuers } = settings<IssuerSettings>(args, defaultIssuers);
        const issuer = fic.issuer ?? "";
        if (issuer === "") {
            report("The issuer is empty; set the OIDC issuer URL of the platform the workload runs on.");
        } else if (!issuer.startsWith("https://")) {
            report(
                `Issuer "${issuer}" is not an https URL; Entra only trusts OIDC issuers served over HTTPS.`,
            );
        } else if (!allowedIssuers.some((p) => issuerMatches(p, issuer))) {
            report(
                `Issuer "${issuer}" is not in allowedIssuers; use one of ${allowedIssuers.join(", ")}, ` +
                    "or have the platform team add it to the policy configuration.",
            );
        }
    },
};

/** Why a credential's audiences are not the one its issuer's tokens carry, or undefined when they are. */
export function audienceProblem(
    issuer: string | undefined,
    audiences: readonly string[],
): string | undefined {
    const own = platformOwnAudiences.find((a) => a.issuer === issuer);
    const [audience] = audiences;
    if (audiences.length === 1 && audience !== undefined) {
        if (own ? own.pattern.test(audience) : tokenExchangeAudiences.includes(audience)) return undefined;
    }
    const found = JSON.stringify(audiences);
    return own
        ? `Set audiences to [${own.description}], which ${issuer} tokens carry (found ${found}).`
        : `Set audiences to ["${tokenExchangeAudience}"] (found ${found}); ` +
              `in US Government or China clouds, the one of ${tokenExchangeAudiences.slice(1).join(", ")}.`;
}

export const ficTokenExchangeAudience: ResourceValidationPolicy = {
    name: "fic-token-exchange-audience",
    description:
        `Federated credentials accept exactly one audience: the token-exchange audience of the cloud ` +
        `(${tokenExchangeAudience} in the public cloud), or the audience a platform's tokens carry instead (Cognito: the identity pool id).`,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const fic = federatedCredentialOf(args);
        if (fic === undefined) {
            return args.notApplicable("not a federated identity credential");
        }
        const problem = audienceProblem(fic.issuer, fic.audiences ?? []);
        if (problem !== undefined) report(problem);
    },
};

/** Why a subject would match more than one workload, or undefined when it names exactly one. */
export function subjectProblem(subject: string | undefined): string | undefined {
    if (subject === undefined || subject.trim() === "") {
        return "the subject is empty";
    }
    if (/[*?]/.test(subject)) {
        return `the subject "${subject}" contains a wildcard`;
    }
    if (/\s/.test(subject)) {
        return `the subject "${subject}" contains whitespace`;
    }
    if (/^[:/]|[:/]$/.test(subject)) {
        return `the subject "${subject}" is a prefix, not a complete subject`;
    }
    const serviceAccount = /^system:serviceaccount:(.*)$/.exec(subject)?.[1];
    if (serviceAccount !== undefined && !/^[^:]+:[^:]+$/.test(serviceAccount)) {
        return `the subject "${subject}" does not name one namespace and service account`;
    }
    return undefined;
}

export const ficConcreteSubject: ResourceValidationPolicy = {
    name: "fic-concrete-subject",
    description: "Federated credentials name one workload: a concrete subject, no wildcards, no empty parts.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const fic = federatedCredentialOf(args);
        if (fic === undefined) {
            return args.notApplicable("not a federated identity credential");
        }
        if (fic.claimsMatchingExpression !== undefined) {
            report(
                `Flexible federated credential "${fic.claimsMatchingExpression}" matches many subjects; ` +
                    "use an ApplicationFederatedIdentityCredential with one exact subject per workload.",
            );
            return;
        }
        const problem = subjectProblem(fic.subject);
        if (problem !== undefined) {
            report(
                `${problem.charAt(0).toUpperCase()}${problem.slice(1)}; set the exact subject of one workload ` +
                    "(e.g. system:serviceaccount:<namespace>:<name>, a GCP numeric id, an AWS role ARN).",
            );
        }
    },
};

export const entraNoPasswordCredentials: ResourceValidationPolicy = {
    name: "entra-no-password-credentials",
    description:
        "No app registration or service principal has a client secret; agents use federation or certificates.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.isType(azuread.ApplicationPassword) || args.isType(azuread.ServicePrincipalPassword)) {
            report(
                "Remove this client secret; authenticate the agent with a federated identity credential, " +
                    "or with a certificate (ApplicationCertificate) where the platform cannot federate.",
            );
            return;
        }
        const app = args.asType(azuread.Application);
        if (app === undefined) {
            return args.notApplicable("not an Entra application or credential");
        }
        if (app.password !== undefined) {
            report(
                `Remove the password block from application "${app.displayName}"; use federation or a certificate.`,
            );
        }
    },
};

/** Microsoft Graph and the retired Azure AD Graph: application permissions on them span the directory. */
const directoryApis = new Set([
    "00000003-0000-0000-c000-000000000000",
    "00000002-0000-0000-c000-000000000000",
]);

export const entraNoDirectoryPermissions: ResourceValidationPolicy = {
    name: "entra-no-directory-permissions",
    description:
        "Agents get app roles on the MCP API, never application permissions or roles on the directory.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const fix = "grant the agent an app role of the MCP API (AppRoleAssignment) instead.";
        if (args.isType(azuread.DirectoryRoleAssignment)) {
            report(`Remove this directory role assignment; ${fix}`);
            return;
        }
        const access = args.asType(azuread.ApplicationApiAccess);
        if (access !== undefined) {
            if (directoryApis.has(access.apiClientId) && (access.roleIds ?? []).length > 0) {
                report(`Remove the Microsoft Graph application permissions (roleIds); ${fix}`);
            }
            return;
        }
        const app = args.asType(azuread.Application);
        if (app === undefined) {
            return args.notApplicable("not an Entra application or directory assignment");
        }
        for (const rra of app.requiredResourceAccesses ?? []) {
            const roles = (rra.resourceAccesses ?? []).filter((a) => a.type === "Role");
            if (directoryApis.has(rra.resourceAppId) && roles.length > 0) {
                report(
                    `Application "${app.displayName}" requests ${roles.length} Microsoft Graph application permission(s); ` +
                        `remove them and ${fix}`,
                );
            }
        }
    },
};

export const entraApiV2Tokens: ResourceValidationPolicy = {
    name: "entra-api-v2-tokens",
    description: "Apps that expose an API issue v2 access tokens, the format the gateway validates.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(azuread.Application, (app, args, report) => {
        const exposesApi =
            (app.identifierUris ?? []).length > 0 ||
            (app.appRoles ?? []).length > 0 ||
            (app.api?.oauth2PermissionScopes ?? []).length > 0;
        if (!exposesApi) {
            return args.notApplicable("the application exposes no API");
        }
        if (app.api?.requestedAccessTokenVersion !== 2) {
            report(
                `Set api.requestedAccessTokenVersion: 2 on "${app.displayName}" so its access tokens use the v2 format.`,
            );
        }
    }),
};

export const entraNoImplicitGrant: ResourceValidationPolicy = {
    name: "entra-no-implicit-grant",
    description: "No app registration enables the implicit grant (tokens in URL fragments).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(azuread.Application, (app, _args, report) => {
        const grant = app.web?.implicitGrant;
        if (grant?.accessTokenIssuanceEnabled === true || grant?.idTokenIssuanceEnabled === true) {
            report(
                `Disable web.implicitGrant on "${app.displayName}"; clients use the authorization code flow with PKCE.`,
            );
        }
    }),
};

/** Built-in roles that can change resources or grant access anywhere in their scope. */
const privilegedRoles: Readonly<Record<string, string>> = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
};

export const rbacLeastPrivilege: ResourceValidationPolicy = {
    name: "rbac-least-privilege",
    description:
        "Role assignments grant data-plane or reader roles on a resource, not Owner/Contributor or subscription-wide access.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(authorization.RoleAssignment, (ra, _args, report) => {
        const roleGuid = (ra.roleDefinitionId ?? "").split("/").pop()?.toLowerCase() ?? "";
        const scope = ra.scope ?? "";
        const privileged = privilegedRoles[roleGuid];
        if (privileged !== undefined) {
            report(
                `Do not assign ${privileged}; assign the narrowest built-in role the identity needs (e.g. Storage Blob Data Owner).`,
            );
        }
        if (/^\/subscriptions\/[^/]+\/?$/i.test(scope) || /managementGroups\//i.test(scope)) {
            report(`Scope the role assignment to the resource it is for, not ${scope}.`);
        }
    }),
};

const roleAssignmentType = "azure-native:authorization:RoleAssignment";

/** A string property, or the string "unknown" while the engine does not know it yet (a preview). */
function knownString(resource: PolicyResource, key: string): string | undefined {
    try {
        return stringPropOf(resource, key);
    } catch (e) {
        if (e instanceof UnknownValueError) return "unknown";
        throw e;
    }
}

/**
 * The principal type a resource's principal id implies, when the engine says where the id comes
 * from: any Azure resource's identity is a managed identity (a service principal), Entra objects
 * are what they are.
 */
function impliedPrincipalType(source: PolicyResource): string | undefined {
    if (source.type.startsWith("azure-native:")) return "ServicePrincipal";
    const entra: Record<string, string> = {
        "azuread:index/servicePrincipal:ServicePrincipal": "ServicePrincipal",
        "azuread:index/user:User": "User",
        "azuread:index/group:Group": "Group",
    };
    return entra[source.type];
}

export const rbacPrincipalType: StackValidationPolicy = {
    name: "rbac-principal-type",
    description:
        "Role assignments state principalType, the type of the principal the id comes from, and one type per principal.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const assignments = args.resources.filter((r) => r.type === roleAssignmentType);
        if (assignments.length === 0) return args.notApplicable("the stack has no role assignments");
        const byPrincipal = new Map<string, { type: string; assignment: PolicyResource }[]>();
        for (const ra of assignments) {
            const type = knownString(ra, "principalType");
            if (type === undefined || type === "") {
                report(
                    `Role assignment "${ra.name}" does not state principalType; set the principal's type ` +
                        "(ServicePrincipal for managed identities and apps, User for people). Left out, the " +
                        'provider sends "User" and Azure rejects any other principal (UnmatchedPrincipalType).',
                    ra.urn,
                );
                continue;
            }
            const source = (ra.propertyDependencies.principalId ?? []).find(
                (d) => impliedPrincipalType(d) !== undefined,
            );
            const implied = source === undefined ? undefined : impliedPrincipalType(source);
            if (source !== undefined && type !== "unknown" && type !== implied) {
                report(
                    `Role assignment "${ra.name}" grants the identity of ${source.type} "${source.name}" but states ` +
                        `principalType ${type}; state ${implied} (Azure rejects a mismatch: UnmatchedPrincipalType).`,
                    ra.urn,
                );
            }
            const principal = knownString(ra, "principalId");
            // A new identity's principal id is unknown during a preview; it is checked at deployment.
            if (type === "unknown" || principal === "unknown" || principal === undefined) continue;
            const key = principal.toLowerCase();
            byPrincipal.set(key, [...(byPrincipal.get(key) ?? []), { type, assignment: ra }]);
        }
        for (const [principal, list] of byPrincipal) {
            const count = (t: string) => list.filter((a) => a.type === t).length;
            // Most stated first (ties alphabetically): the others are reported as the odd ones.
            const types = [...new Set(list.map((a) => a.type))].sort(
                (x, y) => count(y) - count(x) || x.localeCompare(y),
            );
            if (types.length < 2) continue;
            const named = types
                .map((t) => {
                    const names = list.filter((a) => a.type === t).map((a) => `"${a.assignment.name}"`);
                    return `${t} (${names.sort().join(", ")})`;
                })
                .join(" and as ");
            for (const odd of list.filter((a) => a.type !== types[0])) {
                report(
                    `Principal ${principal} is assigned as ${named}; a principal has one type and Azure rejects ` +
                        "an assignment that states another (UnmatchedPrincipalType): state its real type in every assignment.",
                    odd.assignment.urn,
                );
            }
        }
    },
};

export const identityStackPolicies: StackValidationPolicy[] = [rbacPrincipalType];

export const identityPolicies: ResourceValidationPolicy[] = [
    ficAllowedIssuer,
    ficTokenExchangeAudience,
    ficConcreteSubject,
    entraNoPasswordCredentials,
    entraNoDirectoryPermissions,
    entraApiV2Tokens,
    entraNoImplicitGrant,
    rbacLeastPrivilege,
];
