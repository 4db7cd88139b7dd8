/**
 * The incident engine as the hosts load it on first use (`load.ts`): in the bundles it ships as
 * `sentinel.js` beside the entry, so a start neither reads nor compiles it. Its modules hold no
 * state, which is what lets them live in a file of their own (see `apartModules` in the bundler).
 */
export { analyzeIncident } from "./analyze";
export { parseIncident } from "./validate";
export { handleSentinelWebhook } from "./webhook";
