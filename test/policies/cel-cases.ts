/**
 * The fixtures of the Kubernetes rules that have a CEL form, as plain manifests: the mutation
 * tables of k8s-pod.test.ts and the object cases of k8s-objects.test.ts (same cases, same
 * expectations; cel-cases.test.ts checks the TypeScript verdicts still match them), so the
 * admission conformance test (test/e2e/admission.test.ts) can send each one to the API server.
 */
import { typeToken } from "../../ops/policy/manifests";
import { LABELS, PodSpec, WORKLOADS, goodPodSpec } from "./k8s-workloads";
import { variant } from "./harness";

/** A manifest that tests index into freely. */
export type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One fixture: the rule it exercises, a manifest, and the expected TypeScript verdict. */
export interface CelCase {
  rule: string;
  case: string;
  manifest: Manifest;
  /** A fragment of the expected TypeScript message, or null when the fixture complies. */
  expected: RegExp | null;
}

const API: Record<string, [string, string]> = {
  "kubernetes:core/v1:Pod": ["v1", "Pod"],
  "kubernetes:apps/v1:Deployment": ["apps/v1", "Deployment"],
  "kubernetes:apps/v1:StatefulSet": ["apps/v1", "StatefulSet"],
  "kubernetes:apps/v1:DaemonSet": ["apps/v1", "DaemonSet"],
  "kubernetes:apps/v1:ReplicaSet": ["apps/v1", "ReplicaSet"],
  "kubernetes:batch/v1:Job": ["batch/v1", "Job"],
  "kubernetes:batch/v1:CronJob": ["batch/v1", "CronJob"],
};

/** A complete manifest of a workload type around a pod spec (selectors, restart policy, ...). */
export function workload(type: string, spec: PodSpec): Manifest {
  const [apiVersion, kind] = API[type];
  const obj = structuredClone(WORKLOADS[type](structuredClone(spec))) as Manifest;
  obj.apiVersion = apiVersion;
  obj.kind = kind;
  const selector = { matchLabels: { "app.kubernetes.io/name": "web" } };
  const template = (pod: Manifest): Manifest => ({ ...pod, metadata: { labels: { ...LABELS } } });
  if (kind === "Pod") return obj;
  if (kind === "CronJob") {
    const t = template(obj.spec.jobTemplate.spec.template);
    t.spec.restartPolicy = "Never";
    obj.spec.jobTemplate.spec.template = t;
    return obj;
  }
  obj.spec.template = template(obj.spec.template);
  if (kind === "Job") obj.spec.template.spec.restartPolicy = "Never";
  else obj.spec.selector = selector;
  if (kind === "StatefulSet") obj.spec.serviceName = "web";
  return obj;
}

