import { appRoles } from "../roles";
import { defineTool } from "./tool";

/** Connectivity check; its name and greeting never change, so existing agents see the same answer. */
export const helloMcp = defineTool({
    name: "hello_mcp",
    title: "Hello",
    description: "Hello world. Answers with a greeting; use it to check that the MCP connection works.",
    arguments: [],
    role: appRoles.toolsInvoke,
    readOnly: true,
    handler: () => ({ text: "Hello I am MCPTool!" }),
});
