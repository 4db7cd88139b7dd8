/**
 * Compiles a parsed C# policy expression into a JavaScript closure, checking types as it goes: every
 * member is resolved against its receiver's static type at load time, so an unknown member, an
 * unsupported construct or a type or member outside APIM's allow-list fails when the document
 * loads, naming the construct. Run-time behaviour follows .NET (null dereference, invalid casts and
 * missing keys throw .NET exceptions that `try`/`catch` in the expression can catch). Pure.
 */
import { allowedExcept, allowedMembersOnly, allowedTypes } from "./allow-list";
import { JToken, JValue, tokenToString } from "./json";
import { asNumber, notNull } from "./guards";
import { constructorsOf, enumerate, instanceMembers, staticMembers, type Member } from "./members";
import type { SyntaxNode } from "./parser";
import {
    apimTypes,
    arrayOf,
    assignable,
    baseOf,
    castTo,
    fullNames,
    isInstance,
    isNumeric,
    knownTypeNames,
    predefinedType,
    t,
    typeArg,
    typeText,
    types,
    type CsType,
} from "./types";
import { CsDictionary, CsEnum, CsException, CsGuid, csToString, exceptionIs } from "./values";

/** Thrown at load time; `node` locates the construct. */
export class ExpressionCompileError extends Error {
    constructor(
        message: string,
        readonly node: SyntaxNode,
    ) {
        super(message);
        this.name = "ExpressionCompileError";
    }
}

interface Frame {
    readonly locals: unknown[];
    readonly globals: Readonly<Record<string, unknown>>;
    result?: unknown;
}
type Eval = (f: Frame) => unknown;
interface Compiled {
    readonly type: CsType;
    readonly run: Eval;
    /** Set for a local variable (assignable). */
    readonly slot?: number;
    /** A lambda argument, compiled once the parameter types are known. */
    readonly lambda?: SyntaxNode;
    /** An `out` argument: the variable (declared with `out var` or existing). */
    readonly out?: SyntaxNode;
    /** Set for `dictionary[key]` / `list[index]` (assignable). */
    readonly store?: (f: Frame, value: unknown) => void;
}
/** 0 normal, 1 break, 2 continue, 3 return. */
type Completion = 0 | 1 | 2 | 3;
type Exec = (f: Frame) => Completion;

interface TypeRef {
    readonly typeRef: CsType;
}

export interface CompiledExpression {
    readonly type: CsType;
    evaluate(globals: Readonly<Record<string, unknown>>): unknown;
}

/** Checks a type against APIM's allow-list. */
function typeAllowed(type: CsType): boolean {
    if (apimTypes.has(type.name) || ["object", "null", "void", "Array", "JContainer"].includes(type.name))
        return true;
    const full = fullNames[type.name];
    return (
        full !== undefined && (allowedTypes.has(full) || full in allowedMembersOnly || full in allowedExcept)
    );
}
function memberAllowed(owner: string, member: string): boolean {
    if (apimTypes.has(owner) || ["object", "Array", "JContainer"].includes(owner)) return true;
    const full = fullNames[owner];
    if (full === undefined) return false;
    if (allowedTypes.has(full)) return true;
    const only = allowedMembersOnly[full];
    if (only) return only.includes(member === "[]" ? "Item" : member);
    const except = allowedExcept[full];
    if (except) return !except.includes(member);
    return false;
}

/** A local variable: its slot in the frame and its static type. */
interface Local {
    readonly slot: number;
    readonly type: CsType;
}
/** The locals one block declares, by name. */
type Scope = Map<string, Local>;

export class ExpressionCompiler {
    private readonly scopes: Scope[] = [new Map<string, Local>()];
    private slots = 0;
    private readonly returnTypes: CsType[] = [];

    constructor(private readonly globals: Readonly<Record<string, CsType>>) {}

    /** `@(...)`: the method body is `{ return (expr); }`; `@{...}`: the block itself. */
    compile(body: SyntaxNode): CompiledExpression {
        const exec = this.block(body);
        const slots = this.slots;
        const [only] = this.returnTypes;
        const type = this.returnTypes.length === 1 && only ? only : commonType(this.returnTypes);
        return {
            type,
            evaluate: (globals) => {
                const frame: Frame = { locals: new Array(slots), globals };
                if (exec(frame) !== 3)
                    throw new CsException("InvalidOperationException", "expression ended without return");
                return frame.result;
            },
        };
    }

    private fail(node: SyntaxNode, message: string): never {
        throw new ExpressionCompileError(message, node);
    }
    private unsupported(node: SyntaxNode, what = node.type.replace(/_/g, " ")): never {
        this.fail(node, `${what} is not supported by the local gateway (\`${node.text.slice(0, 60)}\`)`);
    }

    // ---------- statements
    private block(node: SyntaxNode): Exec {
        this.scopes.push(new Map());
        const statements = node.namedChildren
            .filter((c): c is SyntaxNode => !!c && c.type !== "comment")
            .map((c) => this.statement(c));
        this.scopes.pop();
        return (f) => {
            for (const s of statements) {
                const c = s(f);
                if (c !== 0) return c;
            }
            return 0;
        };
    }

