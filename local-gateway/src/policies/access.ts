/**
 * Access elements: validate-azure-ad-token, rate-limit-by-key, validate-content. Failures raise a
 * {@link PolicyError} (on-error runs with `context.LastError`), carrying the response APIM sends
 * when on-error does not replace it.
 */
import { CsJwt, csToString } from "../expressions/values";
import { checkElement, childrenNamed, integer, textValue } from "./attributes";
import { PolicyError, type ElementCompiler, type PolicyValue } from "./types";

const jsonError = (status: number, message: string): string =>
    JSON.stringify({ statusCode: status, message });

/** A claim's values as text: each array member, strings as they are, anything else as its JSON. */
function claimValues(raw: unknown): string[] {
    if (raw === undefined) return [];
    return (Array.isArray(raw) ? (raw as unknown[]) : [raw]).map((v) =>
        typeof v === "string" ? v : JSON.stringify(v),
    );
}

export const validateAzureAdToken: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, {
        required: ["tenant-id"],
        optional: [
            "header-name",
            "query-parameter-name",
            "token-value",
            "failed-validation-httpcode",
            "failed-validation-error-message",
            "output-token-variable-name",
        ],
        literalOnly: ["output-token-variable-name"],
        children: ["audiences", "client-application-ids", "required-claims"],
    });
    const listOf = (container: string, item: string): PolicyValue[] =>
        childrenNamed(element, container).flatMap((c) =>
            c.children.map((v) => {
                if (v.name !== item) load.fail(v, `<${container}> holds <${item}> elements only`);
                const value = textValue(v, load);
                if (!value) load.fail(v, `<${item}> is empty`);
                return value as PolicyValue;
            }),
        );
    const audiences = listOf("audiences", "audience");
    const clientIds = listOf("client-application-ids", "application-id");
    const claims = childrenNamed(element, "required-claims").flatMap((c) =>
        c.children.map((claim) => {
            if (claim.name !== "claim") load.fail(claim, "<required-claims> holds <claim> elements only");
            const name = claim.attributes.get("name");
            if (!name) load.fail(claim, "<claim> needs a name");
            const match = claim.attributes.get("match")?.text ?? "all";
            if (match !== "all" && match !== "any") load.fail(claim, "match must be all or any");
            for (const key of claim.attributes.keys())
                if (!["name", "match", "separator"].includes(key))
                    load.fail(claim, `<claim> attribute ${key} is not supported`);
            return {
                name: name!.text,
                match,
                separator: claim.attributes.get("separator")?.text,
                values: claim.children.map((v) => {
                    if (v.name !== "value") load.fail(v, "<claim> holds <value> elements only");
                    return textValue(v, load) as PolicyValue;
                }),
            };
        }),
    );
    const str = (v: PolicyValue | undefined, ctx: Parameters<PolicyValue["evaluate"]>[0]) =>
        v ? csToString(v.evaluate(ctx)) : undefined;
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: async (rt) => {
            const ctx = rt.context;
            const status = e.attr("failed-validation-httpcode")
                ? integer(e.attr("failed-validation-httpcode")!.evaluate(ctx), "failed-validation-httpcode")
                : 401;
            const configured = str(e.attr("failed-validation-error-message"), ctx);
            const deny = (reason: string, message: string): never => {
                const text = configured ?? message;
                throw new PolicyError("validate-azure-ad-token", reason, text, {
                    status,
                    reason: status === 401 ? "Unauthorized" : "Forbidden",
                    headers: [["Content-Type", "application/json"]],
                    body: jsonError(status, text),
                });
            };
            let token: string | undefined;
            if (e.attr("token-value")) token = str(e.attr("token-value"), ctx);
            else if (e.attr("query-parameter-name")) {
                const name = str(e.attr("query-parameter-name"), ctx);
                token = ctx.request.url.query.find(([k]) => k === name)?.[1];
            } else {
                const headerName = str(e.attr("header-name"), ctx) ?? "Authorization";
                const raw = ctx.request.headers.get(headerName)?.join(",");
                if (raw !== undefined) {
                    if (headerName.toLowerCase() === "authorization") {
                        const m = /^Bearer\s+(\S+)\s*$/i.exec(raw);
                        token = m ? m[1] : undefined;
                        if (!m) deny("TokenSchemeNotAllowed", "Authorization header scheme is not Bearer.");
                    } else token = raw.trim();
                }
            }
            if (!token) return deny("TokenNotPresent", "JWT not present.");
            const tenant = str(e.attr("tenant-id"), ctx) as string;
            const result = await rt.services.validateEntraToken(
                token,
                tenant,
                audiences.map((a) => csToString(a.evaluate(ctx))),
            );
            if (!result.ok) return deny(result.reason ?? "TokenInvalid", result.message ?? "Invalid JWT.");
            const payload = result.payload ?? {};
            if (clientIds.length > 0) {
                const ids = clientIds.map((c) => csToString(c.evaluate(ctx)));
                const caller = [payload.azp, payload.appid].find((v) => typeof v === "string");
                if (!ids.includes(caller as string))
                    deny("TokenClientApplicationNotAllowed", "Client application is not allowed.");
            }
            for (const claim of claims) {
                const raw = payload[claim.name];
                let present = claimValues(raw);
                if (claim.separator) present = present.flatMap((p) => p.split(claim.separator as string));
                if (raw === undefined)
                    deny(
                        "TokenClaimNotFound",
                        `JWT token is missing the following claims: ${claim.name}. Access denied.`,
                    );
                const wanted = claim.values.map((v) => csToString(v.evaluate(ctx)));
                const ok =
                    claim.match === "any"
                        ? wanted.some((w) => present.includes(w))
                        : wanted.every((w) => present.includes(w));
                if (!ok)
                    deny(
                        "TokenClaimValueNotAllowed",
                        `Claim ${claim.name} value of ${present.join(",")} is not allowed. Access denied.`,
                    );
            }
            const variable = e.literal("output-token-variable-name");
            if (variable) ctx.variables.set(variable, new CsJwt(result.header ?? {}, payload));
        },
    };
};

