import { describeCases } from "./harness";
import { dataComputeCases } from "./cases/data-compute";

describe("policy pack: data-compute", () => describeCases(dataComputeCases));
