/**
 * Offline compliance run: `npm run policy -- --stack dev [--config key=value] [--policy-config file]`.
 * Synthesizes the stack under Pulumi's mock runtime, evaluates the policy pack over every
 * recorded resource and prints a report; exits 1 on a mandatory violation so CI can gate on it.
 */
import { runOffline } from "../policypacks/control-plane/offline";
import { synthesize } from "./lib/synthesize";

runOffline(process.argv.slice(2), synthesize).then(
    ({ exitCode }) => {
        process.exitCode = exitCode;
    },
    (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exitCode = 2;
    },
);
