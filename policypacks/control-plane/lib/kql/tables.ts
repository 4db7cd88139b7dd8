/**
 * The Log Analytics tables the program's monitoring queries read, with every documented column and
 * its type, as the Azure Monitor Logs table reference lists them. The analyzer checks queries
 * against these lists, so a column missing here is reported as unknown: copy it from the page
 * named in `source`, never from a query.
 */

/** Kusto scalar type names as the table reference writes them. */
export type KqlColumnType =
    "bool" | "datetime" | "dynamic" | "guid" | "int" | "long" | "real" | "string" | "timespan";

export interface KqlTable {
    readonly name: string;
    /** The reference page the columns were taken from. */
    readonly source: string;
    readonly columns: Readonly<Record<string, KqlColumnType>>;
}

/** A workspace's tables: what a query scoped to the Log Analytics workspace can read. */
export interface KqlSchema {
    readonly database: string;
    readonly tables: readonly KqlTable[];
}

/**
 * Resource-specific APIM gateway log (diagnostic setting with `logAnalyticsDestinationType:
 * Dedicated`). Note `ResponseCode` is an int and the times are milliseconds as long.
 */
export const apiManagementGatewayLogs: KqlTable = {
    name: "ApiManagementGatewayLogs",
    source: "https://learn.microsoft.com/azure/azure-monitor/reference/tables/apimanagementgatewaylogs",
    columns: {
        ApiId: "string",
        ApimSubscriptionId: "string",
        ApiRevision: "string",
        BackendId: "string",
        BackendMethod: "string",
        BackendProtocol: "string",
        BackendRequestBody: "string",
        BackendRequestHeaders: "dynamic",
        BackendResponseBody: "string",
        BackendResponseCode: "int",
        BackendResponseHeaders: "dynamic",
        BackendTime: "long",
        BackendUrl: "string",
        _BilledSize: "real",
        Cache: "string",
        CacheTime: "long",
        CallerIpAddress: "string",
        Category: "string",
        ClientProtocol: "string",
        ClientTime: "long",
        ClientTlsVersion: "string",
        CorrelationId: "string",
        Errors: "dynamic",
        _IsBillable: "string",
        IsMasterTrace: "bool",
        IsRequestSuccess: "bool",
        IsTraceAllowed: "bool",
        IsTraceExpired: "bool",
        IsTraceRequested: "bool",
        LastErrorElapsed: "long",
        LastErrorMessage: "string",
        LastErrorReason: "string",
        LastErrorScope: "string",
        LastErrorSection: "string",
        LastErrorSource: "string",
        Method: "string",
        OperationId: "string",
        OperationName: "string",
        ProductId: "string",
        Region: "string",
        RequestBody: "string",
        RequestHeaders: "dynamic",
        RequestSize: "int",
        _ResourceId: "string",
        ResponseBody: "string",
        ResponseCode: "int",
        ResponseHeaders: "dynamic",
        ResponseSize: "int",
        SourceSystem: "string",
        _SubscriptionId: "string",
        TenantId: "string",
        TimeGenerated: "datetime",
        Timestamp: "datetime",
        TotalTime: "long",
        TraceRecords: "dynamic",
        Type: "string",
        Url: "string",
        UserId: "string",
        WorkspaceId: "string",
    },
};

/**
 * Workspace-based App Insights metrics: APIM's `emit-metric` lands here, one row per aggregation
 * interval, with the metric's dimensions in `Properties`.
 */
export const appMetrics: KqlTable = {
    name: "AppMetrics",
    source: "https://learn.microsoft.com/azure/azure-monitor/reference/tables/appmetrics",
    columns: {
        AppRoleInstance: "string",
        AppRoleName: "string",
        AppVersion: "string",
        _BilledSize: "real",
        ClientBrowser: "string",
        ClientCity: "string",
        ClientCountryOrRegion: "string",
        ClientIP: "string",
        ClientModel: "string",
        ClientOS: "string",
        ClientStateOrProvince: "string",
        ClientType: "string",
        IKey: "string",
        _IsBillable: "string",
        ItemCount: "int",
        Max: "real",
        Min: "real",
        Name: "string",
        OperationId: "string",
        OperationName: "string",
        ParentId: "string",
        Properties: "dynamic",
        ResourceGUID: "string",
        _ResourceId: "string",
        SDKVersion: "string",
        SessionId: "string",
        SourceSystem: "string",
        _SubscriptionId: "string",
        Sum: "real",
        SyntheticSource: "string",
        TenantId: "string",
        TimeGenerated: "datetime",
        Type: "string",
        UserAccountId: "string",
        UserAuthenticatedId: "string",
        UserId: "string",
    },
};

