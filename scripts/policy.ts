/**
 * `npm run policy`: synthesizes a stack under Pulumi's mock runtime, evaluates the policy pack over
 * every recorded resource and prints a report; exits 1 on a mandatory violation so CI can gate on it.
 */
import { runCommand } from "functions-app/cli";
import { offlineArgs, policyCommand } from "./lib/policy-command";

runCommand(policyCommand, async (flags) => {
    const args = offlineArgs(flags);
    // Loaded only now (the pack takes seconds to load), so --help and bad arguments answer at once.
    const [{ runOffline }, { synthesize }] = await Promise.all([
        import("../policypacks/control-plane/offline"),
        import("./lib/synthesize"),
    ]);
    const { exitCode } = await runOffline(args, synthesize);
    return exitCode;
});
