/**
 * Where the front door lives. On the gateway the issuer is `<gateway>/oauth` and its RFC 8414
 * metadata sits at the path-inserted well-known URL; the gateway forwards both to the backend's
 * `/api/oauth/...` (the Functions host serves HTTP triggers under `/api`).
 */
export const frontDoorGatewayPaths = {
    /** Issuer path; endpoints are below it. */
    issuer: "/oauth",
    /** RFC 8414 §3.1: `/.well-known/oauth-authorization-server` + the issuer's path. */
    metadataPrefix: "/.well-known/oauth-authorization-server",
} as const;

/** Endpoints below the issuer; the backend serves each at `/api/oauth/<name>`. */
export const frontDoorEndpoints = {
    metadata: { method: "GET", path: "/metadata" },
    register: { method: "POST", path: "/register" },
    authorize: { method: "GET", path: "/authorize" },
    consent: { method: "POST", path: "/consent" },
    callback: { method: "GET", path: "/callback" },
    token: { method: "POST", path: "/token" },
} as const;

export type FrontDoorEndpoint = keyof typeof frontDoorEndpoints;

export const frontDoorBackendPrefix = "/api/oauth";