    private statement(node: SyntaxNode): Exec {
        switch (node.type) {
            case "block":
                return this.block(node);
            case "return_statement": {
                const valueNode = node.namedChildren.find((c) => c && c.type !== "comment");
                if (!valueNode) this.fail(node, "an expression must return a value");
                const value = this.expr(valueNode);
                this.returnTypes.push(value.type);
                return (f) => {
                    f.result = value.run(f);
                    return 3;
                };
            }
            case "local_declaration_statement": {
                const declaration = node.namedChildren.find((c) => c?.type === "variable_declaration");
                if (!declaration) this.unsupported(node);
                return this.declaration(declaration);
            }
            case "expression_statement": {
                const e = this.expr(node.namedChildren[0] as SyntaxNode);
                return (f) => {
                    e.run(f);
                    return 0;
                };
            }
            case "if_statement": {
                const condition = this.condition(node.childForFieldName("condition") as SyntaxNode);
                const then = this.scoped(node.childForFieldName("consequence") as SyntaxNode);
                const alternativeNode = node.childForFieldName("alternative");
                const otherwise = alternativeNode ? this.scoped(alternativeNode) : undefined;
                return (f) => (condition(f) ? then(f) : otherwise ? otherwise(f) : 0);
            }
            case "else_clause":
                return this.scoped(node.namedChildren[0] as SyntaxNode);
            case "foreach_statement":
                return this.foreach(node);
            case "while_statement": {
                const condition = this.condition(node.childForFieldName("condition") as SyntaxNode);
                const body = this.scoped(node.childForFieldName("body") as SyntaxNode);
                return (f) => {
                    while (condition(f)) {
                        const c = body(f);
                        if (c === 1) break;
                        if (c === 3) return 3;
                    }
                    return 0;
                };
            }
            case "continue_statement":
                return () => 2;
            case "break_statement":
                return () => 1;
            case "try_statement":
                return this.tryStatement(node);
            case "throw_statement": {
                const value = node.namedChildren[0] ? this.expr(node.namedChildren[0]) : undefined;
                return (f) => {
                    const e = value?.run(f);
                    throw e instanceof CsException ? e : new CsException("Exception", csToString(e));
                };
            }
            case "empty_statement":
                return () => 0;
            default:
                return this.unsupported(node, `the statement ${node.type.replace(/_/g, " ")}`);
        }
    }

    private scoped(node: SyntaxNode): Exec {
        this.scopes.push(new Map());
        const s = this.statement(node);
        this.scopes.pop();
        return s;
    }

    private declare(node: SyntaxNode, name: string, type: CsType): number {
        for (const scope of this.scopes)
            if (scope.has(name))
                this.fail(node, `a local named '${name}' is already defined in an enclosing scope`);
        const innermost = this.scopes.at(-1);
        // compile() opens the outermost scope and every block pops only what it pushed.
        if (!innermost) throw new Error("internal: no scope to declare a local in");
        const slot = this.slots++;
        innermost.set(name, { slot, type });
        return slot;
    }

    private declaration(node: SyntaxNode): Exec {
        const typeNode = node.childForFieldName("type") as SyntaxNode;
        const declared = typeNode.type === "implicit_type" ? undefined : this.typeOf(typeNode);
        const parts: Exec[] = [];
        for (const declarator of node.namedChildren) {
            if (!declarator || declarator.type !== "variable_declarator") continue;
            const nameNode = declarator.childForFieldName("name") ?? declarator.namedChildren[0];
            const initNode = declarator.namedChildren.find(
                (c) => c && c.id !== nameNode?.id && c.type !== "bracketed_argument_list",
            );
            const init = initNode
                ? this.expr(
                      initNode.type === "equals_value_clause"
                          ? (initNode.namedChildren[0] as SyntaxNode)
                          : initNode,
                  )
                : undefined;
            if (!declared && !init) this.fail(declarator, "an implicitly typed local needs an initializer");
            if (!declared && init?.type.name === "null")
                this.fail(declarator, "cannot infer a type from null");
            const type = declared ?? (init as Compiled).type;
            if (declared && init && !assignable(init.type, declared))
                this.fail(declarator, `cannot convert ${typeText(init.type)} to ${typeText(declared)}`);
            const slot = this.declare(declarator, (nameNode as SyntaxNode).text, type);
            parts.push(
                init
                    ? (f) => {
                          f.locals[slot] = convert(init.run(f), init.type, type);
                          return 0;
                      }
                    : () => 0,
            );
        }
        return (f) => {
            for (const p of parts) p(f);
            return 0;
        };
    }

    private foreach(node: SyntaxNode): Exec {
        const source = this.expr(node.childForFieldName("right") as SyntaxNode);
        const typeNode = node.childForFieldName("type") as SyntaxNode;
        const element = typeNode.type === "implicit_type" ? elementType(source.type) : this.typeOf(typeNode);
        if (!element) this.fail(node, `${typeText(source.type)} is not enumerable`);
        this.scopes.push(new Map());
        const slot = this.declare(node, (node.childForFieldName("left") as SyntaxNode).text, element);
        const body = this.scoped(node.childForFieldName("body") as SyntaxNode);
        this.scopes.pop();
        return (f) => {
            for (const item of enumerate(source.run(f))) {
                f.locals[slot] = item;
                const c = body(f);
                if (c === 1) break;
                if (c === 3) return 3;
            }
            return 0;
        };
    }

    private tryStatement(node: SyntaxNode): Exec {
        const body = this.block(node.childForFieldName("body") as SyntaxNode);
        const handlers: { type: string; slot: number | undefined; body: Exec }[] = [];
        let finallyExec: Exec | undefined;
        for (const child of node.namedChildren) {
            if (!child) continue;
            if (child.type === "catch_clause") {
                const declaration = child.namedChildren.find((c) => c?.type === "catch_declaration");
                const typeNode = declaration?.childForFieldName("type");
                const nameNode = declaration?.childForFieldName("name");
                if (child.namedChildren.some((c) => c?.type === "catch_filter_clause"))
                    this.unsupported(child, "a catch filter");
                const type = typeNode ? typeNode.text.replace(/^System\./, "") : "Exception";
                if (!/^[A-Za-z]*Exception$/.test(type)) this.fail(child, `catch of ${type} is not supported`);
                this.scopes.push(new Map());
                const slot = nameNode ? this.declare(nameNode, nameNode.text, t("Exception")) : undefined;
                const handlerBody = this.block(child.childForFieldName("body") as SyntaxNode);
                this.scopes.pop();
                handlers.push({ type, slot, body: handlerBody });
            } else if (child.type === "finally_clause") {
                finallyExec = this.block(child.namedChildren[0] as SyntaxNode);
            }
        }
        return (f) => {
            try {
                return body(f);
            } catch (error) {
                if (!(error instanceof CsException)) throw error;
                const handler = handlers.find((h) => exceptionIs(error.typeName, h.type));
                if (!handler) throw error;
                if (handler.slot !== undefined) f.locals[handler.slot] = error;
                return handler.body(f);
            } finally {
                if (finallyExec) finallyExec(f);
            }
        };
    }

