import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { promisify } from "node:util";

/** A self-signed certificate (and its key) for HTTPS stand-ins, trusted by a child process through NODE_EXTRA_CA_CERTS. */
export interface LoopbackCertificate {
    /** PEM file of the certificate: the value for NODE_EXTRA_CA_CERTS. */
    readonly certFile: string;
    readonly cert: string;
    readonly key: string;
}

/**
 * Makes a P-256 certificate valid for 127.0.0.1 and `hostnames` with the machine's `openssl`: the
 * Azure SDK's bearer-token policy refuses plain http, and MSAL refuses an authority that is not https.
 */
export async function makeLoopbackCertificate(
    directory: string,
    hostnames: readonly string[] = [],
): Promise<LoopbackCertificate> {
    const certFile = path.join(directory, "cert.pem");
    const keyFile = path.join(directory, "key.pem");
    const names = ["IP:127.0.0.1", ...hostnames.map((h) => `DNS:${h}`)].join(",");
    await promisify(execFile)("openssl", [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=loopback test stand-in",
        "-addext",
        `subjectAltName=${names}`,
        "-keyout",
        keyFile,
        "-out",
        certFile,
    ]);
    const [cert, key] = await Promise.all([readFile(certFile, "utf8"), readFile(keyFile, "utf8")]);
    return { certFile, cert, key };
}
