import { describeCases } from "./harness";
import { tracingCases } from "./cases/tracing";

describe("policy pack: tracing", () => describeCases(tracingCases));