export const rateLimitByKey: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, {
        required: ["calls", "renewal-period", "counter-key"],
        optional: [
            "increment-condition",
            "increment-count",
            "retry-after-header-name",
            "retry-after-variable-name",
            "remaining-calls-header-name",
            "remaining-calls-variable-name",
            "total-calls-header-name",
        ],
        literalOnly: [
            "retry-after-header-name",
            "retry-after-variable-name",
            "remaining-calls-header-name",
            "remaining-calls-variable-name",
            "total-calls-header-name",
        ],
    });
    const period = e.attr("renewal-period")!;
    if (
        period.literal !== undefined &&
        (integer(period.literal, "renewal-period") < 1 || integer(period.literal, "renewal-period") > 300)
    )
        load.fail(element, "renewal-period must be 1 to 300 seconds");
    if (e.attr("increment-condition"))
        load.fail(
            element,
            "increment-condition is not supported by the local gateway (it needs the response)",
        );
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: (rt) => {
            const ctx = rt.context;
            const calls = integer(e.attr("calls")!.evaluate(ctx), "calls");
            const seconds = integer(period.evaluate(ctx), "renewal-period");
            const key = csToString(e.attr("counter-key")!.evaluate(ctx));
            const increment = e.attr("increment-count")
                ? integer(e.attr("increment-count")!.evaluate(ctx), "increment-count")
                : 1;
            const outcome = rt.services.rateLimit(key, calls, seconds, increment);
            const remainingHeader = e.literal("remaining-calls-header-name");
            const totalHeader = e.literal("total-calls-header-name");
            const remainingVariable = e.literal("remaining-calls-variable-name");
            // Headers the element names go on the response to the caller.
            if (remainingHeader) ctx.callerResponseHeaders.set(remainingHeader, [String(outcome.remaining)]);
            if (totalHeader) ctx.callerResponseHeaders.set(totalHeader, [String(calls)]);
            if (remainingVariable) ctx.variables.set(remainingVariable, outcome.remaining);
            if (outcome.allowed) return;
            const retryVariable = e.literal("retry-after-variable-name");
            if (retryVariable) ctx.variables.set(retryVariable, outcome.retryAfterSeconds);
            const headers: [string, string][] = [
                ["Content-Type", "application/json"],
                [e.literal("retry-after-header-name") ?? "Retry-After", String(outcome.retryAfterSeconds)],
            ];
            if (remainingHeader) headers.push([remainingHeader, "0"]);
            if (totalHeader) headers.push([totalHeader, String(calls)]);
            throw new PolicyError("rate-limit-by-key", "RateLimitExceeded", "Rate limit is exceeded", {
                status: 429,
                reason: "Too Many Requests",
                headers,
                body: jsonError(
                    429,
                    `Rate limit is exceeded. Try again in ${outcome.retryAfterSeconds} seconds.`,
                ),
            });
        },
    };
};

