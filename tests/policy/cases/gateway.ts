import { PolicyCase, withPolicyXml } from "../harness";
import { compliantStack, plus, resource, withChange } from "../fixtures";

const validation = /<validate-azure-ad-token[\s\S]*?<\/validate-azure-ad-token>\s*/;
const rateLimit = /<rate-limit-by-key [^>]*\/>\s*/;
const mcpPolicy = "gateway-mcp-policy";
const appIdKey =
    'counter-key="@(((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("azp", "unknown"))"';

const mcp = (edit: (xml: string) => string) => withPolicyXml(compliantStack(), mcpPolicy, edit);

export const gatewayCases: PolicyCase[] = [
    {
        policy: "apim-policy-well-formed",
        title: "the rendered rawxml and xml policies",
        resources: compliantStack,
    },
    {
        policy: "apim-policy-well-formed",
        title: "an unclosed element",
        resources: () => mcp((x) => x.replace("<base />\n    </outbound>", "<base>\n    </outbound>")),
        message: /Fix the policy document: the policy is not well-formed XML: .*line/,
    },
    {
        policy: "apim-policy-well-formed",
        title: "a policy kept at a URL",
        resources: () => withChange(compliantStack(), mcpPolicy, (i) => (i.format = "rawxml-link")),
        message: /format "rawxml-link" keeps the policy outside the program/,
    },
    {
        policy: "apim-policy-well-formed",
        title: "unescaped expressions declared as xml",
        resources: () => withChange(compliantStack(), mcpPolicy, (i) => (i.format = "xml")),
        message: /not well-formed XML/,
    },

    {
        policy: "apim-policy-expressions-allowed",
        title: "the rendered policies' expressions",
        resources: compliantStack,
    },
    {
        policy: "apim-policy-expressions-allowed",
        title: "a type outside APIM's allow-list",
        resources: () =>
            mcp((x) => x.replace(appIdKey, 'counter-key="@(System.IO.File.ReadAllText("/etc/hostname"))"')),
        message:
            /Fix the policy expression on line \d+: Usage of type 'System.IO.File' is not supported within expressions/,
    },
    {
        policy: "apim-policy-expressions-allowed",
        title: "a member outside APIM's allow-list",
        resources: () =>
            mcp((x) => x.replace(appIdKey, 'counter-key="@(Regex.Escape(context.Request.IpAddress))"')),
        message:
            /Usage of member 'Escape' of type 'System.Text.RegularExpressions.Regex' is not supported within expressions/,
    },
    {
        policy: "apim-policy-expressions-allowed",
        title: "an expression that is not C#",
        resources: () => mcp((x) => x.replace(appIdKey, 'counter-key="@(context.Request.IpAddress +)"')),
        message: /C# syntax error/,
    },

    {
        policy: "apim-rate-limit-keyed-on-app-id",
        title: "keys on the azp and appid claims",
        resources: compliantStack,
    },
    {
        policy: "apim-rate-limit-keyed-on-app-id",
        title: "a key on the raw Authorization header",
        resources: () =>
            mcp((x) =>
                x.replace(
                    appIdKey,
                    'counter-key="@(context.Request.Headers.GetValueOrDefault("Authorization",""))"',
                ),
            ),
        message: /keyed on the raw Authorization header, which changes with every token refresh/,
    },
    {
        policy: "apim-rate-limit-keyed-on-app-id",
        title: "a key on the client IP address",
        resources: () => mcp((x) => x.replace(appIdKey, 'counter-key="@(context.Request.IpAddress)"')),
        message: /counter-key "@\(context.Request.IpAddress\)" does not identify the calling application/,
    },

    {
        policy: "apim-rate-limit-keyed-on-app-id",
        title: "a key read from a variable that holds the azp claim",
        resources: () =>
            mcp((x) =>
                x
                    .replace(appIdKey, 'counter-key="@("mcp:" + (string)context.Variables["callerAppId"])"')
                    .replace(
                        "<rate-limit-by-key",
                        '<set-variable name="callerAppId" value="@{ var jwt = (Jwt)context.Variables["jwt"]; return jwt.Claims.GetValueOrDefault("azp", "unknown"); }" />\n<rate-limit-by-key',
                    ),
            ),
    },
    {
        policy: "apim-rate-limit-keyed-on-app-id",
        title: "a key read from a variable that holds the raw token",
        resources: () =>
            mcp((x) =>
                x
                    .replace(appIdKey, 'counter-key="@((string)context.Variables["caller"])"')
                    .replace(
                        "<rate-limit-by-key",
                        '<set-variable name="caller" value="@(context.Request.Headers.GetValueOrDefault("Authorization", ""))" />\n<rate-limit-by-key',
                    ),
            ),
        message: /keyed on the raw Authorization header/,
    },
    {
        policy: "apim-no-caller-token-forwarding",
        title: "the bearer token passed on through a variable",
        resources: () =>
            mcp((x) =>
                x.replace(
                    "<set-backend-service",
                    '<set-variable name="token" value="@(context.Request.Headers.GetValueOrDefault("Authorization"))" />\n<set-query-parameter name="access_token" exists-action="override"><value>@((string)context.Variables["token"])</value></set-query-parameter>\n<set-backend-service',
                ),
            ),
        message: /<set-query-parameter> copies the caller's Authorization header into access_token/,
    },
    {
        policy: "apim-no-caller-token-forwarding",
        title: "a claim copied into a header",
        resources: compliantStack,
    },
    {
        policy: "apim-no-caller-token-forwarding",
        title: "the bearer token copied into another header",
        resources: () =>
            mcp((x) =>
                x.replace(
                    "<set-backend-service",
                    '<set-header name="X-Forwarded-Token" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("Authorization"))</value></set-header>\n<set-backend-service',
                ),
            ),
        message: /copies the caller's Authorization header into X-Forwarded-Token/,
    },
    {
        policy: "apim-no-caller-token-forwarding",
        title: "an Authorization header kept with exists-action skip",
        resources: () =>
            withPolicyXml(compliantStack(), "gateway-sentinel-policy", (x) =>
                x.replace(
                    '<set-header name="Authorization" exists-action="delete" />',
                    '<set-header name="Authorization" exists-action="skip"><value>Bearer {{backend-token}}</value></set-header>',
                ),
            ),
        message: /exists-action="skip"> keeps the caller's token/,
    },

    {
        policy: "apim-no-inline-secrets",
        title: "a function key taken from a secret named value",
        resources: () =>
            mcp((x) =>
                x.replace(
                    "<authentication-managed-identity",
                    '<set-header name="x-functions-key" exists-action="override"><value>{{mcp-extension-key}}</value></set-header>\n<authentication-managed-identity',
                ),
            ),
    },
    {
        policy: "apim-no-inline-secrets",
        title: "a literal function key",
        resources: () =>
            mcp((x) =>
                x.replace(
                    "<authentication-managed-identity",
                    '<set-header name="x-functions-key" exists-action="override"><value>q1w2e3r4t5y6u7i8o9p0aSdFgHjKlZxCvBnM==</value></set-header>\n<authentication-managed-identity',
                ),
            ),
        message: /<set-header name="x-functions-key"> carries a literal credential/,
    },

    { policy: "apim-named-value-secrets", title: "plain ids and audiences", resources: compliantStack },
    {
        policy: "apim-named-value-secrets",
        title: "a host key stored as a secret",
        resources: () =>
            plus(
                compliantStack(),
                resource("azure-native:apimanagement:NamedValue", "gateway-nv-key", {
                    serviceName: "apim-agents-dev",
                    displayName: "mcp-extension-key",
                    value: "q1w2e3r4t5y6u7i8o9p0",
                    secret: true,
                }),
            ),
    },
    {
        policy: "apim-named-value-secrets",
        title: "a host key stored in plain text",
        resources: () =>
            plus(
                compliantStack(),
                resource("azure-native:apimanagement:NamedValue", "gateway-nv-key", {
                    serviceName: "apim-agents-dev",
                    displayName: "mcp-extension-key",
                    value: "q1w2e3r4t5y6u7i8o9p0",
                    secret: false,
                }),
            ),
        message: /Named value "mcp-extension-key" looks like a credential; set secret: true/,
    },
    {
        policy: "apim-named-value-secrets",
        title: "a storage connection string in plain text under a harmless name",
        resources: () =>
            plus(
                compliantStack(),
                resource("azure-native:apimanagement:NamedValue", "gateway-nv-storage", {
                    serviceName: "apim-agents-dev",
                    displayName: "snippets-store",
                    value: "DefaultEndpointsProtocol=https;AccountName=st;AccountKey=abc==;EndpointSuffix=core.windows.net",
                }),
            ),
        message: /Named value "snippets-store" looks like a credential/,
    },

    { policy: "apim-https-only", title: "HTTPS APIs and backend", resources: compliantStack },
    {
        policy: "apim-https-only",
        title: "a backend on the cluster's internal load balancer",
        resources: () =>
            withChange(compliantStack(), "gateway-backend", (i) => (i.url = "http://10.20.1.10")),
    },
    {
        policy: "apim-https-only",
        title: "an API that also accepts HTTP",
        resources: () =>
            withChange(compliantStack(), "gateway-mcp-api", (i) => (i.protocols = ["http", "https"])),
        message: /Set protocols: \["https"\] on API "mcp"/,
    },
    {
        policy: "apim-https-only",
        title: "a backend reached over plain HTTP on the internet",
        resources: () =>
            withChange(
                compliantStack(),
                "gateway-backend",
                (i) => (i.url = "http://func-agents-dev.azurewebsites.net"),
            ),
        message: /Backend url http:\/\/func-agents-dev.azurewebsites.net is not HTTPS/,
    },

    { policy: "apim-sku-allowed", title: "BasicV2 in dev", resources: compliantStack },
    {
        policy: "apim-sku-allowed",
        title: "Consumption when a team allows it in dev",
        resources: () =>
            withChange(
                compliantStack(),
                "gateway-apim",
                (i) => (i.sku = { name: "Consumption", capacity: 0 }),
            ),
        config: { "apim-sku-allowed": { allowedSkus: { dev: ["Consumption"] } } },
    },
    {
        policy: "apim-sku-allowed",
        title: "Consumption in dev",
        resources: () =>
            withChange(
                compliantStack(),
                "gateway-apim",
                (i) => (i.sku = { name: "Consumption", capacity: 0 }),
            ),
        message:
            /APIM SKU Consumption is not allowed in environment "dev"; use one of Developer, BasicV2, StandardV2/,
    },
    {
        policy: "apim-sku-allowed",
        title: "Developer (no SLA) in prod",
        resources: () =>
            withChange(compliantStack(), "gateway-apim", (i) => {
                i.sku = { name: "Developer", capacity: 1 };
                i.tags = { environment: "prod", project: "agents-control-plane" };
            }),
        message: /APIM SKU Developer is not allowed in environment "prod"/,
    },

    { policy: "apim-managed-identity", title: "a system-assigned identity", resources: compliantStack },
    {
        policy: "apim-managed-identity",
        title: "no identity",
        resources: () => withChange(compliantStack(), "gateway-apim", (i) => delete i.identity),
        message: /Give the APIM service a managed identity/,
    },

    { policy: "apim-diagnostics-no-response-body", title: "request bodies only", resources: compliantStack },
    {
        policy: "apim-diagnostics-no-response-body",
        title: "logged response bodies",
        resources: () =>
            withChange(
                compliantStack(),
                "gateway-diagnostic",
                (i) => (i.frontend = { response: { body: { bytes: 8192 } } }),
            ),
        message: /Set frontend.response.body.bytes to 0 \(found 8192\)/,
    },

    {
        policy: "apim-api-validates-tokens",
        title: "validation on every API and an anonymous metadata endpoint",
        resources: compliantStack,
    },
    {
        policy: "apim-api-validates-tokens",
        title: "validation in a global policy inherited through <base />",
        resources: () =>
            plus(
                mcp((x) => x.replace(validation, "")),
                resource("azure-native:apimanagement:Policy", "gateway-global-policy", {
                    serviceName: "apim-agents-dev",
                    format: "rawxml",
                    value: `<policies><inbound>${/<validate-azure-ad-token[\s\S]*?<\/validate-azure-ad-token>/.exec(compliantStack().find((r) => r.name === mcpPolicy)!.inputs.value as string)![0]}</inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`,
                }),
            ),
    },
    {
        policy: "apim-api-validates-tokens",
        title: "an API policy without token validation",
        resources: () => mcp((x) => x.replace(validation, "")),
        message:
            /API "mcp" \(\/mcp\) operation "mcp-post": requests reach the backend without token validation/,
    },
    {
        policy: "apim-api-validates-tokens",
        title: "validation only inside a <choose>",
        resources: () =>
            mcp((x) =>
                x.replace(
                    validation,
                    (v) =>
                        `<choose><when condition="@(context.Request.Method == &quot;POST&quot;)">${v}</when></choose>`,
                ),
            ),
        message: /operation "sse": requests reach the backend without token validation/,
    },
    {
        policy: "apim-api-validates-tokens",
        title: "an operation policy that drops <base /> and forwards",
        resources: () =>
            plus(
                compliantStack(),
                resource("azure-native:apimanagement:ApiOperationPolicy", "gateway-mcp-sse-policy", {
                    serviceName: "apim-agents-dev",
                    apiId: "mcp",
                    operationId: "sse",
                    format: "xml",
                    value: '<policies><inbound><set-backend-service backend-id="mcp-backend" /></inbound><backend><forward-request buffer-response="false" /></backend><outbound /><on-error /></policies>',
                }),
            ),
        message: /operation "sse": requests reach the backend without token validation/,
    },

    {
        policy: "apim-subscriptionless-requires-token-validation",
        title: "subscription-less APIs that validate tokens",
        resources: compliantStack,
    },
    {
        policy: "apim-subscriptionless-requires-token-validation",
        title: "a subscription-less API without token validation",
        resources: () => mcp((x) => x.replace(validation, "")),
        message: /subscriptionRequired is false and nothing validates the caller/,
    },

    {
        policy: "apim-api-rate-limited-per-caller",
        title: "limits after validation on every API",
        resources: compliantStack,
    },
    {
        policy: "apim-api-rate-limited-per-caller",
        title: "an API without a rate limit",
        resources: () => mcp((x) => x.replace(rateLimit, "")),
        message: /operation "message": no per-caller rate limit/,
    },
    {
        policy: "apim-api-rate-limited-per-caller",
        title: "a rate limit counted before token validation",
        resources: () =>
            mcp((x) => {
                const limit = rateLimit.exec(x)![0];
                return x
                    .replace(rateLimit, "")
                    .replace("<validate-azure-ad-token", `${limit}<validate-azure-ad-token`);
            }),
        message: /rate-limit-by-key runs before token validation, so forged tokens spend other agents' quota/,
    },

    {
        policy: "apim-backend-gets-gateway-credential",
        title: "managed identity and header removal",
        resources: compliantStack,
    },
    {
        policy: "apim-backend-gets-gateway-credential",
        title: "a policy that leaves the caller's header in place",
        resources: () => mcp((x) => x.replace(/<authentication-managed-identity [^>]*\/>\s*/, "")),
        message: /APIM forwards the caller's Authorization header to the backend by default/,
    },
    {
        policy: "apim-backend-gets-gateway-credential",
        title: "a managed identity token kept in a variable, caller's header still forwarded",
        resources: () =>
            mcp((x) =>
                x.replace(
                    /<authentication-managed-identity ([^>]*)\/>/,
                    '<authentication-managed-identity $1 output-token-variable-name="backendToken" />',
                ),
            ),
        message: /APIM forwards the caller's Authorization header to the backend by default/,
    },
    {
        policy: "apim-backend-gets-gateway-credential",
        title: "a managed identity that ignores errors, leaving the caller's header on failure",
        resources: () =>
            mcp((x) =>
                x.replace(
                    /<authentication-managed-identity ([^>]*)\/>/,
                    '<authentication-managed-identity $1 ignore-error="true" />',
                ),
            ),
        message: /APIM forwards the caller's Authorization header to the backend by default/,
    },

    {
        policy: "apim-rate-limit-within-maximum",
        title: "120 calls a minute from a named value",
        resources: compliantStack,
    },
    {
        policy: "apim-rate-limit-within-maximum",
        title: "a limit above the maximum",
        resources: () =>
            withChange(compliantStack(), "gateway-nv-rate-limit-calls", (i) => (i.value = "5000")),
        message: /allows 5000 calls per 60s \(5000 per 60s\); lower it to at most 600 per 60s/,
    },
    {
        policy: "apim-rate-limit-within-maximum",
        title: "a limit above a stricter configured maximum",
        resources: compliantStack,
        config: { "apim-rate-limit-within-maximum": { maxCallsPerPeriod: 60 } },
        message: /allows 120 calls per 60s \(120 per 60s\); lower it to at most 60 per 60s/,
    },
    {
        policy: "apim-rate-limit-within-maximum",
        title: "a limit computed by an expression",
        resources: () => mcp((x) => x.replace('calls="{{rate-limit-calls}}"', 'calls="@(int.Parse("120"))"')),
        message: /use whole numbers \(or named values holding them\) so the limit can be checked/,
    },
];
