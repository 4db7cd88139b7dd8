/**
 * The Pulumi project's name (`name` in Pulumi.yaml): the namespace of every config key, the
 * `project` tag, the gateway's metric namespace and the owner label of Kubernetes objects. Pure.
 */
export const projectName = "agents-control-plane";
