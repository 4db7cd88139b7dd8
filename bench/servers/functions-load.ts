import { installFunctionsCoreStandIn } from "functions-app/test-support/functions-core-stand-in";

/**
 * The Functions app's load time: with the worker API stand-in the tests use in place of
 * `@azure/functions-core`, the time `require` of the bundled `dist/index.js` takes (module
 * evaluation and every trigger registration), as the worker spends it before the first invocation.
 */
const file = process.argv[2];
if (!file) throw new Error("usage: functions-load <dist/index.js>");
const registrations = installFunctionsCoreStandIn();
const begin = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the worker loads the app with require
require(file);
const loadMs = performance.now() - begin;
process.stdout.write(JSON.stringify({ loadMs, functions: registrations.length }) + "\n");
