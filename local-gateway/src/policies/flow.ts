/**
 * Flow and message elements: set-variable, set-header, choose, return-response, set-status,
 * set-body, emit-metric.
 */
import { MessageBody, newHeaders } from "../context";
import { csToString } from "../expressions/values";
import { JToken } from "../expressions/json";
import { checkElement, childrenNamed, integer, textValue } from "./attributes";
import { ResponseReturned, type ElementCompiler, type PolicyRuntime, type Statement } from "./types";

/** Set while return-response builds its response: set-header/set-body then edit that response. */
const building = new WeakSet<PolicyRuntime>();

function asString(value: unknown): string {
    return value instanceof JToken ? value.toString() : csToString(value);
}

export const setVariable: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, { required: ["name", "value"], literalOnly: ["name"] });
    const name = e.literal("name") as string;
    const value = e.attr("value")!;
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: (rt) => {
            rt.context.variables.set(name, value.evaluate(rt.context));
        },
    };
};

/** Headers APIM does not let policies change. */
const protectedHeaders = new Set(["content-length", "transfer-encoding", "connection", "keep-alive"]);

export const setHeader: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, {
        required: ["name"],
        optional: ["exists-action"],
        children: ["value"],
    });
    const name = e.attr("name")!;
    const action = e.attr("exists-action");
    if (name.literal !== undefined && protectedHeaders.has(name.literal.toLowerCase()))
        load.fail(element, `APIM does not allow set-header on ${name.literal}`);
    const values = childrenNamed(element, "value").map((v) => {
        if (v.attributes.size > 0 || v.children.length > 0) load.fail(v, "<value> holds text only");
        return textValue(v, load);
    });
    const literalAction = action?.literal;
    if (literalAction !== undefined && !["override", "skip", "append", "delete"].includes(literalAction))
        load.fail(element, `exists-action must be override, skip, append or delete, not ${literalAction}`);
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: (rt) => {
            const ctx = rt.context;
            const toResponse = building.has(rt) || rt.section === "outbound" || rt.section === "on-error";
            const headers = toResponse ? ctx.response.headers : ctx.request.headers;
            const headerName = asString(name.evaluate(ctx));
            const how = action ? asString(action.evaluate(ctx)) : "override";
            const texts = values.map((v) => (v ? asString(v.evaluate(ctx)) : ""));
            switch (how) {
                case "delete":
                    headers.delete(headerName);
                    return;
                case "skip":
                    if (!headers.has(headerName)) headers.set(headerName, texts);
                    return;
                case "append":
                    headers.set(headerName, [...(headers.get(headerName) ?? []), ...texts]);
                    return;
                default:
                    headers.set(headerName, texts);
            }
        },
    };
};

export const choose: ElementCompiler = (element, load) => {
    checkElement(element, load, { children: ["when", "otherwise"] });
    const whens = childrenNamed(element, "when");
    if (whens.length === 0) load.fail(element, "<choose> needs at least one <when>");
    const otherwise = childrenNamed(element, "otherwise");
    if (otherwise.length > 1) load.fail(element, "<choose> takes one <otherwise>");
    const branches = whens.map((w) => {
        const condition = w.attributes.get("condition");
        if (!condition || w.attributes.size !== 1)
            load.fail(w, "<when> takes exactly the attribute 'condition'");
        return {
            condition: load.value(condition!, "<when condition>"),
            statements: load.statements(w.children),
        };
    });
    const [otherwiseElement] = otherwise;
    const fallback = otherwiseElement ? load.statements(otherwiseElement.children) : [];
    const statement: Statement & { nested: Statement[][] } = {
        element: element.name,
        scope: load.scope,
        nested: [...branches.map((b) => b.statements), fallback],
        run: async (rt) => {
            for (const branch of branches) {
                const v = branch.condition.evaluate(rt.context);
                const truth = typeof v === "boolean" ? v : String(v).trim().toLowerCase() === "true";
                if (truth) {
                    for (const s of branch.statements) await s.run(rt);
                    return;
                }
            }
            for (const s of fallback) await s.run(rt);
        },
    };
    return statement;
};

export const setStatus: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, { required: ["code"], optional: ["reason"] });
    const code = e.attr("code")!;
    const reason = e.attr("reason");
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: (rt) => {
            const status = integer(code.evaluate(rt.context), "set-status code");
            if (status < 100 || status > 599)
                throw new Error(`set-status code ${status} is not an HTTP status`);
            rt.context.response.statusCode = status;
            rt.context.response.statusReason = reason ? asString(reason.evaluate(rt.context)) : "";
        },
    };
};

export const setBody: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, { text: true });
    const body = textValue(element, load);
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: (rt) => {
            const text = body ? asString(body.evaluate(rt.context)) : "";
            const content = new MessageBody(Buffer.from(text, "utf8"));
            if (building.has(rt) || rt.section === "outbound" || rt.section === "on-error") {
                rt.context.response.body = content;
                rt.backendStream = undefined;
            } else rt.context.request.body = content;
        },
    };
};

export const returnResponse: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, { children: ["set-status", "set-header", "set-body"] });
    const children = load.statements(element.children);
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: async (rt) => {
            const ctx = rt.context;
            // A new response: default 200 OK, no headers, no body.
            ctx.response = { statusCode: 200, statusReason: "OK", headers: newHeaders(), body: null };
            rt.backendStream = undefined;
            building.add(rt);
            try {
                for (const s of children) await s.run(rt);
            } finally {
                building.delete(rt);
            }
            throw new ResponseReturned();
        },
    };
};

const defaultDimensions = new Set([
    "API ID",
    "Operation ID",
    "Product ID",
    "User ID",
    "Subscription ID",
    "Location",
    "Gateway ID",
]);

export const emitMetric: ElementCompiler = (element, load) => {
    const e = checkElement(element, load, {
        required: ["name"],
        optional: ["namespace", "value"],
        literalOnly: ["name", "namespace"],
        children: ["dimension"],
    });
    const dims = childrenNamed(element, "dimension").map((d) => {
        const name = d.attributes.get("name");
        if (!name) return load.fail(d, "<dimension> needs a name");
        for (const key of d.attributes.keys())
            if (key !== "name" && key !== "value")
                load.fail(d, `<dimension> attribute ${key} is not supported`);
        const value = d.attributes.get("value");
        if (!value && !defaultDimensions.has(name.text))
            load.fail(d, `dimension ${name.text} needs a value (only default dimensions may omit it)`);
        return { name: name.text, value: value ? load.value(value, "<dimension value>") : undefined };
    });
    if (dims.length > 10) load.fail(element, "emit-metric takes at most 10 dimensions");
    const value = e.attr("value");
    return {
        element: element.name,
        scope: load.scope,
        policyId: e.policyId,
        run: (rt) => {
            const ctx = rt.context;
            const defaults: Record<string, string> = {
                "API ID": ctx.api.id,
                "Operation ID": ctx.operation.id,
                Location: "local",
                "Gateway ID": "managed",
            };
            const dimensions: Record<string, string> = {};
            for (const d of dims)
                dimensions[d.name] = d.value ? asString(d.value.evaluate(ctx)) : (defaults[d.name] ?? "");
            const raw = value ? value.evaluate(ctx) : 1;
            const number = typeof raw === "number" ? raw : Number(asString(raw));
            rt.services.emitMetric({
                name: e.literal("name") as string,
                namespace: e.literal("namespace") ?? "API Management",
                value: number,
                dimensions,
            });
        },
    };
};
