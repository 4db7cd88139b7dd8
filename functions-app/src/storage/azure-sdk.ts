/**
 * The Azure SDKs, loaded on first use. Reading, compiling and evaluating them was most of the
 * host's cold start, and the first request (tools/list, hello_mcp) needs no storage.
 */
import type { TokenCredential } from "@azure/identity";

type BlobSdk = typeof import("@azure/storage-blob");
type QueueSdk = typeof import("@azure/storage-queue");
type CosmosSdk = typeof import("@azure/cosmos");
type AzureSdkModules = typeof import("./azure-sdk-modules");

/**
 * In a bundle, the file `azure-sdk.js` beside the entry. `require`: the CommonJS test loader
 * (tsx/cjs) leaves a relative `import()` to Node's ESM resolver, which finds no `.ts` file.
 */
const modules = (): Promise<AzureSdkModules> =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    Promise.resolve().then(() => require("./azure-sdk-modules") as AzureSdkModules);

let blobSdk: Promise<BlobSdk> | undefined;
let queueSdk: Promise<QueueSdk> | undefined;
let cosmosSdk: Promise<CosmosSdk> | undefined;

export function loadBlobSdk(): Promise<BlobSdk> {
    return (blobSdk ??= modules().then((m) => m.blobSdk()));
}

export function loadQueueSdk(): Promise<QueueSdk> {
    return (queueSdk ??= modules().then((m) => m.queueSdk()));
}

export function loadCosmosSdk(): Promise<CosmosSdk> {
    return (cosmosSdk ??= modules().then((m) => m.cosmosSdk()));
}

/**
 * The workload's own identity, built (and its SDK loaded) when a token is first asked for: the AKS
 * workload identity (federated token file) where the pod has one, else the managed identity of the
 * Functions site or VM. Not `DefaultAzureCredential`: when those fail it goes on to a client secret
 * from the environment and to developer tools, running `az`, `pwsh` and `azd` inside the pod, which a
 * production service must neither try nor depend on.
 */
export function lazyManagedIdentityCredential(options: {
    readonly managedIdentityClientId?: string | undefined;
    readonly workloadIdentityClientId?: string | undefined;
}): TokenCredential {
    let credential: Promise<TokenCredential> | undefined;
    const ready = () =>
        (credential ??= modules()
            .then((m) => m.identitySdk())
            .then(({ ChainedTokenCredential, ManagedIdentityCredential, WorkloadIdentityCredential }) => {
                const clientId = options.managedIdentityClientId;
                const managed = new ManagedIdentityCredential(clientId !== undefined ? { clientId } : {});
                if (!process.env.AZURE_FEDERATED_TOKEN_FILE) return managed;
                const workloadClientId = options.workloadIdentityClientId ?? clientId;
                return new ChainedTokenCredential(
                    new WorkloadIdentityCredential(
                        workloadClientId !== undefined ? { clientId: workloadClientId } : {},
                    ),
                    managed,
                );
            }));
    return { getToken: async (scopes, getTokenOptions) => (await ready()).getToken(scopes, getTokenOptions) };
}

/** The HTTP status of an Azure SDK `RestError`, without loading the SDK to test `instanceof`. */
export function restErrorStatus(error: unknown): number | undefined {
    if (!(error instanceof Error) || error.name !== "RestError") return undefined;
    const status = (error as { statusCode?: unknown }).statusCode;
    return typeof status === "number" ? status : undefined;
}
