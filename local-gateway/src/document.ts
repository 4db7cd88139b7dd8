/**
 * Loads APIM policy documents and composes them across scopes. Loading substitutes `{{named
 * values}}` (textually, before expressions are compiled, as APIM does), compiles every attribute
 * and text value (literal or C# expression) and every element; anything unsupported is an error
 * naming the document, line and construct. Composition follows `<base />`: the narrowest scope runs,
 * and `<base />` runs the same section of the next broader scope at that point.
 */
import type { Parser } from "web-tree-sitter";
import { contextType, MessageBody, registerContextTypes, type GatewayContext } from "./context";
import { ExpressionCompileError, ExpressionCompiler, type CompiledExpression } from "./expressions/compiler";
import { parseExpressionBody } from "./expressions/parser";
import { elementCompilers } from "./policies/registry";
import type { LoadContext, PolicyRuntime, PolicyValue, Scope, Section, Statement } from "./policies/types";
import { balancedExpressionEnd, parseXml, type SourcePosition, type XmlElement, type XmlValue } from "./xml";

export class PolicyLoadError extends Error {
    constructor(document: string, at: SourcePosition, message: string) {
        super(`${document} line ${at.line}, column ${at.column}: ${message}`);
        this.name = "PolicyLoadError";
    }
}

export const sections: readonly Section[] = ["inbound", "backend", "outbound", "on-error"];

export interface PolicyDocument {
    readonly name: string;
    readonly scope: Scope;
    /** Statements per section; `base` statements are placeholders resolved by {@link composeScopes}. */
    readonly sections: Readonly<Record<Section, readonly Statement[]>>;
    /** Every expression in the document (for the allow-list test). */
    readonly expressionCount: number;
}

/** APIM's default global policy: forward the request, nothing else. */
export const defaultGlobalPolicy = `<policies><inbound /><backend><forward-request /></backend><outbound /><on-error /></policies>`;

export class BaseStatement implements Statement {
    readonly element = "base";
    parent: readonly Statement[] = [];
    constructor(readonly scope: Scope) {}
    async run(rt: Parameters<Statement["run"]>[0]): Promise<void> {
        for (const s of this.parent) await s.run(rt);
    }
}

const namedValuePattern = /\{\{([^{}]*)\}\}/g;

/**
 * Compiled expressions by their text (after named-value substitution): a compiled expression is a
 * pure function of its text (every global is the request's `context`), and each evaluation gets a
 * frame of its own, so one compilation serves every document and operation that holds the same
 * text, e.g. the API policy loaded once per operation and again by every gateway a process starts.
 * Only compilations that succeed are kept: a failing one is compiled again and reports its own
 * position.
 */
const compiledExpressions = new Map<string, CompiledExpression>();
/** A bound, far above the few hundred distinct expressions of the shipped policies. */
const compiledExpressionsCapacity = 10_000;

/**
 * A statement whose expressions read `context.Response.Body`: a streamed backend answer
 * (`buffer-response="false"`) is read to its end before it runs, since APIM buffers a response a
 * policy reads (its SSE guidance: policies that read the body buffer it). Statements that do not
 * read it leave the stream streaming.
 */
function bufferingResponse(statement: Statement): Statement {
    const run = statement.run.bind(statement);
    return Object.assign(statement, {
        run: async (rt: PolicyRuntime): Promise<void> => {
            const stream = rt.backendStream;
            if (stream) {
                const chunks: Buffer[] = [];
                for await (const chunk of stream) chunks.push(chunk as Buffer);
                rt.context.response.body = new MessageBody(Buffer.concat(chunks));
                rt.backendStream = undefined;
            }
            await run(rt);
        },
    });
}

function expressionValue(compiled: CompiledExpression): PolicyValue {
    return { expression: true, evaluate: (context: GatewayContext) => compiled.evaluate({ context }) };
}

