/**
 * The Orama search engine, behind a module that the bundles ship as a file of its own
 * (`orama.js`, see scripts/bundle.ts): only memory recall and the local knowledge index use it,
 * so a cold start neither reads nor compiles it.
 */
export { create, insertMultiple, search } from "@orama/orama";
