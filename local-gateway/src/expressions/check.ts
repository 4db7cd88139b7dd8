/**
 * Checks every policy expression in a document the way APIM's save-time compiler would reject it:
 * C# syntax errors and types or members outside APIM's allow-list. Constructs the local gateway
 * cannot run but APIM accepts are not reported here (the local gateway refuses them when it loads).
 * Used by the policy pack and by tests.
 */
import { registerContextTypes, contextType } from "../context";
import { balancedExpressionEnd, parseXml, type XmlElement, type XmlValue } from "../xml";
import { ExpressionCompileError, ExpressionCompiler } from "./compiler";
import { csharpParser, parseExpressionBody } from "./parser";

export interface ExpressionProblem {
    readonly line: number;
    readonly message: string;
}

const allowListViolation = /is not supported within expressions/;

export async function checkPolicyExpressions(name: string, xml: string): Promise<ExpressionProblem[]> {
    registerContextTypes();
    const parser = await csharpParser();
    const problems: ExpressionProblem[] = [];
    const values: XmlValue[] = [];
    const collect = (element: XmlElement) => {
        values.push(...element.attributes.values());
        if (element.text) values.push(element.text);
        element.children.forEach(collect);
    };
    collect(parseXml(name, xml));
    for (const value of values) {
        // Named values are substituted before compilation; any text stands in for them here.
        const trimmed = value.text.replace(/\{\{[^{}]*\}\}/g, "namedvalue").trim();
        if (!/^@[({]/.test(trimmed) || balancedExpressionEnd(trimmed, 0) !== trimmed.length) continue;
        const { body, error } = parseExpressionBody(parser, trimmed.slice(2, -1), trimmed[1] as "(" | "{");
        if (error) {
            problems.push({
                line: value.line,
                message: `C# syntax error at \`${error.text.slice(0, 40) || error.type}\``,
            });
            continue;
        }
        try {
            new ExpressionCompiler({ context: contextType }).compile(body);
        } catch (e) {
            if (e instanceof ExpressionCompileError && allowListViolation.test(e.message))
                problems.push({ line: value.line, message: e.message });
            else if (!(e instanceof ExpressionCompileError)) throw e;
        }
    }
    return problems;
}
