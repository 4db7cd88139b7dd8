// Lets @modelcontextprotocol/conformance 0.1.16 start on Node 20: its CLI imports `globSync` from
// `fs` (Node 22+) for the tier-check command only, so on Node 20 the whole CLI fails to load.
// Loaded with `node --import`; on Node 22+ it does nothing.
import fs from "node:fs";
import { register } from "node:module";

if (typeof fs.globSync !== "function") register("./node20-fs-hooks.mjs", import.meta.url);