    private condition(node: SyntaxNode): (f: Frame) => boolean {
        const c = this.expr(node);
        if (c.type.name !== "bool") this.fail(node, `a condition must be bool, not ${typeText(c.type)}`);
        return (f) => c.run(f) === true;
    }

    // ---------- types
    private typeOf(node: SyntaxNode): CsType {
        switch (node.type) {
            case "predefined_type": {
                const p = predefinedType(node.text);
                if (!p) this.unsupported(node, `the type ${node.text}`);
                return p;
            }
            case "identifier":
            case "qualified_name":
                return this.namedType(
                    node,
                    node.text.replace(
                        /^(System\.(Collections\.Generic\.|Text\.RegularExpressions\.|Linq\.)?|Newtonsoft\.Json\.(Linq\.)?)/,
                        "",
                    ),
                    [],
                );
            case "generic_name": {
                const name = (node.namedChildren[0] as SyntaxNode).text;
                const argsNode = node.namedChildren.find((c) => c?.type === "type_argument_list");
                const args = (argsNode?.namedChildren ?? [])
                    .filter((c): c is SyntaxNode => !!c)
                    .map((c) => this.typeOf(c));
                return this.namedType(node, name, args);
            }
            case "array_type":
                return arrayOf(this.typeOf(node.childForFieldName("type") as SyntaxNode));
            case "nullable_type":
                return this.typeOf(node.namedChildren[0] as SyntaxNode);
            default:
                return this.unsupported(node, `the type syntax ${node.type}`);
        }
    }

    private namedType(node: SyntaxNode, name: string, args: CsType[]): CsType {
        if (name === "dynamic")
            this.fail(node, "Usage of type 'dynamic' is not supported within expressions");
        if (!knownTypeNames.has(name))
            this.fail(node, `the type ${name} is not supported by the local gateway`);
        const type = t(name === "String" ? "string" : name, ...args);
        if (!typeAllowed(type))
            this.fail(node, `Usage of type '${fullNames[name] ?? name}' is not supported within expressions`);
        return type;
    }

    // ---------- expressions
    private expr(node: SyntaxNode): Compiled {
        const r = this.exprOrType(node);
        if ("typeRef" in r) this.fail(node, `${typeText(r.typeRef)} is a type, not a value`);
        return r;
    }

    private exprOrType(node: SyntaxNode): Compiled | TypeRef {
        switch (node.type) {
            case "parenthesized_expression":
                return this.expr(node.namedChildren[0] as SyntaxNode);
            case "string_literal": {
                const value = decodeStringLiteral(node);
                return { type: types.string, run: () => value };
            }
            case "verbatim_string_literal": {
                const value = node.text.slice(2, -1).replace(/""/g, '"');
                return { type: types.string, run: () => value };
            }
            case "character_literal": {
                const value = decodeEscapes(node.text.slice(1, -1));
                return { type: types.char, run: () => value };
            }
            case "integer_literal": {
                const value = Number(node.text.replace(/[uUlL]+$/, ""));
                return { type: /[lL]$/.test(node.text) ? types.long : types.int, run: () => value };
            }
            case "real_literal": {
                const value = Number(node.text.replace(/[dDfFmM]$/, ""));
                return { type: types.double, run: () => value };
            }
            case "boolean_literal": {
                const value = node.text === "true";
                return { type: types.bool, run: () => value };
            }
            case "null_literal":
                return { type: types.null, run: () => null };
            case "interpolated_string_expression":
                return this.interpolated(node);
            case "identifier":
                return this.identifier(node);
            case "predefined_type":
                return { typeRef: this.typeOf(node) };
            case "member_access_expression":
                return this.memberAccess(node, undefined);
            case "conditional_access_expression":
                return this.conditionalAccess(node);
            case "invocation_expression":
                return this.invocation(node);
            case "element_access_expression":
                return this.elementAccess(node);
            case "binary_expression":
                return this.binary(node);
            case "prefix_unary_expression":
                return this.prefix(node);
            case "postfix_unary_expression":
                return this.increment(
                    node,
                    node.namedChildren[0] as SyntaxNode,
                    node.text.endsWith("++") ? 1 : -1,
                    false,
                );
            case "conditional_expression": {
                const condition = this.condition(node.childForFieldName("condition") as SyntaxNode);
                const a = this.expr(node.childForFieldName("consequence") as SyntaxNode);
                const b = this.expr(node.childForFieldName("alternative") as SyntaxNode);
                const type = commonType([a.type, b.type]);
                return { type, run: (f) => (condition(f) ? a.run(f) : b.run(f)) };
            }
            case "cast_expression": {
                const type = this.typeOf(node.childForFieldName("type") as SyntaxNode);
                const value = this.expr(node.childForFieldName("value") as SyntaxNode);
                return { type, run: (f) => explicitCast(value.run(f), value.type, type) };
            }
            case "is_pattern_expression": {
                const value = this.expr(node.childForFieldName("expression") as SyntaxNode);
                const pattern = node.childForFieldName("pattern") as SyntaxNode;
                let target: CsType;
                if (pattern.type === "constant_pattern" && pattern.namedChildren[0]?.type === "null_literal")
                    return { type: types.bool, run: (f) => value.run(f) === null };
                if (pattern.type === "constant_pattern" || pattern.type === "type_pattern")
                    target = this.typeOf(pattern.namedChildren[0] as SyntaxNode);
                else return this.unsupported(pattern, "pattern matching");
                return { type: types.bool, run: (f) => isInstance(value.run(f), target) };
            }
            case "is_expression": {
                const value = this.expr(node.childForFieldName("left") as SyntaxNode);
                const target = this.typeOf(node.childForFieldName("right") as SyntaxNode);
                return { type: types.bool, run: (f) => isInstance(value.run(f), target) };
            }
            case "as_expression": {
                const value = this.expr(node.childForFieldName("left") as SyntaxNode);
                const target = this.typeOf(node.childForFieldName("right") as SyntaxNode);
                return {
                    type: target,
                    run: (f) => {
                        const v = value.run(f);
                        return isInstance(v, target) ? v : null;
                    },
                };
            }
            case "object_creation_expression":
                return this.creation(node);
            case "array_creation_expression":
                return this.arrayCreation(node);
            case "implicit_array_creation_expression": {
                const init = node.namedChildren.find(
                    (c) => c?.type === "initializer_expression",
                ) as SyntaxNode;
                const items = init.namedChildren.filter((c): c is SyntaxNode => !!c).map((c) => this.expr(c));
                const element = commonType(items.map((i) => i.type));
                return { type: arrayOf(element), run: (f) => items.map((i) => i.run(f)) };
            }
            case "assignment_expression":
                return this.assignment(node);
            case "lambda_expression":
                return this.unsupported(node, "a lambda outside a method argument");
            default:
                return this.unsupported(node);
        }
    }

