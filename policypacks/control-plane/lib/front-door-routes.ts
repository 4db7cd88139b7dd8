/**
 * Recognizing the OAuth front door's gateway operations: public by design (they are where a client
 * without a token goes), so the token and per-caller checks do not apply to them. Recognized by
 * where they send requests, not by name: an unconditional `rewrite-uri` to exactly one front door
 * endpoint on the backend, which serves nothing else under that prefix.
 */
import { frontDoorBackendPrefix, frontDoorEndpoints } from "functions-app/front-door/paths";
import { unconditionalInbound, type ScopeChain } from "./apim-pipeline";
import type { XmlElement } from "./xml";

const endpointPaths: ReadonlySet<string> = new Set(
    Object.values(frontDoorEndpoints).map((e) => frontDoorBackendPrefix + e.path),
);

/** The front door endpoint a literal rewrite-uri template names, if any. */
export function frontDoorEndpointOf(template: string | undefined): string | undefined {
    return template !== undefined && endpointPaths.has(template) ? template : undefined;
}

/** The front door endpoint an operation forwards to, from its effective inbound pipeline. */
export function frontDoorRoute(chain: ScopeChain): string | undefined {
    const rewrites = unconditionalInbound(chain).filter((e) => e.name === "rewrite-uri");
    const [only] = rewrites;
    return rewrites.length === 1 && only ? frontDoorEndpointOf(only.attributes.template) : undefined;
}

/** A rate limit counted per caller IP address (the front door's callers have no token yet). */
export function isPerIpRateLimit(e: XmlElement): boolean {
    return (
        e.name === "rate-limit-by-key" &&
        /context\.Request\.IpAddress/.test(e.attributes["counter-key"] ?? "")
    );
}
