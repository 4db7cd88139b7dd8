import { describeCases } from "./harness";
import { governanceCases } from "./cases/governance";

describe("policy pack: governance", () => describeCases(governanceCases));
