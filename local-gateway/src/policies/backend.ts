/**
 * Backend elements: authentication-managed-identity, set-backend-service, rewrite-uri,
 * forward-request.
 */
import { csToString } from "../expressions/values";
import { checkElement, integer } from "./attributes";
import { PolicyError, type ElementCompiler } from "./types";

export const authenticationManagedIdentity: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, {
        required: ["resource"],
        optional: ["client-id", "output-token-variable-name", "ignore-error"],
        literalOnly: ["client-id", "output-token-variable-name"],
    });
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: async (rt) => {
            const ctx = rt.context;
            const resource = csToString(e.attr("resource")!.evaluate(ctx));
            try {
                const { token } = await rt.services.managedIdentityToken(resource, e.literal("client-id"));
                const variable = e.literal("output-token-variable-name");
                if (variable) ctx.variables.set(variable, token);
                else ctx.request.headers.set("Authorization", [`Bearer ${token}`]);
            } catch (error) {
                if (e.literal("ignore-error") === "true") return;
                throw new PolicyError(
                    "authentication-managed-identity",
                    "TokenRequestFailed",
                    (error as Error).message,
                    {
                        status: 500,
                        reason: "Internal Server Error",
                    },
                );
            }
        },
    };
};

export const setBackendService: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, { optional: ["base-url", "backend-id"] });
    if (!e.attr("base-url") === !e.attr("backend-id"))
        load.fail(element, "set-backend-service needs base-url or backend-id (one)");
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: (rt) => {
            const ctx = rt.context;
            const id = e.attr("backend-id");
            if (id) {
                const backendId = csToString(id.evaluate(ctx));
                const backend = rt.services.backend(backendId);
                if (!backend)
                    throw new PolicyError(
                        "set-backend-service",
                        "BackendNotFound",
                        `backend ${backendId} is not defined`,
                        { status: 500, reason: "Internal Server Error" },
                    );
                ctx.backendBaseUrl = backend.url;
                ctx.backendHeaders = backend.headers;
            } else ctx.backendBaseUrl = csToString(e.attr("base-url")!.evaluate(ctx));
        },
    };
};

export const rewriteUri: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, { required: ["template"], optional: ["copy-unmatched-params"] });
    const template = e.attr("template")!;
    if (template.literal !== undefined && /\{/.test(template.literal))
        load.fail(element, "rewrite-uri template parameters are not supported by the local gateway");
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: (rt) => {
            const ctx = rt.context;
            const target = new URL(csToString(template.evaluate(ctx)), "http://placeholder");
            const copy =
                (e.attr("copy-unmatched-params")
                    ? csToString(e.attr("copy-unmatched-params")!.evaluate(ctx))
                    : "true"
                ).toLowerCase() === "true";
            ctx.request.url.path = target.pathname;
            const query: [string, string][] = [...target.searchParams.entries()];
            // The operations here have no query template, so every incoming parameter is unmatched.
            if (copy)
                for (const pair of ctx.request.url.query)
                    if (!query.some(([k]) => k === pair[0])) query.push(pair);
            ctx.request.url.query = query;
        },
    };
};

export const forwardRequest: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, {
        optional: [
            "timeout",
            "buffer-response",
            "follow-redirects",
            "fail-on-error-status-code",
            "http-version",
            "buffer-request-body",
        ],
        literalOnly: ["buffer-response"],
    });
    if (load.section !== "backend") load.fail(element, "forward-request belongs in <backend>");
    for (const name of ["follow-redirects", "fail-on-error-status-code"])
        if (e.literal(name) !== undefined && e.literal(name) !== "false")
            load.fail(element, `${name}="true" is not supported by the local gateway`);
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: async (rt) => {
            const timeout = e.attr("timeout")
                ? integer(e.attr("timeout")!.evaluate(rt.context), "timeout")
                : 300;
            await rt.services.forward(rt, {
                timeoutSeconds: timeout,
                bufferResponse: e.literal("buffer-response") !== "false",
            });
        },
    };
};
