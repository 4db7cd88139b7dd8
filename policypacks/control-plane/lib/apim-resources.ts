/** Reading APIM policy documents out of the resources that carry them. */
import * as apim from "@pulumi/azure-native/apimanagement";
import { ResourceValidationArgs } from "@pulumi/policy";
import { PolicyDocumentResult, parsePolicyDocument } from "./apim-document";

/** Resource types whose `value` is an APIM policy document. */
export const policyDocumentTypes: readonly string[] = [
    "azure-native:apimanagement:Policy",
    "azure-native:apimanagement:ProductPolicy",
    "azure-native:apimanagement:ApiPolicy",
    "azure-native:apimanagement:ApiOperationPolicy",
    "azure-native:apimanagement:PolicyFragment",
];

/** The policy document of an APIM policy resource, or undefined for any other resource. */
export function policyDocumentOf(args: ResourceValidationArgs): PolicyDocumentResult | undefined {
    const props =
        args.asType(apim.ApiPolicy) ??
        args.asType(apim.ApiOperationPolicy) ??
        args.asType(apim.Policy) ??
        args.asType(apim.ProductPolicy) ??
        args.asType(apim.PolicyFragment);
    return props === undefined ? undefined : parsePolicyDocument(props.value, props.format);
}
