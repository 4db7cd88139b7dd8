import { describeCases } from "./harness";
import { contentSafetyCases } from "./cases/content-safety";

describe("policy pack: content safety", () => describeCases(contentSafetyCases));