export function loadPolicyDocument(
    parser: Parser,
    name: string,
    scope: Scope,
    xml: string,
    namedValues: ReadonlyMap<string, string>,
): PolicyDocument {
    registerContextTypes();
    const root = parseXml(name, xml);
    const fail = (at: SourcePosition, message: string): never => {
        throw new PolicyLoadError(name, at, message);
    };
    if (root.name !== "policies") fail(root, `the root element must be <policies>, not <${root.name}>`);
    if (root.attributes.size > 0) fail(root, "<policies> takes no attributes");
    let expressionCount = 0;
    /** Per element being compiled: whether its own values read the response body. */
    const readsResponseBody: boolean[] = [];

    const substitute = (value: XmlValue): string =>
        value.text.replace(namedValuePattern, (_m, nv: string) => {
            const v = namedValues.get(nv);
            if (v === undefined) fail(value, `named value {{${nv}}} is not defined`);
            return v as string;
        });

    const compileValue = (value: XmlValue, where: string): PolicyValue => {
        const text = substitute(value);
        const trimmed = text.trim();
        if (!/^@[({]/.test(trimmed)) return { expression: false, literal: text, evaluate: () => text };
        if (balancedExpressionEnd(trimmed, 0) !== trimmed.length)
            fail(value, `${where}: a value is either a literal or one whole expression`);
        expressionCount++;
        if (readsResponseBody.length > 0 && /\bResponse\s*\.\s*Body\b/.test(trimmed))
            readsResponseBody[readsResponseBody.length - 1] = true;
        const cached = compiledExpressions.get(trimmed);
        if (cached) return expressionValue(cached);
        const kind = trimmed[1] as "(" | "{";
        const code = trimmed.slice(2, -1);
        const offset = text.indexOf(trimmed) + 2;
        const { body, error } = parseExpressionBody(parser, code, kind);
        const locate = (row: number, column: number): SourcePosition => {
            // Row 1 of the wrapper is the expression's first line.
            const before = text.slice(0, offset).split("\n");
            if (row <= 1) {
                const col = kind === "(" ? column - "return (".length : column;
                const lastLineLength = offset - text.lastIndexOf("\n", offset - 1) - 1;
                return {
                    line: value.line + before.length - 1,
                    column: (before.length === 1 ? value.column : 1) + lastLineLength + Math.max(0, col),
                };
            }
            return { line: value.line + before.length - 1 + row - 1, column: column + 1 };
        };
        if (error)
            fail(
                locate(error.startPosition.row, error.startPosition.column),
                `${where}: C# syntax error at \`${error.text.slice(0, 40) || error.type}\``,
            );
        try {
            const compiled = new ExpressionCompiler({ context: contextType }).compile(body);
            if (compiledExpressions.size >= compiledExpressionsCapacity) compiledExpressions.clear();
            compiledExpressions.set(trimmed, compiled);
            return expressionValue(compiled);
        } catch (e) {
            if (e instanceof ExpressionCompileError)
                return fail(
                    locate(e.node.startPosition.row, e.node.startPosition.column),
                    `${where}: ${e.message}`,
                );
            throw e;
        }
    };

    const compileSection = (section: Section, elements: readonly XmlElement[]): Statement[] => {
        const load: LoadContext = {
            document: name,
            scope,
            section,
            value: compileValue,
            statements: (children) => children.map((c) => compileElement(c)),
            fail: (at, message) => fail(at, message),
        };
        const compileElement = (element: XmlElement): Statement => {
            if (element.name === "base") {
                if (element.attributes.size > 0 || element.children.length > 0)
                    fail(element, "<base /> takes no attributes or content");
                return new BaseStatement(scope);
            }
            const compiler = elementCompilers[element.name];
            if (!compiler)
                return fail(
                    element,
                    `the policy element <${element.name}> is not supported by the local gateway`,
                );
            readsResponseBody.push(false);
            const statement = compiler(element, load);
            return readsResponseBody.pop() ? bufferingResponse(statement) : statement;
        };
        return elements.map(compileElement);
    };

    const result: Record<Section, Statement[]> = { inbound: [], backend: [], outbound: [], "on-error": [] };
    const seen = new Set<string>();
    for (const child of root.children) {
        if (!(sections as readonly string[]).includes(child.name))
            fail(child, `<${child.name}> is not a policy section`);
        if (seen.has(child.name)) fail(child, `<${child.name}> appears twice`);
        if (child.attributes.size > 0) fail(child, `<${child.name}> takes no attributes`);
        if (child.text) fail(child, `<${child.name}> holds text`);
        seen.add(child.name);
        result[child.name as Section] = compileSection(child.name as Section, child.children);
    }
    // A section a scope leaves out inherits the broader scope's (as if it held only <base />).
    for (const section of sections) if (!seen.has(section)) result[section] = [new BaseStatement(scope)];
    return { name, scope, sections: result, expressionCount };
}

/**
 * Composes documents ordered broad to narrow (global, API, operation) into one statement list
 * per section: each `<base />` runs the next broader document's section.
 */
export function composeScopes(documents: readonly PolicyDocument[]): Record<Section, readonly Statement[]> {
    const composed = {} as Record<Section, readonly Statement[]>;
    for (const section of sections) {
        let parent: readonly Statement[] = [];
        for (const doc of documents) {
            const statements = doc.sections[section];
            bindBase(statements, parent);
            parent = statements;
        }
        composed[section] = parent;
    }
    return composed;
}

function bindBase(statements: readonly Statement[], parent: readonly Statement[]): void {
    for (const s of statements) {
        if (s instanceof BaseStatement) s.parent = parent;
        const nested = (s as { nested?: readonly (readonly Statement[])[] }).nested;
        for (const list of nested ?? []) bindBase(list, parent);
    }
}
