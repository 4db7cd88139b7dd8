import type { INamespace } from "kubernetes-models/v1/Namespace";

/** Kubernetes ObjectMeta, as kubernetes-models types it. */
export type IObjectMeta = NonNullable<INamespace["metadata"]>;

/** Metadata every rendered object carries: a name always, a namespace unless cluster-scoped. */
export type RenderedMeta = IObjectMeta & { name: string };

/** A Kubernetes object as rendered here: the kubernetes-models schema type with metadata required. */
export type Rendered<T extends { metadata?: IObjectMeta }> = T & { metadata: RenderedMeta };

/** A rendered object whose kind has a spec, with the spec required. */
export type RenderedWithSpec<T extends { metadata?: IObjectMeta; spec?: unknown }> = Rendered<T> & {
    spec: NonNullable<T["spec"]>;
};

/** Names and labels shared by the objects of one workload. */
export interface ObjectNames {
    /** Labels on every namespaced object (selector labels included). */
    readonly labels: Readonly<Record<string, string>>;
    /** The stable subset the Deployment, Service, PDB and policies select pods by. */
    readonly selector: Readonly<Record<string, string>>;
    readonly serviceAccount: string;
}
