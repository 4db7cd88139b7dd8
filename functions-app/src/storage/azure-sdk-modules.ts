/* eslint-disable @typescript-eslint/no-require-imports -- `require` keeps each SDK unevaluated until its loader runs, under the CommonJS test loader and in the bundle alike */
/**
 * The Azure SDKs the tool service uses, behind one module that the bundles ship as a file of its
 * own (`azure-sdk.js`, see scripts/bundle.ts): a cold start neither reads nor compiles them, and
 * each SDK is evaluated when its loader first runs.
 */
type BlobSdk = typeof import("@azure/storage-blob");
type QueueSdk = typeof import("@azure/storage-queue");
type IdentitySdk = typeof import("@azure/identity");

export const blobSdk = (): BlobSdk => require("@azure/storage-blob") as BlobSdk;
export const queueSdk = (): QueueSdk => require("@azure/storage-queue") as QueueSdk;
export const identitySdk = (): IdentitySdk => require("@azure/identity") as IdentitySdk;
