/**
 * The stacks the Key Vault tests read: dev with alert webhooks (the shipped file has none, so
 * nothing would be stored for them) and prod as CI deploys it (a service principal).
 */
import { shippedStack } from "./shipped-stacks";

export const alertWebhookUrls = [
    "https://hooks.contoso.com/alerts?token=abc123",
    "https://pager.contoso.com/v1/hook/xyz",
] as const;

export const vaultStacks = {
    dev: shippedStack("dev", { alertWebhookUrls: JSON.stringify(alertWebhookUrls) }),
    prod: shippedStack("prod", { deployerPrincipalType: "ServicePrincipal" }),
};
