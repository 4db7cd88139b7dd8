import { describeCases } from "./harness";
import { identityCases } from "./cases/identity";

describe("policy pack: identity", () => describeCases(identityCases));