    private identifier(node: SyntaxNode): Compiled | TypeRef {
        const name = node.text;
        for (const scope of this.scopes.toReversed()) {
            const local = scope.get(name);
            if (local) return { type: local.type, slot: local.slot, run: (f) => f.locals[local.slot] };
        }
        const global = name in this.globals ? this.globals[name] : undefined;
        if (global) return { type: global, run: (f) => f.globals[name] };
        if (knownTypeNames.has(name)) return { typeRef: this.namedType(node, name, []) };
        return this.fail(node, `the name '${name}' does not exist in the current context`);
    }

    private interpolated(node: SyntaxNode): Compiled {
        if (node.text.startsWith("$@") || node.text.startsWith("@$"))
            this.unsupported(node, "a verbatim interpolated string");
        const parts: Eval[] = [];
        for (const child of node.namedChildren) {
            if (!child) continue;
            if (child.type === "string_content") {
                const text = decodeEscapes(child.text).replace(/\{\{/g, "{").replace(/\}\}/g, "}");
                parts.push(() => text);
            } else if (child.type === "escape_sequence") {
                const text = decodeEscapes(child.text);
                parts.push(() => text);
            } else if (child.type === "interpolation") {
                const inner = child.namedChildren.filter((c) => c && c.type !== "interpolation_brace");
                if (inner.length !== 1) this.unsupported(child, "interpolation alignment or format");
                const value = this.expr(inner[0] as SyntaxNode);
                parts.push((f) => stringOf(value.run(f)));
            } else if (child.type !== "interpolation_start" && child.type !== "interpolation_quote") {
                this.unsupported(child);
            }
        }
        return { type: types.string, run: (f) => parts.map((p) => p(f)).join("") };
    }

    private args(node: SyntaxNode | null): { values: Compiled[]; names: (string | undefined)[] } {
        const values: Compiled[] = [];
        const names: (string | undefined)[] = [];
        for (const arg of node?.namedChildren ?? []) {
            if (!arg || arg.type !== "argument") continue;
            const nameNode = arg.childForFieldName("name");
            const valueNode = arg.namedChildren[arg.namedChildren.length - 1] as SyntaxNode;
            if (arg.children.some((c) => c?.type === "ref" || c?.text === "ref"))
                this.unsupported(arg, "ref arguments");
            if (arg.children.some((c) => c?.type === "out" || c?.text === "out")) {
                values.push({ type: t("Out"), run: () => null, out: valueNode });
            } else if (valueNode.type === "lambda_expression") {
                values.push({ type: t("Lambda"), run: () => null, lambda: valueNode });
            } else values.push(this.expr(valueNode));
            names.push(nameNode?.text);
        }
        return { values, names };
    }

    private resolveMember(
        node: SyntaxNode,
        self: CsType,
        name: string,
        candidates: Member[] | undefined,
        args: CsType[],
        typeArgs: CsType[],
        describe: string,
    ): { member: Member; type: CsType } {
        for (const member of candidates ?? []) {
            const type = member.resolve(self, args, typeArgs);
            if (type) {
                if (!memberAllowed(member.owner, name))
                    this.fail(
                        node,
                        `Usage of member '${name}' of type '${fullNames[member.owner] ?? member.owner}' is not supported within expressions`,
                    );
                return { member, type };
            }
        }
        if (!memberAllowed(self.name, name))
            this.fail(
                node,
                `Usage of member '${name}' of type '${fullNames[self.name] ?? self.name}' is not supported within expressions`,
            );
        return this.fail(
            node,
            `${describe} '${name}' (${args.map(typeText).join(", ")}) is not supported by the local gateway`,
        );
    }

    /** Finds an instance member along the base chain. */
    private instanceMember(
        node: SyntaxNode,
        self: CsType,
        name: string,
        args: CsType[],
        typeArgs: CsType[],
    ): { member: Member; type: CsType } {
        if (self.name === "null") this.fail(node, "member access on null");
        for (let c: CsType | undefined = self; c; c = baseOf(c)) {
            const candidates = instanceMembers(c.name, name);
            if (candidates) {
                for (const member of candidates) {
                    const type = member.resolve(c, args, typeArgs);
                    if (type) {
                        if (!memberAllowed(member.owner, name))
                            this.fail(
                                node,
                                `Usage of member '${name}' of type '${fullNames[member.owner] ?? member.owner}' is not supported within expressions`,
                            );
                        return { member, type };
                    }
                }
            }
        }
        if (!memberAllowed(self.name, name))
            this.fail(
                node,
                `Usage of member '${name}' of type '${fullNames[self.name] ?? self.name}' is not supported within expressions`,
            );
        return this.fail(
            node,
            `${typeText(self)} has no member '${name}' taking (${args.map(typeText).join(", ")}) that the local gateway supports`,
        );
    }

