/** GCP: a Google service account's ID token (Vertex AI, Cloud Run, GKE). */
import { federatedCredential } from "../identity/federation";
import type { AgentPlatformModule } from "./platform";

export interface GcpFederation {
    /** The service account's 21-digit numeric unique id (the token's `sub`), not its e-mail. */
    readonly serviceAccountUniqueId: string;
}

const issuer = "https://accounts.google.com";

export const gcpPlatform: AgentPlatformModule<"gcp", GcpFederation> = {
    kind: "gcp",
    docs: {
        fields: "`serviceAccountUniqueId` (21-digit)",
        credential: "issuer `https://accounts.google.com`, subject = the numeric id",
        yaml: "{ serviceAccountUniqueId: <21-digit numeric id> }",
    },
    allowedIssuers: [issuer],
    read: (block) => ({
        serviceAccountUniqueId: block.requiredString(
            "serviceAccountUniqueId",
            (x) => /^\d{21}$/.test(x),
            "must be the 21-digit numeric unique id of the service account, not its e-mail",
        ),
    }),
    federatedCredentials: (gcp) => [
        federatedCredential("gcp", issuer, gcp.serviceAccountUniqueId, "GCP service account"),
    ],
};
