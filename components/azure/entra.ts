/** Entra ID facts several parts of the program and the policy pack rely on. Pure. */

/**
 * Audience Entra requires in the external token of a federated identity credential (public
 * cloud): agents' platform tokens and the AKS workload's service account token alike.
 */
export const tokenExchangeAudience = "api://AzureADTokenExchange";

/**
 * Every audience Entra accepts for workload identity federation, one per cloud: public, US
 * Government, China. A credential names the one of the cloud its tenant lives in.
 */
export const tokenExchangeAudiences: readonly string[] = [
    tokenExchangeAudience,
    "api://AzureADTokenExchangeUSGov",
    "api://AzureADTokenExchangeChina",
];
