/**
 * Where a rendered object of a workload may go, and the labels it gets: the tenancy lockdown of
 * Helm charts, Kustomize folders and manifests. Pure functions (no Pulumi engine here), tested
 * directly: mocks do not run transforms, so {@link workloadTransform} only wraps {@link placeObject}.
 */
import type * as pulumi from "@pulumi/pulumi";
import { labelValue } from "../labels";

/**
 * Kinds that live outside any namespace. Built-in kinds of Kubernetes 1.3x, then the cluster-scoped
 * kinds of well-known CRDs (cert-manager, External Secrets, Gateway API, Kyverno, Gatekeeper)
 * because a tenant holding one reaches past its namespace (a ClusterSecretStore reads every
 * tenant's secrets). Any other kind is taken as namespaced: it is put into the tenant's
 * namespace, which the API server refuses for a kind that is really cluster-scoped (so an
 * unlisted cluster-scoped kind fails at apply instead of being placed cluster-wide).
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  "APIService",
  "CertificateSigningRequest",
  "ClusterRole",
  "ClusterRoleBinding",
  "ClusterTrustBundle",
  "ComponentStatus",
  "CSIDriver",
  "CSINode",
  "CustomResourceDefinition",
  "DeviceClass",
  "DeviceTaintRule",
  "FlowSchema",
  "IngressClass",
  "IPAddress",
  "MutatingAdmissionPolicy",
  "MutatingAdmissionPolicyBinding",
  "MutatingWebhookConfiguration",
  "Namespace",
  "Node",
  "PersistentVolume",
  "PriorityClass",
  "PriorityLevelConfiguration",
  "ResourceSlice",
  "RuntimeClass",
  "SelfSubjectAccessReview",
  "SelfSubjectReview",
  "SelfSubjectRulesReview",
  "ServiceCIDR",
  "StorageClass",
  "StorageVersion",
  "StorageVersionMigration",
  "SubjectAccessReview",
  "TokenReview",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ValidatingWebhookConfiguration",
  "VolumeAttachment",
  "VolumeAttributesClass",
  // well-known CRDs
  "ClusterIssuer",
  "ClusterSecretStore",
  "ClusterExternalSecret",
  "ClusterPushSecret",
  "ClusterGenerator",
  "GatewayClass",
  "ClusterPolicy",
  "ClusterCleanupPolicy",
  "ConstraintTemplate",
]);

/** Label keys of a workload's objects (besides those the chart or overlay sets itself). */
export const WORKLOAD_LABEL = "platform.dev/workload";

/** Who owns a workload and where its objects go: everything {@link placeObject} decides with. */
export interface WorkloadPlacement {
  /** Environment name. */
  environment: string;
  /** Workload name (the key under `workloads:`). */
  workload: string;
  /** Cluster name (spec key), for messages. */
  cluster: string;
  /** What renders the objects, for messages: `helm chart oci://...`, `kustomize folder deploy/x`. */
  source: string;
  /** The owning tenant. @default none: a platform workload */
  tenant?: string;
  /** The tenant's cost centre (label). @default "platform" */
  costCenter?: string;
  /** Namespace given to namespaced objects that name none; a tenant's is its own namespace. */
  namespace: string;
}

/** An object refused for a tenant workload (before anything of the workload is applied). */
export class WorkloadRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WorkloadRefusedError";
  }
}

/**
 * The ownership labels of every object of a workload: what `platform-required-tags` asks of every
 * Kubernetes object (owner, environment, cost centre) plus the workload, and the tenant for a
 * tenant workload. A platform workload is owned and billed as `platform`.
 */
export function workloadLabels(placement: WorkloadPlacement): Record<string, string> {
  return {
    "platform.dev/environment": labelValue(placement.environment),
    [WORKLOAD_LABEL]: labelValue(placement.workload),
    ...(placement.tenant !== undefined ? { "platform.dev/tenant": labelValue(placement.tenant) } : {}),
    "platform.dev/owner": labelValue(placement.tenant ?? "platform"),
    "platform.dev/cost-center": labelValue(placement.costCenter ?? "platform"),
  };
}

/** A Kubernetes object as rendered (only what placement reads is typed). */
export interface RenderedObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; labels?: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  [key: string]: unknown;
}

/** `Deployment "web"` or `ClusterRoleBinding "admin"`, plus where it came from when known. */
function describe(kind: string, name: string, origin: string | undefined): string {
  return `${kind} "${name}"${origin ? ` (${origin})` : ""}`;
}

/**
 * The object as it is applied: namespaced objects get `placement.namespace` when they name none,
 * and the ownership labels are merged over the object's own (the platform's keys win). For a
 * tenant workload, a cluster-scoped kind or a namespace other than the tenant's throws a
 * {@link WorkloadRefusedError} naming the workload, the object, where it came from and the fix.
 * @param origin the file or chart template the object came from, when known
 */
