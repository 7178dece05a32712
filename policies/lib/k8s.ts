/**
 * Kubernetes helpers: where the pod spec of each workload kind lives, the containers of a pod
 * spec (regular, init and ephemeral), effective securityContext values, and image references.
 */
import { UNKNOWN, Unknown, get, list, rec, str } from "./read";

export const POD = "kubernetes:core/v1:Pod";

/** Pod-template path of each workload type token. */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  [POD]: ["spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Every type token that carries a pod spec (POD in the catalog). */
export const POD_TYPES: readonly string[] = Object.keys(POD_SPEC_PATHS);

/** POD types except Job and CronJob (long-running workloads). */
export const LONG_RUNNING_POD_TYPES: readonly string[] = POD_TYPES.filter(
  (t) => !t.startsWith("kubernetes:batch/"),
);

/** The dotted path of the pod spec for messages: `spec.template.spec`. */
export function podSpecPath(type: string): string {
  return (POD_SPEC_PATHS[type] ?? ["spec"]).join(".");
}

/** The pod spec of a workload; undefined when the type has none or it is absent. */
export function podSpecOf(type: string, props: unknown): Record<string, unknown> | undefined | Unknown {
  const path = POD_SPEC_PATHS[type];
  return path ? rec(props, ...path) : undefined;
}

/** The metadata of the pod template (or of the Pod itself). */
export function podMetadataOf(type: string, props: unknown): Record<string, unknown> | undefined | Unknown {
  const path = POD_SPEC_PATHS[type];
  if (!path) return undefined;
  return rec(props, ...path.slice(0, -1), "metadata");
}

export type ContainerKind = "containers" | "initContainers" | "ephemeralContainers";
export const ALL_CONTAINER_KINDS: readonly ContainerKind[] = [
  "containers",
  "initContainers",
  "ephemeralContainers",
];

/** One container of a pod spec, with the path used in messages. */
export interface ContainerRef {
  kind: ContainerKind;
  index: number;
  name: string;
  /** `spec.template.spec.initContainers[0]` */
  path: string;
  container: Record<string, unknown>;
}

/**
 * The containers of a pod spec of the given kinds. Containers whose list or entry is unknown
 * during preview are skipped (nothing can be proved about them).
 */
export function containersOf(
  type: string,
  spec: Record<string, unknown>,
  kinds: readonly ContainerKind[] = ALL_CONTAINER_KINDS,
): ContainerRef[] {
  const base = podSpecPath(type);
  const out: ContainerRef[] = [];
  for (const kind of kinds) {
    const items = list(spec, kind);
    if (items === UNKNOWN) continue;
    items.forEach((item, index) => {
      const container = rec(item);
      if (!container || container === UNKNOWN) return;
      const name = str(container, "name");
      out.push({
        kind,
        index,
        name: typeof name === "string" ? name : `#${index}`,
        path: `${base}.${kind}[${index}]`,
        container,
      });
    });
  }
  return out;
}

/** `container "web" (spec.containers[0])`, for messages. */
export function describeContainer(ref: ContainerRef): string {
  const noun =
    ref.kind === "containers"
      ? "container"
      : ref.kind === "initContainers"
        ? "init container"
        : "ephemeral container";
  return `${noun} "${ref.name}" (${ref.path})`;
}

/**
 * The effective value of a securityContext field: the container's own value, else the pod's
 * (only for fields that exist at both levels, as Kubernetes and Kyverno resolve them).
 */
export function effectiveSecurity(
  spec: Record<string, unknown>,
  ref: ContainerRef,
  field: "runAsNonRoot" | "runAsUser" | "runAsGroup" | "seccompProfile",
): unknown {
  const own = get(ref.container, "securityContext", field);
  if (own !== undefined) return own;
  return get(spec, "securityContext", field);
}

/** A parsed image reference. */
export interface ImageRef {
  /** Registry host (with port): `docker.io` when the reference names none. */
  registry: string;
  /** Repository path without registry: `library/nginx`. */
  repository: string;
  tag?: string;
  digest?: string;
  /** `registry/repository`, normalised the way Docker does. */
  normalized: string;
}

/**
 * Parses `[registry[:port]/]path[:tag][@digest]`. The first segment is a registry when it holds
 * a `.` or `:` or is `localhost`; otherwise the image is on Docker Hub (`nginx` →
 * `docker.io/library/nginx`).
 */
export function parseImage(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
  }
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  let registry = "docker.io";
  let repository = rest;
  if (slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    registry = first;
    repository = rest.slice(slash + 1);
  } else if (slash < 0) {
    repository = `library/${rest}`;
  }
  return {
    registry,
    repository,
    tag: tag || undefined,
    digest: digest || undefined,
    normalized: `${registry}/${repository}`,
  };
}

/**
 * True when `image` comes from one of `allowed`: an entry is a registry host (`registry.acme.io`)
 * or a registry path prefix (`registry.acme.io/team`); `docker.io` entries match Docker Hub images.
 */
export function imageAllowed(image: string, allowed: readonly string[]): boolean {
  const ref = parseImage(image);
  return allowed.some((entry) => {
    const e = entry.replace(/\/+$/, "").replace(/\/\*$/, "");
    if (e === "") return false;
    if (ref.registry === e) return true;
    return ref.normalized.startsWith(`${e}/`) || image.startsWith(`${e}/`);
  });
}

/** Type tokens of Kubernetes resources that are not API objects (no metadata). */
const NON_OBJECT =
  /^kubernetes:(helm\.sh\/v[34]:(Chart|Release)|yaml(\/v2)?:(ConfigFile|ConfigGroup)|kustomize(\/v2)?:Directory)$/;

/** True for `kubernetes:*` tokens that are real API objects (not Helm/YAML/Kustomize components, not List/Patch). */
export function isKubernetesObject(type: string): boolean {
  if (!type.startsWith("kubernetes:") || NON_OBJECT.test(type)) return false;
  const kind = type.slice(type.lastIndexOf(":") + 1);
  return !kind.endsWith("List") && !kind.endsWith("Patch");
}

const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "PriorityClass",
  "IngressClass",
  "RuntimeClass",
  "CSIDriver",
  "CSINode",
  "VolumeAttachment",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "APIService",
  "CertificateSigningRequest",
  "FlowSchema",
  "PriorityLevelConfiguration",
  "ComponentStatus",
  "ClusterIssuer",
  "ClusterSecretStore",
  "ClusterExternalSecret",
  "ClusterPolicy",
]);

/** True for Kubernetes object kinds that live in a namespace. */
export function isNamespaced(type: string): boolean {
  return isKubernetesObject(type) && !CLUSTER_SCOPED.has(type.slice(type.lastIndexOf(":") + 1));
}

/** The labels of an object's metadata; UNKNOWN when not known yet. */
export function labelsOf(
  props: unknown,
  metadataPath: readonly string[] = ["metadata"],
): Record<string, unknown> | Unknown {
  const labels = rec(props, ...metadataPath, "labels");
  if (labels === UNKNOWN) return UNKNOWN;
  return labels ?? {};
}
