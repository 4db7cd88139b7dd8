/**
 * Largest request body the webhook reads (bytes). Real incidents are a few KiB. Apart from the
 * engine: the hosts check it before they load the engine (see `load.ts`).
 */
export const maxWebhookBodyBytes = 256 * 1024;
