import { describeCases } from "./harness";
import { gatewayCases } from "./cases/gateway";

describe("policy pack: gateway", () => describeCases(gatewayCases));
