import { describeCases } from "./harness";
import { observabilityCases } from "./cases/observability";

describe("policy pack: observability", () => describeCases(observabilityCases));
