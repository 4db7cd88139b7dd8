/**
 * Test program for the synthesis worker: the Entra side of people's sign-in in each mode, under the
 * same mocks as the whole stack.
 */
import { vsCodeClientId, type McpClientAuthMode } from "../../../components/config/client-auth";
import { ClientSignIn } from "../../../components/identity/client-sign-in";

export = (): Promise<Record<string, unknown>> => {
    const modes: McpClientAuthMode[] = ["off", "direct", "frontDoor"];
    for (const mode of modes) {
        const signIn = new ClientSignIn(`sign-in-${mode.toLowerCase()}`, {
            baseName: `acp-${mode.toLowerCase()}`,
            owners: ["aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"],
            tags: { environment: "test" },
            clientAuth: { mode, preAuthorizedClientIds: mode === "direct" ? [vsCodeClientId] : [] },
            mcpApplicationId: "/applications/4682d1c3-2d4c-4b47-aec8-05d40471238d",
            mcpAppClientId: "0b910234-e7a6-4154-ba5e-eea992f57ac3",
            mcpScopeId: "8eee1d54-cd00-41aa-8d90-39203627caf2",
            gatewayUrl: "https://acp-test.azure-api.net",
        });
        signIn.trustBackendWorkload({
            credentialName: "tool-backend-managed-identity",
            description: "The tool backend's managed identity, which runs the front door.",
            issuer: "https://login.microsoftonline.com/11111111-2222-4333-8444-555555555555/v2.0",
            subject: "2f0bb067-dda4-4465-8c5f-a29762ba1d2f",
        });
    }
    return Promise.resolve({});
};
