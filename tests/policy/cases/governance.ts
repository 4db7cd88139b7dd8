import { PolicyCase } from "../harness";
import { compliantStack, withChange } from "../fixtures";

export const governanceCases: PolicyCase[] = [
    { policy: "allowed-regions", title: "westeurope everywhere", resources: compliantStack },
    {
        policy: "allowed-regions",
        title: "a display-name region",
        resources: () => withChange(compliantStack(), "backend-storage", (i) => (i.location = "West Europe")),
    },
    {
        policy: "allowed-regions",
        title: "a region outside the allowed list",
        resources: () => withChange(compliantStack(), "backend-storage", (i) => (i.location = "brazilsouth")),
        message: /Region "brazilsouth" is not allowed; use one of eastus/,
    },
    {
        policy: "allowed-regions",
        title: "a region the team's configuration excludes",
        resources: compliantStack,
        config: { "allowed-regions": { allowedRegions: ["swedencentral"] } },
        message: /Region "westeurope" is not allowed; use one of swedencentral/,
    },
];
