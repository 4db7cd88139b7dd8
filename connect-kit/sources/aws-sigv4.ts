/**
 * AWS Signature Version 4 for the two calls the kit makes (STS GetWebIdentityToken, Cognito
 * GetOpenIdTokenForDeveloperIdentity), so agents need no AWS SDK. Signs method, path, query, the
 * `host`, `content-type`, `x-amz-*` headers and the body hash, as the SigV4 specification says.
 */
import { createHash, createHmac } from "node:crypto";

export interface AwsCredentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string | undefined;
}

export interface SignRequest {
    readonly method: string;
    readonly url: URL;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
    readonly region: string;
    readonly service: string;
    readonly credentials: AwsCredentials;
    readonly date: Date;
}

const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding as SigV4 wants it (`encodeURIComponent` leaves `!'()*` alone). */
const encode = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The request's headers plus `x-amz-date`, the session token and `authorization`. */
export function signAws(request: SignRequest): Record<string, string> {
    const amzDate = request.date.toISOString().replace(/[:-]|\.\d{3}/g, "");
    const day = amzDate.slice(0, 8);
    const headers: Record<string, string> = {
        ...Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v.trim()])),
        host: request.url.host,
        "x-amz-date": amzDate,
        ...(request.credentials.sessionToken
            ? { "x-amz-security-token": request.credentials.sessionToken }
            : {}),
    };
    const names = Object.keys(headers).sort();
    const query = [...request.url.searchParams]
        .map(([k, v]) => `${encode(k)}=${encode(v)}`)
        .sort()
        .join("&");
    const canonical = [
        request.method,
        request.url.pathname || "/",
        query,
        names.map((n) => `${n}:${headers[n]}\n`).join(""),
        names.join(";"),
        sha256(request.body),
    ].join("\n");
    const scope = `${day}/${request.region}/${request.service}/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
    const key = [day, request.region, request.service, "aws4_request"].reduce<Buffer | string>(
        (k, part) => hmac(k, part),
        `AWS4${request.credentials.secretAccessKey}`,
    );
    const signature = hmac(key, toSign).toString("hex");
    return {
        ...headers,
        authorization: `AWS4-HMAC-SHA256 Credential=${request.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
    };
}
