/**
 * A token a platform writes to a file and rotates: a Kubernetes projected service account token
 * (AKS workload identity mounts it at `$AZURE_FEDERATED_TOKEN_FILE`), or any OIDC issuer's token
 * an agent's runtime drops on disk. Read on every call, since the kubelet replaces it in place.
 */
import { readFile } from "node:fs/promises";
import { PlatformTokenUnavailableError } from "../errors";
import { tokenExchangeAudience, type PlatformTokenSource } from "../source";

export interface TokenFileSourceOptions {
    /** Default `$AZURE_FEDERATED_TOKEN_FILE`. */
    readonly path?: string | undefined;
    readonly audience?: string;
    /** For messages; default `kubernetes`. */
    readonly platform?: string;
}

export function tokenFileSource(options: TokenFileSourceOptions = {}): PlatformTokenSource {
    const platform = options.platform ?? "kubernetes";
    return {
        platform,
        assertionAudience: options.audience ?? tokenExchangeAudience,
        async token() {
            const path = options.path ?? process.env.AZURE_FEDERATED_TOKEN_FILE;
            if (!path)
                throw new PlatformTokenUnavailableError(
                    platform,
                    "no token file: set AZURE_FEDERATED_TOKEN_FILE or pass path",
                );
            try {
                return (await readFile(path, "utf8")).trim();
            } catch (error) {
                const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
                throw new PlatformTokenUnavailableError(platform, `token file ${path}: ${code}`, undefined, {
                    cause: error,
                });
            }
        },
    };
}
