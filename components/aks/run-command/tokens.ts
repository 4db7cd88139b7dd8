/**
 * Tokens for a run command issued outside `pulumi up`'s inputs. A delete receives only the state
 * of the last update, whose tokens (60-90 minute lifetime) have usually expired by then; it asks
 * the Azure CLI (signed in by `az login` or azure/login in CI) for fresh ones.
 */
import { tokenExpiry } from "../acr-client";

/** Application id of the AKS Entra server app (the same in every tenant): kubelogin's audience. */
export const aksServerAppId = "6dae42f8-4368-4678-94ff-3960e28e3630";
export const armResource = "https://management.azure.com/";

/** Whether a JWT is valid for at least `marginSeconds` more at `nowSeconds`. */
export function stillValid(token: string | undefined, nowSeconds: number, marginSeconds = 300): boolean {
    if (!token) return false;
    try {
        return tokenExpiry(token) - marginSeconds > nowSeconds;
    } catch {
        return false;
    }
}

/** `stored` if still valid, else a fresh token for `resource` from `fresh`. */
export async function usableToken(
    stored: string | undefined,
    resource: string,
    fresh: (resource: string) => Promise<string>,
    nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
    return stored !== undefined && stillValid(stored, nowSeconds) ? stored : fresh(resource);
}

/** A token from the Azure CLI's signed-in account. */
export async function azureCliToken(resource: string): Promise<string> {
    const { execFile } = await import("node:child_process");
    return new Promise((resolve, reject) => {
        execFile(
            "az",
            [
                "account",
                "get-access-token",
                "--resource",
                resource,
                "--query",
                "accessToken",
                "--output",
                "tsv",
            ],
            { timeout: 60_000 },
            (error, stdout, stderr) => {
                const token = String(stdout).trim();
                if (error || !token) {
                    reject(
                        new Error(
                            `the tokens saved at the last update have expired and the Azure CLI gave none for ${resource} ` +
                                `(${String(stderr).trim() || (error?.message ?? "empty output")}); sign in with az login ` +
                                "(or azure/login in CI) and run the operation again",
                        ),
                    );
                } else resolve(token);
            },
        );
    });
}
