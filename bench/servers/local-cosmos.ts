import { startLocalCosmos } from "functions-app/local-cosmos";

/**
 * The local Cosmos DB REST server as a process of its own, so the load generator and the host do
 * not share its event loop. Prints its URL as the other bench servers do.
 */
void startLocalCosmos().then((cosmos) => {
    process.stdout.write(JSON.stringify({ message: "listening", url: cosmos.endpoint }) + "\n");
    process.on("SIGTERM", () => void cosmos.stop().then(() => process.exit(0)));
});
