/**
 * Test program for the synthesis worker: one gateway per API Management SKU the configuration
 * accepts, under the same mocks as the whole stack, so each SKU's service inputs can be checked,
 * and one service made with the SDK's defaults to compare against.
 */
import * as apimanagement from "@pulumi/azure-native/apimanagement";
import { apimSkus } from "../../../components/config/types";
import { Gateway } from "../../../components/gateway/gateway";
import { mockSubscriptionId } from "../../../scripts/lib/mocks";

const rg = `/subscriptions/${mockSubscriptionId}/resourceGroups/acp-test-rg`;

export = (): Promise<Record<string, unknown>> => {
    for (const sku of apimSkus) {
        const name = `gw-${sku.toLowerCase()}`;
        new Gateway(name, {
            resourceGroupName: "acp-test-rg",
            location: "westeurope",
            serviceName: `acp-test-${sku.toLowerCase()}`,
            subscriptionId: mockSubscriptionId,
            sku,
            capacity: 1,
            publisherEmail: "platform-team@contoso.com",
            publisherName: "Contoso Platform Engineering",
            samplingPercentage: 100,
            appInsightsId: `${rg}/providers/Microsoft.Insights/components/acp-test-ai`,
            appInsightsConnectionString: "InstrumentationKey=00000000-0000-0000-0000-000000000000",
            workspaceId: `${rg}/providers/Microsoft.OperationalInsights/workspaces/acp-test-logs`,
            tags: { environment: "test", project: "agents-control-plane" },
        });
    }
    // Control: the same service straight from the SDK, leaving enableClientCertificate out.
    new apimanagement.ApiManagementService("sdk-default", {
        resourceGroupName: "acp-test-rg",
        serviceName: "acp-test-sdk-default",
        sku: { name: "Developer", capacity: 1 },
        publisherEmail: "platform-team@contoso.com",
        publisherName: "Contoso Platform Engineering",
    });
    return Promise.resolve({});
};
