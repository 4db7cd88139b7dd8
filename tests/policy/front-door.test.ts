import { describeCases } from "./harness";
import { frontDoorCases } from "./cases/front-door";

describe("policy pack: OAuth front door", () => describeCases(frontDoorCases));
