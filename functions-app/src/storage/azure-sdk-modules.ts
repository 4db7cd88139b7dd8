/**
 * The Azure SDKs the tool service uses, behind one module that the bundles ship as a file of its
 * own (`azure-sdk.js`, see scripts/bundle.ts): a cold start neither reads nor compiles them, and
 * each SDK is evaluated when its loader first runs. `import()` selects the SDKs' ES module builds,
 * which bundle smaller than their CommonJS builds.
 */
export const blobSdk = () => import("@azure/storage-blob");
export const queueSdk = () => import("@azure/storage-queue");
export const identitySdk = () => import("@azure/identity");
export const cosmosSdk = () => import("@azure/cosmos");