export const validateContent: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, {
        required: ["unspecified-content-type-action", "max-size", "size-exceeded-action"],
        optional: ["errors-variable-name"],
        literalOnly: ["errors-variable-name"],
        children: ["content"],
    });
    const contents = childrenNamed(element, "content").map((c) => {
        for (const key of c.attributes.keys())
            if (!["type", "validate-as", "action"].includes(key))
                load.fail(c, `<content> attribute ${key} is not supported by the local gateway (no schemas)`);
        const type = c.attributes.get("type")?.text;
        const validateAs = c.attributes.get("validate-as")?.text;
        const action = c.attributes.get("action")?.text ?? "ignore";
        if (!type) load.fail(c, "<content> needs a type");
        if (validateAs !== undefined && validateAs !== "json")
            load.fail(c, `validate-as ${validateAs} is not supported by the local gateway`);
        return { type: (type as string).toLowerCase(), validateAs, action };
    });
    const action = (name: string, ctx: Parameters<PolicyValue["evaluate"]>[0]): string =>
        csToString(e.attr(name)!.evaluate(ctx));
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: (rt) => {
            const ctx = rt.context;
            if (rt.section !== "inbound")
                throw new Error("validate-content runs on requests only in the local gateway");
            const errors: {
                Name: string | null;
                Type: string;
                ValidationRule: string;
                Details: string;
                Action: string;
            }[] = [];
            const prevent = (status: number, reason: string, message: string): never => {
                throw new PolicyError("validate-content", reason, message, {
                    status,
                    reason: status === 413 ? "Payload Too Large" : "Bad Request",
                    headers: [["Content-Type", "application/json"]],
                    body: jsonError(status, message),
                });
            };
            const body = ctx.request.body;
            const declared = ctx.request.headers.get("Content-Length")?.[0];
            const size = declared !== undefined ? Number(declared) : (body?.content.length ?? 0);
            const max = integer(e.attr("max-size")!.evaluate(ctx), "max-size");
            const variable = e.literal("errors-variable-name");
            if (size > max) {
                const details = `Request's body is ${size} bytes long and it exceeds the configured limit of ${max} bytes.`;
                const how = action("size-exceeded-action", ctx);
                errors.push({
                    Name: null,
                    Type: "RequestBody",
                    ValidationRule: "MaxSize",
                    Details: details,
                    Action: how,
                });
                if (variable) ctx.variables.set(variable, JSON.stringify(errors));
                if (how === "prevent")
                    prevent(
                        413,
                        "RequestEntityTooLarge",
                        `Request's body is ${size} bytes long and it exceeds the limit of ${max} bytes.`,
                    );
            }
            if (body && body.content.length > 0) {
                const contentType = (ctx.request.headers.get("Content-Type")?.[0] ?? "")
                    .replace(/;.*$/s, "")
                    .trim()
                    .toLowerCase();
                const match = contents.find((c) => c.type === contentType);
                if (!match) {
                    const how = action("unspecified-content-type-action", ctx);
                    if (how === "prevent")
                        prevent(
                            400,
                            "UnspecifiedContentType",
                            `Content type ${contentType || "(none)"} is not allowed.`,
                        );
                } else if (match.validateAs === "json" && match.action === "prevent") {
                    try {
                        JSON.parse(body.content.toString("utf8"));
                    } catch {
                        prevent(400, "InvalidJson", "The request body is not valid JSON.");
                    }
                }
            }
            if (variable && !ctx.variables.has(variable)) ctx.variables.set(variable, "");
        },
    };
};
