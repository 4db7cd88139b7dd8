/**
 * The APIM `cors` policy for browser-based MCP clients: the same methods and headers the Node host
 * allows, for the origins of the `corsAllowedOrigins` key. Pure.
 */
import {
    corsAllowedHeaders,
    corsAllowedMethods,
    corsExposedHeaders,
} from "../../functions-app/src/node-host/http/cors";
import { XmlFragment } from "./render";

/** How long a browser may cache a preflight answer (seconds). */
const preflightMaxAgeSeconds = 600;

/**
 * The `<cors>` element, or no markup when no origin is allowed (browsers then get no CORS headers).
 * It goes first in inbound: a preflight carries no token, and APIM answers it from this policy alone.
 * `terminate-unmatched-request="false"`: requests from other origins go on without CORS headers, so
 * the browser withholds the answer and non-browser clients (which send no Origin) are unaffected.
 */
export function corsPolicy(origins: readonly string[]): XmlFragment {
    if (origins.length === 0) return XmlFragment.empty;
    const list = (element: string, item: string, values: readonly string[], attributes = {}) =>
        XmlFragment.element(
            element,
            attributes,
            values.map((v) => XmlFragment.element(item, {}, [v])),
        );
    return XmlFragment.element(
        "cors",
        { "allow-credentials": "false", "terminate-unmatched-request": "false" },
        [
            list("allowed-origins", "origin", origins),
            list("allowed-methods", "method", corsAllowedMethods, {
                "preflight-result-max-age": String(preflightMaxAgeSeconds),
            }),
            list("allowed-headers", "header", corsAllowedHeaders),
            list("expose-headers", "header", corsExposedHeaders),
        ],
    );
}