/** The pod rules' tables: [rule, case, mutation, expected fragment or null]. */
export const POD_CASES: [string, string, (s: PodSpec) => void, RegExp | null][] = [
  // The API server rejects privileged with allowPrivilegeEscalation false, and Unmasked without
  // hostUsers false, before admission: those cases add the second field so admission sees them.
  ["k8s-no-privileged", "privileged container", (s) => Object.assign(s.containers[0].securityContext, { privileged: true, allowPrivilegeEscalation: true }), /sets securityContext.privileged to true/], // prettier-ignore
  ["k8s-no-privileged", "privileged init container", (s) => Object.assign(s.initContainers[0].securityContext, { privileged: true, allowPrivilegeEscalation: true }), /init container "init"/], // prettier-ignore
  [
    "k8s-no-privileged",
    "privileged false",
    (s) => (s.containers[0].securityContext.privileged = false),
    null,
  ],
  [
    "k8s-no-privilege-escalation",
    "escalation true",
    (s) => (s.containers[0].securityContext.allowPrivilegeEscalation = true),
    /allowPrivilegeEscalation to true/,
  ],
  [
    "k8s-no-privilege-escalation",
    "escalation unset on init",
    (s) => delete s.initContainers[0].securityContext.allowPrivilegeEscalation,
    /does not set securityContext.allowPrivilegeEscalation/,
  ],
  [
    "k8s-run-as-non-root",
    "container overrides runAsNonRoot false",
    (s) => (s.containers[0].securityContext.runAsNonRoot = false),
    /runAsNonRoot is false/,
  ],
  ["k8s-run-as-non-root", "neither pod nor container sets it", (s) => { delete s.securityContext.runAsNonRoot; delete s.containers[0].securityContext.runAsNonRoot; }, /not set on the container or the pod/], // prettier-ignore
  [
    "k8s-run-as-non-root",
    "pod runAsUser 0",
    (s) => (s.securityContext.runAsUser = 0),
    /securityContext.runAsUser is 0/,
  ],
  [
    "k8s-run-as-non-root",
    "container runAsUser 0",
    (s) => (s.containers[0].securityContext.runAsUser = 0),
    /sets securityContext.runAsUser to 0/,
  ],
  ["k8s-run-as-non-root", "pod-level only", (s) => delete s.containers[0].securityContext.runAsNonRoot, null],
  ["k8s-run-as-non-root", "container-level only", (s) => { delete s.securityContext.runAsNonRoot; s.containers[0].securityContext.runAsNonRoot = true; s.initContainers[0].securityContext.runAsNonRoot = true; }, null], // prettier-ignore
  ["k8s-no-host-namespaces", "hostNetwork", (s) => (s.hostNetwork = true), /hostNetwork is true/],
  ["k8s-no-host-namespaces", "hostPID", (s) => (s.hostPID = true), /hostPID is true/],
  ["k8s-no-host-namespaces", "hostIPC", (s) => (s.hostIPC = true), /hostIPC is true/],
  [
    "k8s-no-host-path",
    "hostPath volume",
    (s) => s.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } }),
    /volume "docker" .*hostPath/,
  ],
  [
    "k8s-no-host-ports",
    "hostPort",
    (s) => (s.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]),
    /ports\[0\].hostPort to 80/,
  ],
  [
    "k8s-no-host-ports",
    "hostPort on init container",
    (s) => (s.initContainers[0].ports = [{ containerPort: 80, hostPort: 8080 }]),
    /init container/,
  ],
  [
    "k8s-no-host-ports",
    "hostPort 0",
    (s) => (s.containers[0].ports = [{ containerPort: 80, hostPort: 0 }]),
    null,
  ],
  [
    "k8s-drop-all-capabilities",
    "no drop",
    (s) => delete s.containers[0].securityContext.capabilities,
    /does not drop ALL/,
  ],
  [
    "k8s-drop-all-capabilities",
    "adds SYS_ADMIN",
    (s) => (s.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"]),
    /adds capabilities SYS_ADMIN/,
  ],
  [
    "k8s-drop-all-capabilities",
    "adds NET_BIND_SERVICE",
    (s) => (s.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"]),
    null,
  ],
  [
    "k8s-seccomp",
    "pod Unconfined",
    (s) => (s.securityContext.seccompProfile = { type: "Unconfined" }),
    /seccompProfile.type is Unconfined/,
  ],
  [
    "k8s-seccomp",
    "container Unconfined overrides pod",
    (s) => (s.containers[0].securityContext.seccompProfile = { type: "Unconfined" }),
    /container "app" .* Unconfined/,
  ],
  [
    "k8s-seccomp",
    "no profile anywhere",
    (s) => delete s.securityContext.seccompProfile,
    /has no seccomp profile/,
  ],
  ["k8s-seccomp", "container-level Localhost only", (s) => { delete s.securityContext.seccompProfile; for (const c of [...s.containers, ...s.initContainers]) c.securityContext.seccompProfile = { type: "Localhost", localhostProfile: "p.json" }; }, null], // prettier-ignore
  [
    "k8s-read-only-root-fs",
    "writable root",
    (s) => (s.containers[0].securityContext.readOnlyRootFilesystem = false),
    /readOnlyRootFilesystem/,
  ],
  [
    "k8s-default-proc-mount",
    "Unmasked",
    (s) => {
      s.containers[0].securityContext.procMount = "Unmasked";
      s.hostUsers = false;
    },
    /procMount to Unmasked/,
  ],
  [
    "k8s-requests-limits",
    "no memory limit",
    (s) => delete s.containers[0].resources.limits,
    /resources.limits.memory/,
  ],
  [
    "k8s-requests-limits",
    "no cpu request on init",
    (s) => delete s.initContainers[0].resources.requests.cpu,
    /init container .* resources.requests.cpu/,
  ],
  ["k8s-no-latest-tag", "no tag", (s) => (s.containers[0].image = "registry.acme.io/web"), /without a tag/],
  [
    "k8s-no-latest-tag",
    "latest",
    (s) => (s.containers[0].image = "registry.acme.io/web:latest"),
    /mutable tag latest/,
  ],
  [
    "k8s-no-latest-tag",
    "registry port, no tag",
    (s) => (s.containers[0].image = "localhost:5000/app"),
    /"localhost:5000\/app" without a tag/,
  ],
  [
    "k8s-no-latest-tag",
    "digest",
    (s) => (s.containers[0].image = "registry.acme.io/web@sha256:" + "a".repeat(64)),
    null,
  ],
  [
    "k8s-no-latest-tag",
    "registry port with tag",
    (s) => (s.containers[0].image = "localhost:5000/app:1.0"),
    null,
  ],
  [
    "k8s-allowed-registries",
    "docker hub",
    (s) => (s.containers[0].image = "nginx:1.27"),
    /from docker.io, which is not an allowed registry/,
  ],
  [
    "k8s-allowed-registries",
    "look-alike host",
    (s) => (s.containers[0].image = "registry.acme.io.evil.com/web:1"),
    /registry.acme.io.evil.com/,
  ],
  [
    "k8s-allowed-registries",
    "init container from ghcr",
    (s) => (s.initContainers[0].image = "ghcr.io/x/y:1"),
    /init container .* ghcr.io/,
  ],
  [
    "k8s-allowed-registries",
    "registry.k8s.io",
    (s) => (s.containers[0].image = "registry.k8s.io/pause:3.10"),
    null,
  ],
  [
    "k8s-no-secret-env-vars",
    "secretKeyRef",
    (s) => s.containers[0].env.push({ name: "DB", valueFrom: { secretKeyRef: { name: "db", key: "url" } } }),
    /valueFrom.secretKeyRef/,
  ],
  [
    "k8s-no-secret-env-vars",
    "envFrom secretRef",
    (s) => (s.containers[0].envFrom = [{ secretRef: { name: "db" } }]),
    /envFrom\[0\].secretRef/,
  ],
  [
    "k8s-no-automount-sa-token",
    "automount true",
    (s) => (s.automountServiceAccountToken = true),
    /automountServiceAccountToken to true/,
  ],
  ["k8s-probes", "no readiness probe", (s) => delete s.containers[0].readinessProbe, /has no readinessProbe/],
  ["k8s-probes", "startup instead of liveness", (s) => { s.containers[0].startupProbe = s.containers[0].livenessProbe; delete s.containers[0].livenessProbe; }, null], // prettier-ignore
];

/** Workload types every pod case runs on (as in k8s-pod.test.ts), and the compliant-spec types. */
export const CASE_TYPES = [
  "kubernetes:core/v1:Pod",
  "kubernetes:apps/v1:Deployment",
  "kubernetes:batch/v1:CronJob",
];

const meta = (extra: Record<string, unknown> = {}) => ({
  name: "x",
  namespace: "team-a",
  labels: { ...LABELS },
  ...extra,
});
const SVC = (namespace: string, type: string) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: meta({ namespace }),
  spec: { type, ports: [{ port: 80 }] },
});

