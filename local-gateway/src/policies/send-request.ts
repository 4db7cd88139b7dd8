/**
 * `send-request` (a call of the gateway's own, its answer stored as an `IResponse` variable) and
 * `wait` (child statements run concurrently; `for="all"` waits for every one). APIM's documented
 * semantics: `timeout` in seconds (default 60); without `ignore-error` a failure is a policy error
 * (`Timeout` when no answer came in time), with it the variable is null. Only `mode="new"`.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { MessageBody, newHeaders } from "../context";
import { CsSentResponse, csToString } from "../expressions/values";
import { JToken } from "../expressions/json";
import { checkElement, childrenNamed, integer, textValue } from "./attributes";
import { PolicyError, type ElementCompiler, type PolicyValue, type Statement } from "./types";

interface HeaderSpec {
    readonly name: PolicyValue;
    readonly values: readonly (PolicyValue | undefined)[];
}

const text = (value: unknown): string => (value instanceof JToken ? value.toString() : csToString(value));

export const sendRequest: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, {
        required: ["response-variable-name"],
        optional: ["mode", "timeout", "ignore-error"],
        literalOnly: ["response-variable-name", "mode"],
        children: ["set-url", "set-method", "set-header", "set-body", "authentication-managed-identity"],
    });
    if ((e.literal("mode") ?? "new") !== "new") load.fail(element, 'only mode="new" is supported locally');
    const single = (name: string): PolicyValue | undefined => {
        const found = childrenNamed(element, name);
        if (found.length > 1) load.fail(element, `<send-request> takes one <${name}>`);
        return found[0] ? textValue(found[0], load) : undefined;
    };
    const url = single("set-url");
    if (!url) load.fail(element, "<send-request> needs <set-url>");
    const method = single("set-method");
    const body = single("set-body");
    const headers: HeaderSpec[] = childrenNamed(element, "set-header").map((h) => {
        const name = h.attributes.get("name");
        if (!name) load.fail(h, "<set-header> needs a name");
        for (const key of h.attributes.keys())
            if (key !== "name" && key !== "exists-action")
                load.fail(h, `<set-header> attribute ${key} is not supported in send-request`);
        return {
            name: load.value(name!, "<set-header name>"),
            values: childrenNamed(h, "value").map((v) => textValue(v, load)),
        };
    });
    const identities = childrenNamed(element, "authentication-managed-identity").map((m) => {
        const resource = m.attributes.get("resource");
        if (!resource) load.fail(m, "<authentication-managed-identity> needs a resource");
        for (const key of m.attributes.keys())
            if (key !== "resource" && key !== "client-id")
                load.fail(
                    m,
                    `<authentication-managed-identity> attribute ${key} is not supported in send-request`,
                );
        return {
            resource: load.value(resource!, "<authentication-managed-identity resource>"),
            clientId: m.attributes.get("client-id")?.text,
        };
    });
    const variable = e.literal("response-variable-name") as string;
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: async (rt) => {
            const ctx = rt.context;
            const timeoutSeconds = e.attr("timeout")
                ? integer(e.attr("timeout")!.evaluate(ctx), "timeout")
                : 60;
            const ignoreError = e.attr("ignore-error")
                ? text(e.attr("ignore-error")!.evaluate(ctx)) === "true"
                : false;
            const outgoing: Record<string, string> = {};
            for (const h of headers)
                outgoing[text(h.name.evaluate(ctx))] = h.values
                    .map((v) => (v ? text(v.evaluate(ctx)) : ""))
                    .join(",");
            const payload = body ? Buffer.from(text(body.evaluate(ctx)), "utf8") : undefined;
            try {
                for (const identity of identities) {
                    const { token } = await rt.services.managedIdentityToken(
                        text(identity.resource.evaluate(ctx)),
                        identity.clientId,
                    );
                    outgoing.Authorization = `Bearer ${token}`;
                }
                const answer = await call(
                    text(url!.evaluate(ctx)),
                    method ? text(method.evaluate(ctx)) : "GET",
                    outgoing,
                    payload,
                    timeoutSeconds * 1000,
                    rt.signal,
                );
                ctx.variables.set(variable, answer);
            } catch (error) {
                if (ignoreError) {
                    ctx.variables.set(variable, null);
                    return;
                }
                if (error instanceof PolicyError) throw error;
                throw new PolicyError("send-request", "ConnectionFailure", (error as Error).message, {
                    status: 500,
                    reason: "Internal Server Error",
                });
            }
        },
    };
};

function call(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    timeoutMs: number,
    signal: AbortSignal,
): Promise<CsSentResponse<MessageBody>> {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
        const req = send(target, {
            method,
            headers: { ...headers, ...(body ? { "Content-Length": String(body.length) } : {}) },
            signal,
        });
        const timer = setTimeout(() => {
            req.destroy();
            reject(
                new PolicyError("send-request", "Timeout", "Request to the service timed out", {
                    status: 500,
                    reason: "Internal Server Error",
                }),
            );
        }, timeoutMs);
        req.on("response", (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => {
                clearTimeout(timer);
                const received = newHeaders();
                for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
                    const name = res.rawHeaders[i] as string;
                    received.set(name, [...(received.get(name) ?? []), res.rawHeaders[i + 1] as string]);
                }
                resolve(
                    new CsSentResponse(
                        res.statusCode ?? 0,
                        res.statusMessage ?? "",
                        received,
                        new MessageBody(Buffer.concat(chunks)),
                    ),
                );
            });
            res.on("error", (error) => {
                clearTimeout(timer);
                reject(error);
            });
        });
        req.on("error", (error) => {
            clearTimeout(timer);
            reject(error);
        });
        req.end(body);
    });
}

export const wait: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, {
        optional: ["for"],
        literalOnly: ["for"],
        children: ["send-request", "choose"],
    });
    if ((e.literal("for") ?? "all") !== "all") load.fail(element, 'only for="all" is supported locally');
    const children: Statement[] = load.statements(element.children);
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: async (rt) => {
            // Every child runs; the first failure is the element's, after all have settled.
            const settled = await Promise.allSettled(children.map(async (child) => child.run(rt)));
            const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
            if (failed) throw failed.reason;
        },
    };
};
