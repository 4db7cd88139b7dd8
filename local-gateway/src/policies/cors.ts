/**
 * cors: cross-origin resource sharing for browser clients, as APIM documents it. On a request
 * with an allowed Origin it adds the allow-origin (and exposed headers) to whatever response the
 * caller gets; a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered by
 * the gateway from this policy alone, before any other policy runs (see `LocalGateway`).
 *
 * Unverified in APIM's documentation, chosen here: a matched preflight answers 200 (as APIM's
 * unmatched one does) and echoes the requested headers; no `Vary` header is added.
 */
import { newHeaders, type Headers } from "../context";
import { checkElement, childrenNamed } from "./attributes";
import { ResponseReturned, type ElementCompiler, type Statement } from "./types";
import type { XmlElement } from "../xml";

/** What a cors policy answers to a preflight: the headers of the 200, empty when unmatched. */
export interface CorsStatement extends Statement {
    readonly element: "cors";
    preflight(origin: string, method: string, requestedHeaders: readonly string[]): Headers;
}

export function isCorsStatement(statement: Statement): statement is CorsStatement {
    return statement.element === "cors";
}

/** Child elements in the order the policy statement documents (APIM requires that order). */
const childOrder = ["allowed-origins", "allowed-methods", "allowed-headers", "expose-headers"];

export const cors: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, {
        optional: ["allow-credentials", "terminate-unmatched-request"],
        literalOnly: ["allow-credentials", "terminate-unmatched-request"],
        children: childOrder,
    });
    if (load.section !== "inbound") load.fail(element, "cors belongs in <inbound>");
    let previous = -1;
    for (const child of element.children) {
        const position = childOrder.indexOf(child.name);
        if (position <= previous)
            load.fail(
                element,
                `<cors> children must appear once each, in the order ${childOrder.join(", ")}`,
            );
        previous = position;
    }
    const flag = (name: string, fallback: boolean): boolean => {
        const value = e.literal(name);
        if (value === undefined) return fallback;
        if (value !== "true" && value !== "false") load.fail(element, `${name} must be true or false`);
        return value === "true";
    };
    const allowCredentials = flag("allow-credentials", false);
    // The current policy reference gives true; an older revision of the page said false.
    const terminateUnmatched = flag("terminate-unmatched-request", true);
    const texts = (parent: XmlElement | undefined, item: string): string[] =>
        parent === undefined
            ? []
            : parent.children.map((c) => {
                  if (c.name !== item) load.fail(c, `<${parent.name}> holds <${item}> elements only`);
                  if (!c.text?.text.trim()) load.fail(c, `<${item}> needs a value`);
                  return c.text!.text.trim();
              });
    const [originsElement] = childrenNamed(element, "allowed-origins");
    if (!originsElement) return load.fail(element, "<cors> needs <allowed-origins>");
    const origins = texts(originsElement, "origin");
    if (origins.length === 0) load.fail(originsElement, "<allowed-origins> needs at least one <origin>");
    if (origins.includes("*") && origins.length > 1) load.fail(originsElement, '"*" must be the only origin');
    if (origins.includes("*") && allowCredentials)
        load.fail(element, 'allow-credentials="true" cannot be combined with the origin "*"');
    for (const origin of origins)
        if (origin !== "*" && !isOrigin(origin)) load.fail(originsElement, `${origin} is not an origin URI`);
    const [methodsElement] = childrenNamed(element, "allowed-methods");
    const methods = methodsElement
        ? texts(methodsElement, "method").map((m) => m.toUpperCase())
        : ["GET", "POST"];
    const maxAge = methodsElement?.attributes.get("preflight-result-max-age")?.text;
    if (methodsElement && maxAge !== undefined && !/^\d+$/.test(maxAge))
        load.fail(methodsElement, "preflight-result-max-age must be a number of seconds");
    const [headersElement] = childrenNamed(element, "allowed-headers");
    if (!headersElement) return load.fail(element, "<cors> needs <allowed-headers>");
    const allowedHeaders = texts(headersElement, "header").map((h) => h.toLowerCase());
    const exposed = texts(childrenNamed(element, "expose-headers")[0], "header");

    const originAllowed = (origin: string) => origins.includes("*") || origins.includes(origin);
    const allowOrigin = (origin: string) => (origins.includes("*") ? "*" : origin);
    const statement: CorsStatement = {
        element: "cors",
        scope: load.scope,
        policyId: e.policyId,
        preflight: (origin, method, requested) => {
            const headers = newHeaders();
            const methodAllowed = methods.includes("*") || methods.includes(method.toUpperCase());
            const headersAllowed =
                allowedHeaders.includes("*") ||
                requested.every((h) => allowedHeaders.includes(h.toLowerCase()));
            if (!originAllowed(origin) || !methodAllowed || !headersAllowed) return headers;
            headers.set("Access-Control-Allow-Origin", [allowOrigin(origin)]);
            headers.set("Access-Control-Allow-Methods", [methods.join(",")]);
            if (requested.length > 0) headers.set("Access-Control-Allow-Headers", [requested.join(",")]);
            if (maxAge !== undefined && maxAge !== "0") headers.set("Access-Control-Max-Age", [maxAge]);
            if (allowCredentials) headers.set("Access-Control-Allow-Credentials", ["true"]);
            return headers;
        },
        run: (rt) => {
            const ctx = rt.context;
            const origin = ctx.request.headers.get("Origin")?.[0];
            if (origin === undefined) return;
            if (originAllowed(origin)) {
                ctx.callerResponseHeaders.set("Access-Control-Allow-Origin", [allowOrigin(origin)]);
                if (exposed.length > 0)
                    ctx.callerResponseHeaders.set("Access-Control-Expose-Headers", [exposed.join(",")]);
                if (allowCredentials)
                    ctx.callerResponseHeaders.set("Access-Control-Allow-Credentials", ["true"]);
                return;
            }
            // An unmatched simple request: ended with an empty 200, or let through without CORS headers.
            if (terminateUnmatched && (ctx.request.method === "GET" || ctx.request.method === "HEAD")) {
                ctx.response = { statusCode: 200, statusReason: "OK", headers: newHeaders(), body: null };
                throw new ResponseReturned();
            }
        },
    };
    return statement;
};

function isOrigin(value: string): boolean {
    try {
        const url = new URL(value);
        return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
    } catch {
        return false;
    }
}
