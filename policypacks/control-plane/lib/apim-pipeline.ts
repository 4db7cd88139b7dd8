/**
 * The effective APIM pipeline of one operation: operation, API and global policies combined the
 * way APIM combines them (`<base />` pulls in the enclosing scope at that position), and the
 * questions the gateway policies ask of it.
 */
import { PolicyDocument, SectionName } from "./apim-document";
import { XmlElement, child, descendants } from "./xml";

/** Policy documents from the most specific scope to the least: operation, API, global. */
export type ScopeChain = readonly (PolicyDocument | undefined)[];

const base: XmlElement = { name: "base", attributes: {}, children: [], text: "" };
const forwardRequest: XmlElement = { name: "forward-request", attributes: {}, children: [], text: "" };

/**
 * The elements of one section after `<base />` expansion. A scope without a document inherits
 * its parent entirely; a document without the section contributes nothing (and does not
 * inherit). Beyond the last scope APIM's built-in global policy applies: it forwards the request.
 */
export function effectiveSection(chain: ScopeChain, section: SectionName, level = 0): XmlElement[] {
    if (level >= chain.length) {
        return section === "backend" ? [forwardRequest] : [];
    }
    const doc = chain[level];
    const items = doc === undefined ? [base] : (doc.sections[section] ?? []);
    return items.flatMap((e) => (e.name === "base" ? effectiveSection(chain, section, level + 1) : [e]));
}

/** Top-level inbound elements that always run: everything before the first unconditional return-response. */
export function unconditionalInbound(chain: ScopeChain): XmlElement[] {
    const inbound = effectiveSection(chain, "inbound");
    const stop = inbound.findIndex((e) => e.name === "return-response");
    return stop === -1 ? inbound : inbound.slice(0, stop);
}

/** Whether a request can reach the backend: no unconditional early response and a forward-request. */
export function reachesBackend(chain: ScopeChain): boolean {
    const inbound = effectiveSection(chain, "inbound");
    if (inbound.some((e) => e.name === "return-response")) {
        return false;
    }
    return effectiveSection(chain, "backend").some(
        (e) => e.name === "forward-request" || descendants(e).some((d) => d.name === "forward-request"),
    );
}

/** A token validation that checks issuer and audience, so a token for another API is refused. */
export function isTokenValidation(e: XmlElement): boolean {
    const audiences =
        child(e, "audiences")?.children.filter((a) => a.name === "audience" && a.text !== "") ?? [];
    if (e.name === "validate-azure-ad-token") {
        return (e.attributes["tenant-id"] ?? "") !== "" && audiences.length > 0;
    }
    if (e.name === "validate-jwt") {
        const openId = child(e, "openid-config")?.attributes.url ?? "";
        return openId !== "" && audiences.length > 0;
    }
    return false;
}

/** Index of the first unconditional token validation, or -1. */
export function tokenValidationIndex(chain: ScopeChain): number {
    return unconditionalInbound(chain).findIndex(isTokenValidation);
}

/** Index of the first unconditional per-key rate limit, or -1. */
export function rateLimitIndex(chain: ScopeChain): number {
    return unconditionalInbound(chain).findIndex((e) => e.name === "rate-limit-by-key");
}

const authorizationHeader = /^authorization$/i;

/**
 * Whether the caller's Authorization header is replaced or removed before forwarding: the
 * gateway authenticates with its own identity (managed identity or basic credentials, which
 * overwrite the header), or an unconditional set-header deletes or overrides it with a value that
 * is not the caller's.
 */
export function replacesCallerAuthorization(chain: ScopeChain): boolean {
    const elements = [...unconditionalInbound(chain), ...effectiveSection(chain, "backend")];
    return elements.some((e) => {
        if (e.name === "authentication-basic") return true;
        if (e.name === "authentication-managed-identity") {
            // Only when it sets the header itself: with output-token-variable-name it just stores the
            // token, and with ignore-error a failed fetch leaves the caller's header in place.
            return (
                e.attributes["output-token-variable-name"] === undefined &&
                (e.attributes["ignore-error"] ?? "false").toLowerCase() !== "true"
            );
        }
        if (e.name !== "set-header" || !authorizationHeader.test(e.attributes.name ?? "")) {
            return false;
        }
        const action = e.attributes["exists-action"] ?? "override";
        if (action === "delete") {
            return true;
        }
        return (
            action === "override" &&
            !e.children.some((v) => v.name === "value" && readsAuthorizationHeader(v.text))
        );
    });
}

/** Whether a policy expression reads the incoming Authorization header. */
export function readsAuthorizationHeader(expression: string): boolean {
    return /Headers\s*(\.\s*GetValueOrDefault\s*\(\s*"Authorization"|\[\s*"Authorization"\s*\])/i.test(
        expression,
    );
}

/** Whether a policy expression reads a claim that identifies the calling application. */
export function readsAppIdClaim(expression: string): boolean {
    return /Claims\s*(\.\s*GetValueOrDefault\s*\(\s*|\[\s*)"(azp|appid)"/.test(expression);
}

/** Names of the context variables an expression reads (`context.Variables["x"]` or `GetValueOrDefault<T>("x")`). */
export function variablesRead(expression: string): string[] {
    const pattern =
        /Variables\s*(?:\[\s*"([^"]+)"\s*\]|\.\s*GetValueOrDefault\s*(?:<[^>]*>)?\s*\(\s*"([^"]+)")/g;
    // One of the two alternatives' groups holds the name.
    return [...expression.matchAll(pattern)].flatMap((m) => m[1] ?? m[2] ?? []);
}

/**
 * An expression together with the expressions of every `set-variable` it reads, transitively, so
 * a key such as `@((string)context.Variables["callerAppId"])` is judged by what `callerAppId` holds.
 */
export function withVariables(expression: string, variables: ReadonlyMap<string, string>): string {
    const seen = new Set<string>();
    const parts = [expression];
    const queue = variablesRead(expression);
    while (queue.length > 0) {
        const name = queue.shift()!;
        const value = variables.get(name);
        if (seen.has(name) || value === undefined) {
            continue;
        }
        seen.add(name);
        parts.push(value);
        queue.push(...variablesRead(value));
    }
    return parts.join("\n");
}

/** `set-variable` name -> value expression, for every variable a document sets. */
export function variablesSet(elements: readonly XmlElement[]): Map<string, string> {
    const vars = new Map<string, string>();
    for (const e of elements) {
        const name = e.attributes.name;
        if (e.name === "set-variable" && name !== undefined) {
            vars.set(name, e.attributes.value ?? e.text);
        }
    }
    return vars;
}
