import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { tools } from "./tools";

const readme = path.resolve(__dirname, "..", "..", "..", "README.md");

/** The rows of the README's tool table: `| `name` | arguments | `Role` | notes |`. */
function documentedTools(): { name: string; args: string; role: string }[] {
    const text = readFileSync(readme, "utf8");
    const table = text.slice(text.indexOf("| tool | arguments | role | notes |"));
    const rows: { name: string; args: string; role: string }[] = [];
    for (const line of table.split("\n").slice(2)) {
        if (!line.startsWith("|")) break;
        const [name, args, role] = line
            .split("|")
            .slice(1, 4)
            .map((cell) => cell.trim());
        assert.ok(name !== undefined && args !== undefined && role !== undefined, `short table row: ${line}`);
        rows.push({ name, args, role });
    }
    return rows;
}

/** How the table writes a tool's arguments: none, or each name (`?` when optional, `(object)` for objects). */
function argumentsCell(tool: (typeof tools)[number]): string {
    if (tool.arguments.length === 0) return "none";
    return tool.arguments
        .map((a) => `\`${a.name}${a.required ? "" : "?"}\`${a.type === "object" ? " (object)" : ""}`)
        .join(", ");
}

describe("README tool table", () => {
    it("lists every catalog tool, in catalog order, with its arguments and role", () => {
        assert.deepEqual(
            documentedTools(),
            tools.map((t) => ({ name: `\`${t.name}\``, args: argumentsCell(t), role: `\`${t.role}\`` })),
        );
    });
});
