import assert from "node:assert/strict";
import { defineTool, type ToolContext } from "./tool";
import { appRoles } from "../roles";
import type { SnippetStore } from "../storage/snippet-store";

const unusedStore: SnippetStore = {
    save: () => Promise.reject(new Error("not used")),
    get: () => Promise.reject(new Error("not used")),
    list: () => Promise.reject(new Error("not used")),
    ping: () => Promise.reject(new Error("not used")),
};
const context: ToolContext = {
    snippets: unusedStore,
    caller: { id: "agent", roles: [] },
    now: () => new Date(0),
};

/** A tool with one argument of each kind; its handler reports what it was given, typed. */
function echoTool(seen: unknown[]) {
    return defineTool({
        name: "echo",
        title: "Echo",
        description: "Echoes its arguments.",
        arguments: [
            { name: "label", type: "string", description: "text", required: true, maxBytes: 8 },
            { name: "count", type: "integer", description: "n", required: false, minimum: 1, maximum: 3 },
            { name: "loud", type: "boolean", description: "b", required: false },
            { name: "payload", type: "object", description: "o", required: true },
        ],
        role: appRoles.toolsInvoke,
        readOnly: true,
        handler: (args) => {
            // Typed by the specs: no casts. The lines under @ts-expect-error fail to compile without it.
            const label: string = args.label;
            const count: number | undefined = args.count;
            const loud: boolean | undefined = args.loud;
            const payload: Readonly<Record<string, unknown>> = args.payload;
            // @ts-expect-error an optional argument may be absent
            const mustHaveCount: number = args.count;
            // @ts-expect-error a name not among the specs does not exist
            void args.lable;
            void mustHaveCount;
            seen.push({ label, count, loud, payload });
            return { text: `${loud ? label.toUpperCase() : label} x${count ?? 1}` };
        },
    });
}

describe("defineTool (a tool's specs type its handler's arguments)", () => {
    it("runs the handler with the validated arguments, optional ones absent when not sent", async () => {
        const seen: unknown[] = [];
        const tool = echoTool(seen);
        assert.deepEqual(await tool.invoke({ label: "hi", loud: true, payload: { a: 1 } }, context), {
            ok: true,
            output: { text: "HI x1" },
        });
        assert.deepEqual(seen, [{ label: "hi", count: undefined, loud: true, payload: { a: 1 } }]);
    });

    it("never runs the handler on arguments that break the specs, and names every problem", async () => {
        const seen: unknown[] = [];
        const tool = echoTool(seen);
        const invocation = await tool.invoke(
            { label: "far too long", count: 7, payload: [], extra: 1 },
            context,
        );
        assert.deepEqual(invocation, {
            ok: false,
            errors: [
                "extra: unknown argument (expected label, count, loud, payload)",
                "label: must be at most 8 bytes (UTF-8), got 12",
                "count: must be at most 3",
                "payload: must be an object, got an array",
            ],
        });
        assert.deepEqual(await tool.invoke("not an object", context), {
            ok: false,
            errors: ["arguments: must be an object"],
        });
        assert.deepEqual(seen, []);
    });

    it("publishes what the module wrote and nothing of the handler", () => {
        const tool = echoTool([]);
        assert.deepEqual(Object.keys(tool).sort(), [
            "arguments",
            "description",
            "invoke",
            "name",
            "readOnly",
            "role",
            "title",
        ]);
        assert.equal(tool.name, "echo");
        assert.equal(tool.role, appRoles.toolsInvoke);
    });
});
