/**
 * A real C# parser for policy expressions: tree-sitter's C# grammar, loaded from the `.wasm` file
 * the `tree-sitter-c-sharp` package ships, run by `web-tree-sitter` (no native build, no download).
 * An expression is parsed as the body of a method, the way APIM compiles it.
 */
import { Language, Parser, type Node } from "web-tree-sitter";

export type SyntaxNode = Node;

let ready: Promise<Parser> | undefined;

/** The parser, initialized once per process. */
export function csharpParser(): Promise<Parser> {
    ready ??= (async () => {
        await Parser.init();
        const language = await Language.load(require.resolve("tree-sitter-c-sharp/tree-sitter-c_sharp.wasm"));
        const parser = new Parser();
        parser.setLanguage(language);
        return parser;
    })();
    return ready;
}

/** Lines the wrapper adds before the expression's own text. */
export const wrapperLines = 1;

/**
 * Parses `@(expr)` (kind "(") or `@{ ... }` (kind "{") and returns the method body block. Syntax
 * errors come back as the first ERROR/MISSING node.
 */
export function parseExpressionBody(
    parser: Parser,
    code: string,
    kind: "(" | "{",
): { body: SyntaxNode; error: SyntaxNode | undefined } {
    const source =
        kind === "("
            ? `class __Policy { object __Expression() {\nreturn (${code}\n); } }`
            : `class __Policy { object __Expression() \n{${code}\n} }`;
    const tree = parser.parse(source);
    if (!tree) throw new Error("the C# parser returned no tree");
    const method = tree.rootNode.descendantsOfType("method_declaration")[0];
    const body = method?.childForFieldName("body");
    if (!body) throw new Error("the C# parser found no method body");
    // Walk the whole (small) tree: a MISSING token does not always mark its ancestors as erroneous.
    return { body, error: firstError(tree.rootNode) };
}

function firstError(node: SyntaxNode): SyntaxNode | undefined {
    // A zero-width named node is a token the parser had to invent (e.g. a missing operand).
    if (node.isError || node.isMissing || (node.isNamed && node.startIndex === node.endIndex)) return node;
    for (const child of node.children) {
        if (!child) continue;
        const found = firstError(child);
        if (found) return found;
    }
    return undefined;
}
