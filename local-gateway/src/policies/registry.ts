/** Policy element name -> compiler. An element not listed here is a load error. */
import { rateLimitByKey, validateAzureAdToken, validateContent } from "./access";
import { authenticationManagedIdentity, forwardRequest, rewriteUri, setBackendService } from "./backend";
import { cors } from "./cors";
import { choose, emitMetric, returnResponse, setBody, setHeader, setStatus, setVariable } from "./flow";
import { sendRequest, wait } from "./send-request";
import type { ElementCompiler } from "./types";

export const elementCompilers: Readonly<Record<string, ElementCompiler>> = {
    cors,
    "set-variable": setVariable,
    "set-header": setHeader,
    choose,
    "return-response": returnResponse,
    "set-status": setStatus,
    "set-body": setBody,
    "emit-metric": emitMetric,
    "validate-azure-ad-token": validateAzureAdToken,
    "rate-limit-by-key": rateLimitByKey,
    "validate-content": validateContent,
    "authentication-managed-identity": authenticationManagedIdentity,
    "set-backend-service": setBackendService,
    "rewrite-uri": rewriteUri,
    "forward-request": forwardRequest,
    "send-request": sendRequest,
    wait,
};
