/**
 * One change model for previews, deploys, drift and policy reports: collect engine events once
 * (collector.ts), render many times (markdown, JSON, terminal). Values are already masked:
 * secrets appear only as `[secret]`.
 */

/** Ops that change something; `same`, `read`, `discard` and `read-replacement` do not. */
export const CHANGE_OPS = new Set([
  "create",
  "update",
  "delete",
  "replace",
  "create-replacement",
  "delete-replaced",
  "import",
  "import-replacement",
  "remove-pending-replace",
]);

export type PropertyChangeKind = "add" | "delete" | "update" | "replace";

export interface PropertyChange {
  /** Pulumi property path, e.g. `spec.replicas` or `metadata.labels["team"]`. */
  path: string;
  kind: PropertyChangeKind;
  /** Value in state (or before the update); `[secret]` for secrets; absent when added. */
  before?: unknown;
  /** Value desired (preview) or live (refresh); absent when deleted. */
  after?: unknown;
}

export interface ResourceChange {
  urn: string;
  type: string;
  /** The resource's logical name (last URN segment). */
  name: string;
  /**
   * The Kubernetes cluster it lives on (spec key): its provider's cluster, for a component the one
   * cluster all its children live on; absent for resources of no or several clusters.
   */
  cluster?: string;
  op: string;
  properties: PropertyChange[];
  /** A Kubernetes object's kind, name and namespace (from its state, else the new side); absent for others. */
  object?: KubernetesObjectRef;
  /** The parent resource's URN (the component it belongs to), when the engine said. */
  parent?: string;
}

/** Which Kubernetes object a resource is. */
export interface KubernetesObjectRef {
  kind: string;
  name?: string;
  namespace?: string;
}

export interface PolicyFinding {
  /** The rule's area pack (`platform-kubernetes`), from its name: the engine runs one pack for all. */
  policyPack: string;
  policyName: string;
  /** The engine reports `mandatory` or `warning` (advisory). */
  level: "mandatory" | "advisory";
  resourceUrn?: string;
  message: string;
}

export interface DiagnosticEntry {
  severity: "info" | "warning" | "error";
  urn?: string;
  message: string;
}

export interface ChangeModel {
  /** What produced the events. */
  operation: "preview" | "update" | "refresh-preview" | "destroy";
  resources: ResourceChange[];
  /** Count per op over all resources, `same` included. */
  counts: Record<string, number>;
  policies: PolicyFinding[];
  diagnostics: DiagnosticEntry[];
  /** URNs whose step failed. */
  failed: string[];
  /** From the summary event, when one arrived (absent means the run did not finish). */
  summary?: {
    durationSeconds: number;
    resourceChanges: Record<string, number>;
    policyPacks: Record<string, string>;
  };
}

/** Only the resources that change. */
export function changedResources(model: ChangeModel): ResourceChange[] {
  return model.resources.filter((r) => CHANGE_OPS.has(r.op));
}

/** The logical name of a URN: `urn:pulumi:stack::project::type$type::name` → `name`. */
export function urnName(urn: string): string {
  const idx = urn.lastIndexOf("::");
  return idx >= 0 ? urn.slice(idx + 2) : urn;
}

/** The cluster a provider reference names (`…::pulumi:providers:kubernetes::k8s-<cluster>::<id>`). */
export function clusterOfProvider(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const m = /::pulumi:providers:kubernetes::k8s-([^:]+)::/.exec(ref);
  return m?.[1];
}
