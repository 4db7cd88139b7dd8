/**
 * The front door's gateway surface as data and rendered policy: one operation per endpoint under the
 * issuer path, the metadata at the path-inserted well-known URL, each mapped to the backend's
 * `/api/oauth/<endpoint>`. Pure.
 */
import { forwardedCallerHeader, forwardedRolesHeader } from "functions-app/contract";
import {
    frontDoorBackendPrefix,
    frontDoorEndpoints,
    frontDoorGatewayPaths,
    type FrontDoorEndpoint,
} from "functions-app/front-door/paths";
import { gatewayNamedValues } from "./policies";
import { renderPolicyFile, XmlFragment } from "./render";

export interface FrontDoorOperation {
    readonly id: string;
    /** Which API: the issuer's endpoints, or the well-known metadata. */
    readonly api: "front-door" | "front-door-metadata";
    readonly method: "GET" | "POST";
    readonly urlTemplate: string;
    readonly backendPath: string;
    /** Requests per minute per caller IP; undefined: no limit of its own. */
    readonly perIpPerMinute?: number;
}

export interface FrontDoorLimits {
    readonly registrationsPerIpPerMinute: number;
    readonly tokenRequestsPerIpPerMinute: number;
}

export const defaultFrontDoorLimits: FrontDoorLimits = {
    registrationsPerIpPerMinute: 20,
    tokenRequestsPerIpPerMinute: 60,
};

export function frontDoorOperations(limits: FrontDoorLimits = defaultFrontDoorLimits): FrontDoorOperation[] {
    const perIp: Partial<Record<FrontDoorEndpoint, number>> = {
        register: limits.registrationsPerIpPerMinute,
        token: limits.tokenRequestsPerIpPerMinute,
    };
    return (Object.keys(frontDoorEndpoints) as FrontDoorEndpoint[]).map((endpoint) => {
        const { method, path } = frontDoorEndpoints[endpoint];
        const metadata = endpoint === "metadata";
        return {
            id: `oauth-${endpoint}`,
            api: metadata ? "front-door-metadata" : "front-door",
            method,
            urlTemplate: metadata ? frontDoorGatewayPaths.issuer : path,
            backendPath: frontDoorBackendPrefix + path,
            ...(perIp[endpoint] !== undefined ? { perIpPerMinute: perIp[endpoint] } : {}),
        };
    });
}

/** Named value holding the front door's issuer (`<gateway>/oauth`), for the resource metadata. */
export const frontDoorIssuerNamedValue = "front-door-issuer";

const definedNamedValues: ReadonlySet<string> = new Set([
    ...Object.values(gatewayNamedValues),
    frontDoorIssuerNamedValue,
]);

export interface FrontDoorPolicies {
    readonly api: string;
    /** Operation id -> policy. */
    readonly operations: Readonly<Record<string, string>>;
}

export function renderFrontDoorPolicies(
    backendId: string,
    operations: readonly FrontDoorOperation[],
): FrontDoorPolicies {
    const api = renderPolicyFile(
        "front-door-api",
        { backendId, forwardedCallerHeader, forwardedRolesHeader, backendTimeoutSeconds: 30 },
        definedNamedValues,
    );
    const rendered: Record<string, string> = {};
    for (const op of operations) {
        const rateLimit =
            op.perIpPerMinute === undefined
                ? XmlFragment.empty
                : XmlFragment.element(
                      "rate-limit-by-key",
                      {
                          calls: String(op.perIpPerMinute),
                          "renewal-period": "60",
                          "counter-key": `@("${op.id}:" + context.Request.IpAddress)`,
                          "retry-after-header-name": "Retry-After",
                      },
                      [],
                  );
        rendered[op.id] = renderPolicyFile(
            "front-door-operation",
            { rateLimit, backendPath: op.backendPath },
            definedNamedValues,
        );
    }
    return { api, operations: rendered };
}