export function placeObject(
  object: RenderedObject,
  placement: WorkloadPlacement,
  origin?: string,
): RenderedObject {
  const kind = typeof object.kind === "string" ? object.kind : "(no kind)";
  const metadata = object.metadata ?? {};
  const name = typeof metadata.name === "string" ? metadata.name : "(unnamed)";
  const where = `${placement.environment}: workload "${placement.workload}" (${placement.source}) on cluster "${placement.cluster}"`;
  const clusterScoped = CLUSTER_SCOPED_KINDS.has(kind);
  const tenant = placement.tenant;
  if (tenant !== undefined && clusterScoped) {
    throw new WorkloadRefusedError(
      `${where} renders ${describe(kind, name, origin)}, a cluster-scoped kind; a workload of tenant "${tenant}" may only create objects in its namespace "${tenant}": remove it from the chart or overlay, or deploy it as a platform workload (platform: true instead of tenant:)`,
    );
  }
  const given =
    typeof metadata.namespace === "string" && metadata.namespace !== "" ? metadata.namespace : undefined;
  if (tenant !== undefined && given !== undefined && given !== placement.namespace) {
    throw new WorkloadRefusedError(
      `${where} renders ${describe(kind, name, origin)} in namespace "${given}"; a workload of tenant "${tenant}" may only create objects in its namespace "${placement.namespace}": remove the namespace from the object (it is put into "${placement.namespace}") or set it to "${placement.namespace}"`,
    );
  }
  const namespace = clusterScoped ? {} : { namespace: given ?? placement.namespace };
  const labels = { ...(metadata.labels ?? {}), ...workloadLabels(placement) };
  return { ...object, metadata: { ...metadata, ...namespace, labels } };
}

/** The identity of an object on a cluster: `apps/Deployment payments/web` (group, kind, namespace, name). */
export function objectIdentity(object: RenderedObject): string {
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "core";
  const md = object.metadata ?? {};
  const namespace = typeof md.namespace === "string" && md.namespace !== "" ? `${md.namespace}/` : "";
  return `${group}/${String(object.kind)} ${namespace}${String(md.name)}`;
}

/**
 * Which workload holds which object on each cluster, so two workloads never manage one object
 * (they would overwrite each other on every deploy). One instance per program run.
 */
export class ObjectClaims {
  private readonly owners = new Map<string, { owner: string; resource: string }>();

  /**
   * Records that `workload` manages `object` on `cluster`; throws naming both owners when another
   * resource already holds it. Claiming again for the same resource is a no-op.
   */
  claim(cluster: string, object: RenderedObject, workload: string, resource: string): void {
    this.hold(cluster, object, `workload "${workload}"`, resource);
  }

  /**
   * Records an object the platform's `App` component creates (its Deployment, Service, ...), so a
   * workload rendering the same object is refused naming the app.
   */
  reserveForApp(cluster: string, object: RenderedObject, app: string): void {
    this.hold(cluster, object, `app "${app}"`, `app:${app}`);
  }

  private hold(cluster: string, object: RenderedObject, owner: string, resource: string): void {
    const identity = objectIdentity(object);
    const key = `${cluster}\u0000${identity}`;
    const held = this.owners.get(key);
    if (!held) {
      this.owners.set(key, { owner, resource });
      return;
    }
    if (held.resource === resource) return;
    const both =
      held.owner === owner ? `${owner} renders it twice` : `${held.owner} and ${owner} both render it`;
    throw new WorkloadRefusedError(
      `${identity} on cluster "${cluster}": ${both}; one object can have one owner: remove it from one of them (or rename it)`,
    );
  }
}

/** A `kubernetes:<group>/<version>:<Kind>` resource type (not a component or provider). */
function isKubernetesObject(args: pulumi.ResourceTransformArgs): boolean {
  return args.custom && args.type.startsWith("kubernetes:") && !args.type.startsWith("kubernetes:helm.sh/");
}

/**
 * The resource transform of a workload: {@link placeObject} on every Kubernetes object the renderer
 * (Chart, Directory, ConfigGroup) registers, and the claim of its identity. A refusal throws, which
 * fails the registration and so the preview, before any object of the run is applied.
 * @param originOf where an object came from (a manifest file), when the caller knows. @default unknown
 */
export function workloadTransform(
  placement: WorkloadPlacement,
  claims: ObjectClaims,
  originOf: (object: RenderedObject) => string | undefined = () => undefined,
): pulumi.ResourceTransform {
  return (args) => {
    if (!isKubernetesObject(args)) return undefined;
    const object = args.props as RenderedObject;
    const placed = placeObject(object, placement, originOf(object));
    claims.claim(placement.cluster, placed, placement.workload, args.name);
    return { props: placed, opts: args.opts };
  };
}