    private memberAccess(
        node: SyntaxNode,
        callArgs: CsType[] | undefined,
        argEvals?: Compiled[],
        argNames?: (string | undefined)[],
    ): Compiled | TypeRef {
        const targetNode = node.childForFieldName("expression") as SyntaxNode;
        const nameNode = node.childForFieldName("name") as SyntaxNode;
        if (targetNode.type === "conditional_access_expression")
            this.unsupported(node, "a ?. chain continued by further member access");
        let name = nameNode.text;
        let typeArgs: CsType[] = [];
        if (nameNode.type === "generic_name") {
            name = (nameNode.namedChildren[0] as SyntaxNode).text;
            const list = nameNode.namedChildren.find((c) => c?.type === "type_argument_list");
            typeArgs = (list?.namedChildren ?? [])
                .filter((c): c is SyntaxNode => !!c)
                .map((c) => this.typeOf(c));
        }
        // Namespace-qualified type names (System.String, Newtonsoft.Json.Linq.JObject).
        if (
            /^(System|Newtonsoft|Microsoft)(\.[A-Za-z]+)*$/.test(node.text) &&
            knownTypeNames.has(name) &&
            callArgs === undefined
        )
            return { typeRef: this.namedType(node, name, []) };
        const target = this.qualifiedType(targetNode) ?? this.exprOrType(targetNode);
        if (argEvals && argEvals.some((a) => a.lambda || a.out)) {
            if (argEvals.some((a) => a.out)) {
                if ("typeRef" in target || name !== "TryGetValue")
                    this.unsupported(node, `out arguments to ${name}`);
                return this.tryGetValue(node, target, argEvals);
            }
            const receiver = "typeRef" in target ? argEvals[0]?.type : target.type;
            const element = receiver ? elementType(receiver) : undefined;
            argEvals = argEvals.map((a) => {
                if (!a.lambda) return a;
                if (!element) this.fail(a.lambda, "a lambda needs an enumerable receiver");
                return this.lambda(a.lambda, [element]);
            });
            callArgs = argEvals.map((a) => a.type);
        }
        const args = callArgs ?? [];
        const evals = argEvals ?? [];
        if ("typeRef" in target) {
            const { member, type } = this.resolveMember(
                node,
                target.typeRef,
                name,
                staticMembers(target.typeRef.name, name),
                args,
                typeArgs,
                `${typeText(target.typeRef)}.`,
            );
            if ((member.kind === "method") !== (callArgs !== undefined))
                this.fail(node, `${name} is not ${callArgs ? "a method" : "a property"}`);
            const ordered = this.orderArgs(node, member, evals, argNames);
            return {
                type,
                run: (f) =>
                    member.run(
                        null,
                        ordered.map((a) => a.run(f)),
                        typeArgs,
                        args,
                    ),
            };
        }
        const { member, type } = this.instanceMember(node, target.type, name, args, typeArgs);
        if ((member.kind === "method") !== (callArgs !== undefined))
            this.fail(node, `${name} is not ${callArgs ? "a method" : "a property"}`);
        const ordered = this.orderArgs(node, member, evals, argNames);
        const argTypes = ordered.map((a) => a.type);
        return {
            type,
            run: (f) =>
                member.run(
                    notNull(target.run(f)),
                    ordered.map((a) => a.run(f)),
                    typeArgs,
                    argTypes,
                ),
        };
    }

    /** `x => body` / `(x) => { ... }` with known parameter types; runs as a JavaScript function. */
    private lambda(node: SyntaxNode, parameterTypes: CsType[]): Compiled {
        const params = node.childForFieldName("parameters") as SyntaxNode;
        const names =
            params.type === "implicit_parameter" || params.type === "identifier"
                ? [params.text]
                : params.namedChildren
                      .filter((c): c is SyntaxNode => c?.type === "parameter")
                      .map((p) => (p.childForFieldName("name") as SyntaxNode).text);
        if (names.length !== parameterTypes.length)
            this.fail(node, `the lambda takes ${parameterTypes.length} parameter(s)`);
        this.scopes.push(new Map());
        const slots = parameterTypes.map((type, i) => {
            const name = names[i];
            // The lengths were checked equal above.
            if (name === undefined) throw new Error("internal: a lambda parameter type without its name");
            return this.declare(node, name, type);
        });
        const bodyNode = node.childForFieldName("body") as SyntaxNode;
        let result: CsType;
        let body: Eval;
        if (bodyNode.type === "block") {
            const outer = this.returnTypes.splice(0);
            const exec = this.block(bodyNode);
            result = commonType(this.returnTypes);
            this.returnTypes.splice(0, this.returnTypes.length, ...outer);
            body = (f) => (exec(f) === 3 ? f.result : undefined);
        } else {
            const e = this.expr(bodyNode);
            result = e.type;
            body = e.run;
        }
        this.scopes.pop();
        return {
            type: t("Func", ...parameterTypes, result),
            run:
                (f) =>
                (...xs: unknown[]) => {
                    slots.forEach((slot, i) => (f.locals[slot] = xs[i]));
                    return body(f);
                },
        };
    }

    /** `dictionary.TryGetValue(key, out var value)`. */
    private tryGetValue(node: SyntaxNode, target: Compiled, args: Compiled[]): Compiled {
        let dictionary: CsType | undefined;
        for (let c: CsType | undefined = target.type; c; c = baseOf(c))
            if (c.name === "IReadOnlyDictionary") dictionary = c;
        const [key, out] = args;
        if (!dictionary || args.length !== 2 || !key || !out?.out)
            this.fail(node, "TryGetValue(key, out value) needs a dictionary");
        const valueType = typeArg(dictionary, 1);
        const outNode = out.out;
        let slot: number;
        if (outNode.type === "declaration_expression") {
            const typeNode = outNode.childForFieldName("type") as SyntaxNode;
            const declared = typeNode.type === "implicit_type" ? valueType : this.typeOf(typeNode);
            slot = this.declare(outNode, (outNode.childForFieldName("name") as SyntaxNode).text, declared);
        } else {
            const local = this.expr(outNode);
            if (local.slot === undefined) this.fail(outNode, "out needs a local variable");
            slot = local.slot;
        }
        const empty = valueType.name === "bool" ? false : isNumeric(valueType) ? 0 : null;
        return {
            type: types.bool,
            run: (f) => {
                const d = notNull(target.run(f)) as CsDictionary;
                const k = notNull(key.run(f));
                const found = d.has(k);
                f.locals[slot] = found ? d.get(k) : empty;
                return found;
            },
        };
    }

