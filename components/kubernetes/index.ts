/** The Node host MCP backend on AKS: pure manifests and the component that applies them. */
export {
    manifestList,
    renderWorkload,
    workloadIdentitySubject,
    WorkloadParamsError,
    workloadParamsProblems,
    type WorkloadAuth,
    type WorkloadManifests,
    type WorkloadParams,
    type WorkloadResources,
} from "./manifests";
export { McpWorkload, type McpWorkloadArgs, type WorkloadDelivery } from "./workload";