/**
 * Workspace-based App Insights requests: server spans (the gateway's request, the tool host's
 * request span). `OperationId` is the W3C trace id, `Id` the span id, `ParentId` the parent span.
 */
export const appRequests: KqlTable = {
    name: "AppRequests",
    source: "https://learn.microsoft.com/azure/azure-monitor/reference/tables/apprequests",
    columns: {
        AppRoleInstance: "string",
        AppRoleName: "string",
        AppVersion: "string",
        _BilledSize: "real",
        ClientBrowser: "string",
        ClientCity: "string",
        ClientCountryOrRegion: "string",
        ClientIP: "string",
        ClientModel: "string",
        ClientOS: "string",
        ClientStateOrProvince: "string",
        ClientType: "string",
        DurationMs: "real",
        Id: "string",
        IKey: "string",
        _IsBillable: "string",
        ItemCount: "int",
        Measurements: "dynamic",
        Name: "string",
        OperationId: "string",
        OperationName: "string",
        ParentId: "string",
        Properties: "dynamic",
        ReferencedItemId: "string",
        ReferencedType: "string",
        ResourceGUID: "string",
        _ResourceId: "string",
        ResultCode: "string",
        SDKVersion: "string",
        SessionId: "string",
        Source: "string",
        SourceSystem: "string",
        _SubscriptionId: "string",
        Success: "bool",
        SyntheticSource: "string",
        TenantId: "string",
        TimeGenerated: "datetime",
        Type: "string",
        Url: "string",
        UserAccountId: "string",
        UserAuthenticatedId: "string",
        UserId: "string",
    },
};

/**
 * Workspace-based App Insights dependencies: client and internal spans (the tool host's tool call
 * and storage calls), with the span's attributes in `Properties`.
 */
export const appDependencies: KqlTable = {
    name: "AppDependencies",
    source: "https://learn.microsoft.com/azure/azure-monitor/reference/tables/appdependencies",
    columns: {
        AppRoleInstance: "string",
        AppRoleName: "string",
        AppVersion: "string",
        _BilledSize: "real",
        ClientBrowser: "string",
        ClientCity: "string",
        ClientCountryOrRegion: "string",
        ClientIP: "string",
        ClientModel: "string",
        ClientOS: "string",
        ClientStateOrProvince: "string",
        ClientType: "string",
        Data: "string",
        DependencyType: "string",
        DurationMs: "real",
        Id: "string",
        IKey: "string",
        _IsBillable: "string",
        ItemCount: "int",
        Measurements: "dynamic",
        Name: "string",
        OperationId: "string",
        OperationName: "string",
        ParentId: "string",
        Properties: "dynamic",
        ReferencedItemId: "string",
        ReferencedType: "string",
        ResourceGUID: "string",
        _ResourceId: "string",
        ResultCode: "string",
        SDKVersion: "string",
        SessionId: "string",
        SourceSystem: "string",
        _SubscriptionId: "string",
        Success: "bool",
        SyntheticSource: "string",
        Target: "string",
        TenantId: "string",
        TimeGenerated: "datetime",
        Type: "string",
        UserAccountId: "string",
        UserAuthenticatedId: "string",
        UserId: "string",
    },
};

/** The control plane's Log Analytics workspace, as far as its alert rules and workbook read it. */
export const workspaceSchema: KqlSchema = {
    database: "workspace",
    tables: [apiManagementGatewayLogs, appMetrics, appRequests, appDependencies],
};