    /** `System.X.Y` as a type reference; a namespace-qualified name of an unknown type is refused. */
    private qualifiedType(node: SyntaxNode): TypeRef | undefined {
        const text = node.text;
        const [root = ""] = text.split(".");
        if (!/^(System|Newtonsoft|Microsoft)(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(text)) return undefined;
        if (this.scopes.some((s) => s.has(root)) || root in this.globals) return undefined;
        const name = text.split(".").pop() as string;
        if (!knownTypeNames.has(name))
            this.fail(node, `Usage of type '${text}' is not supported within expressions`);
        return { typeRef: this.namedType(node, name, []) };
    }

    private orderArgs(
        node: SyntaxNode,
        member: Member,
        evals: Compiled[],
        names?: (string | undefined)[],
    ): Compiled[] {
        if (!names || names.every((n) => n === undefined)) return evals;
        const params = member.params ?? [];
        const ordered: Compiled[] = [];
        evals.forEach((value, i) => {
            const n = names[i];
            const index = n === undefined ? i : params.indexOf(n);
            if (index < 0) this.fail(node, `no parameter named '${n}'`);
            ordered[index] = value;
        });
        return ordered;
    }

    /** `a?.B`, `a?.M(args)`, `a?[i]`: null when `a` is null (at the end of a chain only). */
    private conditionalAccess(
        node: SyntaxNode,
        call?: { values: Compiled[] },
        receiver?: SyntaxNode,
    ): Compiled {
        const condition = node.childForFieldName("condition") as SyntaxNode;
        // tree-sitter-c-sharp 0.23 parses `a + b?.C` as `(a + b)?.C`; in C#, ?. binds tighter.
        if (!receiver && condition.type === "binary_expression") {
            const right = condition.childForFieldName("right") as SyntaxNode;
            return this.binary(condition, this.conditionalAccess(node, call, right));
        }
        const target = this.expr(receiver ?? condition);
        const binding = node.namedChildren.find(
            (c) => c?.type === "member_binding_expression" || c?.type === "element_binding_expression",
        ) as SyntaxNode | undefined;
        if (!binding) return this.unsupported(node, "this ?. form");
        if (call?.values.some((v) => v.lambda || v.out))
            this.unsupported(node, "lambda or out arguments after ?.");
        let name = "[]";
        let values = call?.values ?? [];
        let typeArgs: CsType[] = [];
        if (binding.type === "member_binding_expression") {
            const nameNode = binding.childForFieldName("name") as SyntaxNode;
            name =
                nameNode.type === "generic_name"
                    ? (nameNode.namedChildren[0] as SyntaxNode).text
                    : nameNode.text;
            if (nameNode.type === "generic_name") {
                const list = nameNode.namedChildren.find((c) => c?.type === "type_argument_list");
                typeArgs = (list?.namedChildren ?? [])
                    .filter((c): c is SyntaxNode => !!c)
                    .map((c) => this.typeOf(c));
            }
        } else {
            values = binding.namedChildren
                .filter((c): c is SyntaxNode => c?.type === "argument")
                .map((a) => this.expr(a.namedChildren[a.namedChildren.length - 1] as SyntaxNode));
        }
        const argTypes = values.map((v) => v.type);
        const { member, type } = this.instanceMember(node, target.type, name, argTypes, typeArgs);
        if (name !== "[]" && (member.kind === "method") !== (call !== undefined))
            this.fail(node, `${name} is not ${call ? "a method" : "a property"}`);
        return {
            type,
            run: (f) => {
                const receiver = target.run(f);
                if (receiver === null || receiver === undefined) return null;
                return member.run(
                    receiver,
                    values.map((v) => v.run(f)),
                    typeArgs,
                    argTypes,
                );
            },
        };
    }

    private invocation(node: SyntaxNode): Compiled {
        const fn = node.childForFieldName("function") as SyntaxNode;
        const { values, names } = this.args(node.childForFieldName("arguments"));
        if (fn.type === "conditional_access_expression") return this.conditionalAccess(fn, { values });
        if (fn.type !== "member_access_expression")
            this.unsupported(fn, "calling a local function or delegate");
        return this.memberAccess(
            fn,
            values.map((v) => v.type),
            values,
            names,
        ) as Compiled;
    }

    private elementAccess(node: SyntaxNode): Compiled {
        if (node.childForFieldName("expression")?.type === "conditional_access_expression")
            this.unsupported(node, "a ?. chain continued by an indexer");
        const target = this.expr(node.childForFieldName("expression") as SyntaxNode);
        const subscript = node.childForFieldName("subscript") as SyntaxNode;
        const { values } = this.args(subscript);
        const { member, type } = this.instanceMember(
            node,
            target.type,
            "[]",
            values.map((v) => v.type),
            [],
        );
        const argTypes = values.map((v) => v.type);
        const [subscriptValue] = values;
        // Every indexer the member table defines resolves for exactly one argument.
        if (values.length !== 1 || !subscriptValue) this.fail(node, "an indexer takes exactly one argument");
        return {
            type,
            run: (f) =>
                member.run(
                    notNull(target.run(f)),
                    values.map((v) => v.run(f)),
                    [],
                    argTypes,
                ),
            store: (f, value) => {
                const container = notNull(target.run(f));
                const key = subscriptValue.run(f);
                if (Array.isArray(container)) {
                    const i = key as number;
                    if (!Number.isInteger(i) || i < 0 || i >= container.length)
                        throw new CsException("ArgumentOutOfRangeException", "Index was out of range.");
                    container[i] = value;
                } else if (container instanceof CsDictionary) container.set(notNull(key), value);
                else throw new CsException("InvalidOperationException", "this indexer is read-only");
            },
        };
    }

    private creation(node: SyntaxNode): Compiled {
        const type = this.typeOf(node.childForFieldName("type") as SyntaxNode);
        if (node.childForFieldName("initializer"))
            this.unsupported(node, "an object or collection initializer");
        const { values } = this.args(node.childForFieldName("arguments"));
        const argTypes = values.map((v) => v.type);
        const candidates = constructorsOf(type.name);
        for (const member of candidates ?? []) {
            const result = member.resolve(type, argTypes, []);
            if (result) {
                if (!memberAllowed(member.owner, ".ctor"))
                    this.fail(
                        node,
                        `Usage of member '.ctor' of type '${fullNames[type.name]}' is not supported within expressions`,
                    );
                return {
                    type: result,
                    run: (f) =>
                        member.run(
                            null,
                            values.map((v) => v.run(f)),
                            [],
                            argTypes,
                        ),
                };
            }
        }
        return this.fail(
            node,
            `new ${typeText(type)}(${argTypes.map(typeText).join(", ")}) is not supported by the local gateway`,
        );
    }

    private arrayCreation(node: SyntaxNode): Compiled {
        const arrayType = node.childForFieldName("type") as SyntaxNode;
        const element = this.typeOf(arrayType.childForFieldName("type") as SyntaxNode);
        const rank = arrayType.childForFieldName("rank");
        const sizeNode = rank?.namedChildren[0];
        const init = node.namedChildren.find((c) => c?.type === "initializer_expression");
        if (init) {
            const items = init.namedChildren.filter((c): c is SyntaxNode => !!c).map((c) => this.expr(c));
            for (const i of items)
                if (!assignable(i.type, element))
                    this.fail(init, `cannot convert ${typeText(i.type)} to ${typeText(element)}`);
            return { type: arrayOf(element), run: (f) => items.map((i) => i.run(f)) };
        }
        if (!sizeNode) this.fail(node, "an array creation needs a size or an initializer");
        const size = this.expr(sizeNode);
        const empty = element.name === "bool" ? false : isNumeric(element) ? 0 : null;
        return { type: arrayOf(element), run: (f) => new Array<unknown>(asNumber(size.run(f))).fill(empty) };
    }

    private assignment(node: SyntaxNode): Compiled {
        const left = this.expr(node.childForFieldName("left") as SyntaxNode);
        const operator = (node.childForFieldName("operator") ?? node.children[1])?.text;
        const right = this.expr(node.childForFieldName("right") as SyntaxNode);
        if (left.store && operator === "=") {
            const store = left.store;
            if (!assignable(right.type, left.type))
                this.fail(node, `cannot convert ${typeText(right.type)} to ${typeText(left.type)}`);
            if (/^context\b/.test((node.childForFieldName("left") as SyntaxNode).text))
                this.fail(node, "only local variables can be assigned (the context is read-only)");
            return {
                type: left.type,
                run: (f) => {
                    const value = convert(right.run(f), right.type, left.type);
                    store(f, value);
                    return value;
                },
            };
        }
        if (left.slot === undefined)
            this.fail(node, "only local variables can be assigned (the context is read-only)");
        const slot = left.slot;
        if (operator === "=") {
            if (!assignable(right.type, left.type))
                this.fail(node, `cannot convert ${typeText(right.type)} to ${typeText(left.type)}`);
            return {
                type: left.type,
                run: (f) => (f.locals[slot] = convert(right.run(f), right.type, left.type)),
            };
        }
        if (operator === "+=" || operator === "-=") {
            const plus = operator === "+=";
            const concat = left.type.name === "string";
            return {
                type: left.type,
                run: (f) => {
                    const a = f.locals[slot];
                    const b = right.run(f);
                    return (f.locals[slot] = concat
                        ? stringOf(a) + stringOf(b)
                        : arithmetic(plus ? "+" : "-", a, b, left.type));
                },
            };
        }
        return this.unsupported(node, `the assignment operator ${operator}`);
    }

    private increment(node: SyntaxNode, operand: SyntaxNode, delta: number, prefix: boolean): Compiled {
        const target = this.expr(operand);
        if (target.slot === undefined || !isNumeric(target.type))
            this.fail(node, "++/-- needs a numeric local");
        const slot = target.slot;
        return {
            type: target.type,
            run: (f) => {
                const before = f.locals[slot] as number;
                f.locals[slot] = before + delta;
                return prefix ? before + delta : before;
            },
        };
    }

    private prefix(node: SyntaxNode): Compiled {
        const operator = node.children[0]?.text;
        const operandNode = node.namedChildren[0] as SyntaxNode;
        if (operator === "++" || operator === "--")
            return this.increment(node, operandNode, operator === "++" ? 1 : -1, true);
        const operand = this.expr(operandNode);
        if (operator === "!") {
            if (operand.type.name !== "bool") this.fail(node, "! needs a bool");
            return { type: types.bool, run: (f) => !operand.run(f) };
        }
        if (operator === "-" && isNumeric(operand.type))
            return { type: operand.type, run: (f) => -(operand.run(f) as number) };
        return this.unsupported(node, `the unary operator ${operator}`);
    }

    private binary(node: SyntaxNode, rightOperand?: Compiled): Compiled {
        const operator = (node.childForFieldName("operator") as SyntaxNode).text;
        const a = this.expr(node.childForFieldName("left") as SyntaxNode);
        const b = rightOperand ?? this.expr(node.childForFieldName("right") as SyntaxNode);
        switch (operator) {
            case "&&":
            case "||": {
                if (a.type.name !== "bool" || b.type.name !== "bool")
                    this.fail(node, `${operator} needs bool operands`);
                return operator === "&&"
                    ? { type: types.bool, run: (f) => a.run(f) && b.run(f) }
                    : { type: types.bool, run: (f) => a.run(f) || b.run(f) };
            }
            case "==":
            case "!=": {
                if (!comparable(a.type, b.type))
                    this.fail(
                        node,
                        `operator ${operator} cannot compare ${typeText(a.type)} with ${typeText(b.type)}`,
                    );
                const negate = operator === "!=";
                return { type: types.bool, run: (f) => csEquals(a.run(f), b.run(f)) !== negate };
            }
            case "??": {
                const type = commonType([a.type, b.type]);
                return { type, run: (f) => a.run(f) ?? b.run(f) };
            }
            case "+":
            case "-":
            case "*":
            case "/":
            case "%": {
                if (operator === "+" && (a.type.name === "string" || b.type.name === "string"))
                    return { type: types.string, run: (f) => stringOf(a.run(f)) + stringOf(b.run(f)) };
                if (!isNumeric(a.type) || !isNumeric(b.type))
                    this.fail(
                        node,
                        `operator ${operator} needs numbers, not ${typeText(a.type)} and ${typeText(b.type)}`,
                    );
                const type =
                    a.type.name === "double" || b.type.name === "double"
                        ? types.double
                        : a.type.name === "long" || b.type.name === "long"
                          ? types.long
                          : types.int;
                return { type, run: (f) => arithmetic(operator, a.run(f), b.run(f), type) };
            }
            case "<":
            case ">":
            case "<=":
            case ">=": {
                if (!isNumeric(a.type) || !isNumeric(b.type))
                    this.fail(node, `operator ${operator} needs numbers`);
                const cmp = {
                    "<": (x: number, y: number) => x < y,
                    ">": (x: number, y: number) => x > y,
                    "<=": (x: number, y: number) => x <= y,
                    ">=": (x: number, y: number) => x >= y,
                }[operator];
                return { type: types.bool, run: (f) => cmp(a.run(f) as number, b.run(f) as number) };
            }
            default:
                return this.unsupported(node, `the operator ${operator}`);
        }
    }
}

function elementType(type: CsType): CsType | undefined {
    for (let c: CsType | undefined = type; c; c = baseOf(c)) {
        if (c.name === "IEnumerable") return c.args[0];
    }
    return undefined;
}

function commonType(list: readonly CsType[]): CsType {
    const nonNull = list.filter((x) => x.name !== "null");
    if (nonNull.length === 0) return types.object;
    for (const candidate of nonNull) if (nonNull.every((x) => assignable(x, candidate))) return candidate;
    return types.object;
}

function comparable(a: CsType, b: CsType): boolean {
    if (a.name === "null" || b.name === "null") return true;
    if (isNumeric(a) && isNumeric(b)) return true;
    return (
        assignable(a, b) ||
        assignable(b, a) ||
        (a.name === "JToken" && b.name === "string") ||
        (a.name === "string" && b.name === "JToken")
    );
}

/** `==`: value equality for strings, numbers, bools, enums and Guid; reference equality otherwise. */
function csEquals(x: unknown, y: unknown): boolean {
    if (x === undefined) x = null;
    if (y === undefined) y = null;
    if (x instanceof CsGuid && y instanceof CsGuid) return x.text === y.text;
    return x === y;
}

function stringOf(value: unknown): string {
    return value instanceof JToken ? value.toString() : csToString(value);
}

function arithmetic(operator: string, x: unknown, y: unknown, type: CsType): number {
    const a = x as number;
    const b = y as number;
    const integral = type.name !== "double";
    switch (operator) {
        case "+":
            return integral ? Math.trunc(a + b) : a + b;
        case "-":
            return a - b;
        case "*":
            return a * b;
        case "/":
            if (integral) {
                if (b === 0) throw new CsException("DivideByZeroException", "Attempted to divide by zero.");
                return Math.trunc(a / b);
            }
            return a / b;
        default:
            if (integral && b === 0)
                throw new CsException("DivideByZeroException", "Attempted to divide by zero.");
            return a % b;
    }
}

function convert(value: unknown, from: CsType, to: CsType): unknown {
    if (
        (to.name === "JToken" || to.name === "JValue") &&
        from.name !== to.name &&
        !(value instanceof JToken) &&
        value !== null
    )
        return explicitCast(value, from, to);
    return value;
}

/** `(T)value`, including Json.NET's explicit conversions from JToken. */
function explicitCast(value: unknown, from: CsType, to: CsType): unknown {
    if (value instanceof JToken && !(to.name.startsWith("J") || to.name === "object")) {
        if (to.name === "string") return tokenToString(value);
        const text = tokenToString(value);
        if (text === null) return castTo(null, to);
        if (to.name === "bool") return text === "True";
        if (isNumeric(to)) return castTo(Number(text), to);
    }
    if (to.name === "string" && value !== null && typeof value !== "string" && from.name !== "object")
        throw new CsException("InvalidCastException", `Cannot convert ${typeText(from)} to string.`);
    if (typeof value === "string" && (to.name === "JToken" || to.name === "JValue"))
        return new JValue("String", value);
    if (value instanceof CsEnum && isNumeric(to)) return 0;
    return castTo(value, to);
}

function decodeStringLiteral(node: SyntaxNode): string {
    return decodeEscapes(node.text.slice(1, -1));
}

function decodeEscapes(text: string): string {
    return text.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{1,4}|.)/g, (_m, e: string) => {
        if (e[0] === "u" || e[0] === "x") return String.fromCharCode(parseInt(e.slice(1), 16));
        return (
            (
                {
                    n: "\n",
                    r: "\r",
                    t: "\t",
                    "0": "\0",
                    "\\": "\\",
                    '"': '"',
                    "'": "'",
                    a: "\x07",
                    b: "\b",
                    f: "\f",
                    v: "\v",
                } as Record<string, string>
            )[e] ?? e
        );
    });
}
