/** Salesforce (Agentforce, Apex callouts): a certificate credential (JWT client assertion), no secret. */
import { X509Certificate } from "node:crypto";
import type { AgentPlatformModule, CertificateCredentialSpec } from "./platform";

export type SalesforceCredential = CertificateCredentialSpec;

export const salesforcePlatform: AgentPlatformModule<"salesforce", SalesforceCredential> = {
    kind: "salesforce",
    docs: {
        fields: "`certificate` (public PEM)",
        credential: "a certificate credential; Salesforce signs a JWT client assertion, no secret",
        yaml: "{ certificate: <public certificate, PEM or base64 DER> }",
    },
    // Salesforce cannot federate: no issuer to trust.
    allowedIssuers: [],
    read: (block) => {
        const cert = block.value("certificate");
        if (typeof cert !== "string" || cert.trim() === "") {
            block.problem(
                "is required: the public certificate (PEM or base64 DER) of the Salesforce connected app",
                "certificate",
            );
            return undefined;
        }
        const parsed = readCertificate(cert);
        if (typeof parsed === "string") {
            block.problem(parsed, "certificate");
            return undefined;
        }
        return parsed;
    },
    federatedCredentials: () => [],
    certificate: (credential) => credential,
};

/** Reads a public certificate; a string result is the problem. */
function readCertificate(value: string): CertificateCredentialSpec | string {
    const pem = value.includes("-----BEGIN CERTIFICATE-----");
    let cert: X509Certificate;
    try {
        cert = new X509Certificate(pem ? value : Buffer.from(value.replace(/\s+/g, ""), "base64"));
    } catch {
        return "must be an X.509 certificate in PEM or base64 DER";
    }
    if (value.includes("PRIVATE KEY")) return "must contain the public certificate only, never a private key";
    const notAfter = new Date(cert.validTo);
    if (notAfter.getTime() <= Date.now()) return `has expired (${notAfter.toISOString()})`;
    return {
        certificate: pem ? value.trim() : value.replace(/\s+/g, ""),
        encoding: pem ? "pem" : "base64",
        notAfter: notAfter.toISOString(),
    };
}
