/**
 * The agent connection kit: a platform's workload token, exchanged at Entra without a secret for
 * the MCP API, cached, and used by the official MCP client against the gateway.
 *
 *   const credential = new AgentCredential({ source: gcpTokenSource(), clientId, tenantId, scope });
 *   const client = await connectMcp({ url: mcpEndpoint, credential });
 *   await client.callTool({ name: "hello_mcp", arguments: {} });
 */
export { AgentCredential, resourceAudiences, type AgentCredentialOptions } from "./credential";
export {
    ConnectKitError,
    ExchangeRefusedError,
    McpAuthorizationError,
    PlatformTokenUnavailableError,
    TokenCheckFailedError,
} from "./errors";
export { exchangeAtEntra, clientAssertionType } from "./exchange";
export { authorizedFetch, connectMcp, unwrapAuthorization, type ConnectOptions } from "./mcp";
export { tokenExchangeAudience, type PlatformTokenSource } from "./source";
export { awsTokenSource, type AwsTokenSourceOptions } from "./sources/aws";
export { awsCognitoTokenSource, type AwsCognitoTokenSourceOptions } from "./sources/aws-cognito";
export {
    certificateAssertionSource,
    entraTokenEndpoint,
    type CertificateAssertionOptions,
} from "./sources/certificate";
export { gcpTokenSource, type GcpTokenSourceOptions } from "./sources/gcp";
export { githubActionsTokenSource, type GithubActionsTokenSourceOptions } from "./sources/github-actions";
export {
    managedIdentityTokenSource,
    type ManagedIdentityTokenSourceOptions,
} from "./sources/managed-identity";
export { tokenFileSource, type TokenFileSourceOptions } from "./sources/token-file";
export { checkToken, describeToken } from "./token-checks";
