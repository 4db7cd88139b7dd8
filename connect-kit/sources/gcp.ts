/**
 * GCP: the metadata server's identity endpoint returns a Google-signed ID token for the attached
 * service account, with the audience asked for (`iss` https://accounts.google.com, `sub` = the
 * account's numeric unique id). Works wherever a metadata server fronts a service account (Compute
 * Engine, GKE, Cloud Run, Vertex AI).
 */
import type { HttpOptions } from "../http";
import { platformCall, tokenExchangeAudience, type PlatformTokenSource } from "../source";

export interface GcpTokenSourceOptions {
    /** Default `http://$GCE_METADATA_HOST`, else `http://metadata.google.internal`. */
    readonly metadataUrl?: string;
    /** Default `default` (the attached account). */
    readonly serviceAccount?: string;
    readonly audience?: string;
    readonly http?: HttpOptions;
}

export function gcpTokenSource(options: GcpTokenSourceOptions = {}): PlatformTokenSource {
    const base =
        options.metadataUrl ?? `http://${process.env.GCE_METADATA_HOST ?? "metadata.google.internal"}`;
    const audience = options.audience ?? tokenExchangeAudience;
    return {
        platform: "gcp",
        assertionAudience: audience,
        async token() {
            const url = new URL(
                `computeMetadata/v1/instance/service-accounts/${encodeURIComponent(options.serviceAccount ?? "default")}/identity`,
                base.endsWith("/") ? base : `${base}/`,
            );
            url.searchParams.set("audience", audience);
            url.searchParams.set("format", "full");
            const answer = await platformCall(
                "gcp",
                "metadata server",
                url,
                { headers: { "Metadata-Flavor": "Google" } },
                options.http ?? {},
            );
            return answer.text.trim();
        },
    };
}
