/** A Kubernetes service account token (AKS or any cluster with a public OIDC issuer). */
import { isHttpsUrl } from "../config/values";
import { federatedCredential } from "../identity/federation";
import type { AgentPlatformModule } from "./platform";

export interface KubernetesFederation {
    readonly issuer: string;
    readonly namespace: string;
    readonly serviceAccount: string;
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const kubernetesPlatform: AgentPlatformModule<"kubernetes", KubernetesFederation> = {
    kind: "kubernetes",
    docs: {
        fields: "`issuer`, `namespace`, `serviceAccount`",
        credential: "subject `system:serviceaccount:<ns>:<sa>`",
        yaml: "{ issuer: <https OIDC issuer>, namespace, serviceAccount }",
    },
    // AKS clusters' issuers; another cluster's issuer is one the platform team adds.
    allowedIssuers: ["https://*.oic.prod-aks.azure.com/*/*/"],
    read: (block) => ({
        issuer: block.requiredString("issuer", isHttpsUrl, "must be the cluster's https OIDC issuer URL"),
        namespace: block.requiredString(
            "namespace",
            (x) => dns1123Label.test(x),
            "must be a Kubernetes namespace name",
        ),
        serviceAccount: block.requiredString(
            "serviceAccount",
            (x) => dns1123Label.test(x),
            "must be a Kubernetes service account name",
        ),
    }),
    federatedCredentials: (k) => [
        federatedCredential(
            `k8s-${k.namespace}-${k.serviceAccount}`,
            k.issuer,
            `system:serviceaccount:${k.namespace}:${k.serviceAccount}`,
            "Kubernetes service account",
        ),
    ],
};
