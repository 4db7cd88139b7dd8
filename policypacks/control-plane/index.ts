import { PolicyPack } from "@pulumi/policy";
import { packName, packSettings, policies } from "./policies";

new PolicyPack(packName, { policies, ...packSettings });