/** The object rules' cases (k8s-objects.test.ts) for rules with a CEL form. */
export const OBJECT_CASES: CelCase[] = [
  {
    rule: "k8s-required-labels",
    case: "all labels",
    manifest: { apiVersion: "v1", kind: "ConfigMap", metadata: meta() },
    expected: null,
  },
  { rule: "k8s-required-labels", case: "missing name label", manifest: { apiVersion: "v1", kind: "ConfigMap", metadata: variant(meta(), (m) => delete (m.labels as Record<string, string>)["app.kubernetes.io/name"]) }, expected: /missing the label\(s\) app.kubernetes.io\/name/ }, // prettier-ignore
  {
    rule: "k8s-required-labels",
    case: "no labels at all",
    manifest: { apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } },
    expected: /app.kubernetes.io\/part-of/,
  },
  {
    rule: "k8s-no-default-namespace",
    case: "tenant namespace",
    manifest: { apiVersion: "v1", kind: "ConfigMap", metadata: meta() },
    expected: null,
  },
  { rule: "k8s-no-default-namespace", case: "default namespace", manifest: { apiVersion: "v1", kind: "ConfigMap", metadata: meta({ namespace: "default" }) }, expected: /sets metadata.namespace to "default"/ }, // prettier-ignore
  {
    rule: "k8s-no-default-namespace",
    case: "unset namespace",
    manifest: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } },
    expected: /does not set metadata.namespace/,
  },
  { rule: "k8s-no-default-namespace", case: "cluster-scoped kind", manifest: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "x", labels: { ...LABELS } } }, expected: null }, // prettier-ignore
  { rule: "k8s-no-automount-sa-token", case: "SA with false", manifest: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(), automountServiceAccountToken: false }, expected: null }, // prettier-ignore
  { rule: "k8s-no-automount-sa-token", case: "SA unset", manifest: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta() }, expected: /does not set automountServiceAccountToken to false/ }, // prettier-ignore
  { rule: "k8s-no-automount-sa-token", case: "SA opted in", manifest: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta({ annotations: { "platform.dev/automount-service-account-token": "true" } }) }, expected: null }, // prettier-ignore
  { rule: "k8s-service-types", case: "ClusterIP", manifest: SVC("team-a", "ClusterIP"), expected: null },
  { rule: "k8s-service-types", case: "NodePort", manifest: SVC("team-a", "NodePort"), expected: /NodePort/ },
  {
    rule: "k8s-service-types",
    case: "LoadBalancer in tenant ns",
    manifest: SVC("team-a", "LoadBalancer"),
    expected: /LoadBalancer in namespace/,
  },
  {
    rule: "k8s-service-types",
    case: "LoadBalancer in ingress ns",
    manifest: SVC("ingress-nginx", "LoadBalancer"),
    expected: null,
  },
  {
    rule: "k8s-no-plaintext-secret",
    case: "no data",
    manifest: { apiVersion: "v1", kind: "Secret", metadata: meta() },
    expected: null,
  },
  { rule: "k8s-no-plaintext-secret", case: "stringData", manifest: { apiVersion: "v1", kind: "Secret", metadata: meta(), stringData: { password: "x" } }, expected: /literal stringData \(password\)/ }, // prettier-ignore
  { rule: "k8s-no-plaintext-secret", case: "data", manifest: { apiVersion: "v1", kind: "Secret", metadata: meta(), data: { token: "eA==" } }, expected: /literal data/ }, // prettier-ignore
  { rule: "k8s-no-plaintext-secret", case: "SA token type", manifest: { apiVersion: "v1", kind: "Secret", metadata: meta({ annotations: { "kubernetes.io/service-account.name": "default" } }), type: "kubernetes.io/service-account-token", data: { token: "eA==" } }, expected: null }, // prettier-ignore
];

/** Every fixture: each pod case on each of CASE_TYPES, the compliant spec for every pod rule, the object cases. */
export function celCases(podRules: readonly string[]): CelCase[] {
  const out: CelCase[] = [];
  for (const [rule, name, mutate, expected] of POD_CASES) {
    for (const type of CASE_TYPES) {
      if (rule === "k8s-probes" && type.includes("batch/")) continue;
      out.push({
        rule,
        case: `${name} (${API[type][1]})`,
        manifest: workload(type, variant(goodPodSpec() as PodSpec, mutate)),
        expected,
      });
    }
  }
  for (const type of Object.keys(API)) {
    for (const rule of podRules) {
      if (rule === "k8s-probes" && type.includes("batch/")) continue;
      out.push({
        rule,
        case: `compliant ${API[type][1]}`,
        manifest: workload(type, goodPodSpec() as PodSpec),
        expected: null,
      });
    }
  }
  return [...out, ...OBJECT_CASES.map((c) => ({ ...c, manifest: structuredClone(c.manifest) }))];
}

/** The Pulumi type token of a manifest (what the TypeScript rules see). */
export function tokenOf(manifest: Record<string, unknown>): string {
  return typeToken(String(manifest.apiVersion), String(manifest.kind));
}
