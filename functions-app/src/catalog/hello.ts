import { toolNames, toolRoles } from "../contract";
import type { ToolDefinition } from "./tool";

/** Connectivity check; its name and greeting never change, so existing agents see the same answer. */
export const helloMcp: ToolDefinition = {
    name: toolNames.hello,
    title: "Hello",
    description: "Hello world. Answers with a greeting; use it to check that the MCP connection works.",
    arguments: [],
    role: toolRoles.hello_mcp,
    readOnly: true,
    handler: async () => ({ text: "Hello I am MCPTool!" }),
};
