/**
 * The pod rules' fixture table, one row per variation of the compliant pod spec with the
 * TypeScript verdict: k8s-pod.test.ts asserts it, and cel-cases.ts sends the same rows to the API
 * server for the admission conformance test.
 */
import { PSS_CASES } from "./k8s-pss-cases";
import { PodSpec } from "./k8s-workloads";

/** The workload types every pod case runs on: a bare pod, a controller template, a nested template. */
export const CASE_TYPES = [
  "kubernetes:core/v1:Pod",
  "kubernetes:apps/v1:Deployment",
  "kubernetes:batch/v1:CronJob",
];

/** False where a pod rule does not apply: k8s-probes on Jobs and CronJobs (they run to completion). */
export function podRuleApplies(rule: string, type: string): boolean {
  return !(rule === "k8s-probes" && type.includes("batch/"));
}

/** One variation of the compliant pod spec (`goodPodSpec`) and what the rule says of it. */
export interface PodCase {
  rule: string;
  case: string;
  mutate: (s: PodSpec) => void;
  /** A fragment of the expected message, or null when the variation complies. */
  expected: RegExp | null;
  /**
   * Admission only: what the API server also needs before admission sees the spec (it refuses
   * privileged without allowPrivilegeEscalation, and Unmasked without hostUsers false).
   */
  serverNeeds?: (s: PodSpec) => void;
  /** False when the API server refuses such a spec outright, so admission never sees it. @default true */
  admissible?: boolean;
  /** Annotations of the pod (or pod template) metadata, for the annotation forms. @default none */
  annotations?: Record<string, string>;
}

/** The pod rules' cases: every row runs on each of {@link CASE_TYPES} the rule applies to. */
export const POD_CASES: PodCase[] = [
  ...PSS_CASES,
  {
    rule: "k8s-no-privileged",
    case: "privileged container",
    mutate: (s) => (s.containers[0].securityContext.privileged = true),
    expected: /containers\[0\]\) sets securityContext.privileged to true/,
    serverNeeds: (s) => (s.containers[0].securityContext.allowPrivilegeEscalation = true),
  },
  {
    rule: "k8s-no-privileged",
    case: "privileged init container",
    mutate: (s) => (s.initContainers[0].securityContext.privileged = true),
    expected: /init container "init" \(.*initContainers\[0\]\)/,
    serverNeeds: (s) => (s.initContainers[0].securityContext.allowPrivilegeEscalation = true),
  },
  {
    rule: "k8s-no-privileged",
    case: "privileged ephemeral container",
    mutate: (s) =>
      (s.ephemeralContainers = [
        { name: "debug", image: "registry.acme.io/dbg:1", securityContext: { privileged: true } },
      ]),
    expected: /ephemeral container "debug"/,
    admissible: false,
  },
  {
    rule: "k8s-no-privileged",
    case: "privileged false",
    mutate: (s) => (s.containers[0].securityContext.privileged = false),
    expected: null,
  },
  {
    rule: "k8s-no-privilege-escalation",
    case: "escalation true",
    mutate: (s) => (s.containers[0].securityContext.allowPrivilegeEscalation = true),
    expected: /sets securityContext.allowPrivilegeEscalation to true/,
  },
  {
    rule: "k8s-no-privilege-escalation",
    case: "escalation unset on init",
    mutate: (s) => delete s.initContainers[0].securityContext.allowPrivilegeEscalation,
    expected: /init container .* does not set securityContext.allowPrivilegeEscalation/,
  },
  {
    rule: "k8s-run-as-non-root",
    case: "container overrides runAsNonRoot false",
    mutate: (s) => (s.containers[0].securityContext.runAsNonRoot = false),
    expected: /runAsNonRoot is false/,
  },
  {
    rule: "k8s-run-as-non-root",
    case: "neither pod nor container sets it",
    mutate: (s) => {
      delete s.securityContext.runAsNonRoot;
      delete s.containers[0].securityContext.runAsNonRoot;
    },
    expected: /not set on the container or the pod/,
  },
  {
    rule: "k8s-run-as-non-root",
    case: "pod runAsUser 0",
    mutate: (s) => (s.securityContext.runAsUser = 0),
    expected: /securityContext.runAsUser is 0/,
  },
  {
    rule: "k8s-run-as-non-root",
    case: "container runAsUser 0",
    mutate: (s) => (s.containers[0].securityContext.runAsUser = 0),
    expected: /sets securityContext.runAsUser to 0/,
  },
  {
    rule: "k8s-run-as-non-root",
    case: "pod-level only",
    mutate: (s) => delete s.containers[0].securityContext.runAsNonRoot,
    expected: null,
  },
  {
    rule: "k8s-run-as-non-root",
    case: "container-level only",
    mutate: (s) => {
      delete s.securityContext.runAsNonRoot;
      s.containers[0].securityContext.runAsNonRoot = true;
      s.initContainers[0].securityContext.runAsNonRoot = true;
    },
    expected: null,
  },
  {
    rule: "k8s-no-host-namespaces",
    case: "hostNetwork",
    mutate: (s) => (s.hostNetwork = true),
    expected: /hostNetwork is true/,
  },
  {
    rule: "k8s-no-host-namespaces",
    case: "hostPID",
    mutate: (s) => (s.hostPID = true),
    expected: /hostPID is true/,
  },
  {
    rule: "k8s-no-host-namespaces",
    case: "hostIPC",
    mutate: (s) => (s.hostIPC = true),
    expected: /hostIPC is true/,
  },
  {
    rule: "k8s-no-host-path",
    case: "hostPath volume",
    mutate: (s) => s.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } }),
    expected: /volume "docker" .*hostPath/,
  },
  {
    rule: "k8s-no-host-ports",
    case: "hostPort",
    mutate: (s) => (s.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]),
    expected: /ports\[0\].hostPort to 80/,
  },
  {
    rule: "k8s-no-host-ports",
    case: "hostPort on init container",
    mutate: (s) => (s.initContainers[0].ports = [{ containerPort: 80, hostPort: 8080 }]),
    expected: /init container/,
  },
  {
    rule: "k8s-no-host-ports",
    case: "hostPort 0",
    mutate: (s) => (s.containers[0].ports = [{ containerPort: 80, hostPort: 0 }]),
    expected: null,
  },
  {
    rule: "k8s-drop-all-capabilities",
    case: "no drop",
    mutate: (s) => delete s.containers[0].securityContext.capabilities,
    expected: /does not drop ALL/,
  },
  {
    rule: "k8s-drop-all-capabilities",
    case: "adds SYS_ADMIN",
    mutate: (s) => (s.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"]),
    expected: /adds capabilities SYS_ADMIN/,
  },
  {
    rule: "k8s-drop-all-capabilities",
    case: "adds NET_BIND_SERVICE",
    mutate: (s) => (s.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"]),
    expected: null,
  },
  {
    rule: "k8s-seccomp",
    case: "pod Unconfined",
    mutate: (s) => (s.securityContext.seccompProfile = { type: "Unconfined" }),
    expected: /seccompProfile.type is Unconfined/,
  },
  {
    rule: "k8s-seccomp",
    case: "container Unconfined overrides pod",
    mutate: (s) => (s.containers[0].securityContext.seccompProfile = { type: "Unconfined" }),
    expected: /container "app" .* Unconfined/,
  },
  {
    rule: "k8s-seccomp",
    case: "no profile anywhere",
    mutate: (s) => delete s.securityContext.seccompProfile,
    expected: /has no seccomp profile/,
  },
  {
    rule: "k8s-seccomp",
    case: "container-level Localhost only",
    mutate: (s) => {
      delete s.securityContext.seccompProfile;
      for (const c of [...s.containers, ...s.initContainers])
        c.securityContext.seccompProfile = { type: "Localhost", localhostProfile: "p.json" };
    },
    expected: null,
  },
  {
    rule: "k8s-read-only-root-fs",
    case: "writable root",
    mutate: (s) => (s.containers[0].securityContext.readOnlyRootFilesystem = false),
    expected: /readOnlyRootFilesystem/,
  },
  {
    rule: "k8s-default-proc-mount",
    case: "Unmasked",
    mutate: (s) => (s.containers[0].securityContext.procMount = "Unmasked"),
    expected: /procMount to Unmasked/,
    serverNeeds: (s) => (s.hostUsers = false),
  },
  {
    rule: "k8s-requests-limits",
    case: "no memory limit",
    mutate: (s) => delete s.containers[0].resources.limits,
    expected: /resources.limits.memory/,
  },
  {
    rule: "k8s-requests-limits",
    case: "no cpu request on init",
    mutate: (s) => delete s.initContainers[0].resources.requests.cpu,
    expected: /init container .* resources.requests.cpu/,
  },
  {
    rule: "k8s-no-latest-tag",
    case: "no tag",
    mutate: (s) => (s.containers[0].image = "registry.acme.io/web"),
    expected: /without a tag/,
  },
  {
    rule: "k8s-no-latest-tag",
    case: "latest",
    mutate: (s) => (s.containers[0].image = "registry.acme.io/web:latest"),
    expected: /mutable tag latest/,
  },
  {
    rule: "k8s-no-latest-tag",
    case: "registry port, no tag",
    mutate: (s) => (s.containers[0].image = "localhost:5000/app"),
    expected: /"localhost:5000\/app" without a tag/,
  },
  {
    rule: "k8s-no-latest-tag",
    case: "latest on ephemeral",
    mutate: (s) => (s.ephemeralContainers = [{ name: "dbg", image: "registry.acme.io/dbg:latest" }]),
    expected: /ephemeral container "dbg"/,
    admissible: false,
  },
  {
    rule: "k8s-no-latest-tag",
    case: "digest",
    mutate: (s) => (s.containers[0].image = "registry.acme.io/web@sha256:" + "a".repeat(64)),
    expected: null,
  },
  {
    rule: "k8s-no-latest-tag",
    case: "registry port with tag",
    mutate: (s) => (s.containers[0].image = "localhost:5000/app:1.0"),
    expected: null,
  },
  {
    rule: "k8s-allowed-registries",
    case: "docker hub",
    mutate: (s) => (s.containers[0].image = "nginx:1.27"),
    expected: /from docker.io, which is not an allowed registry/,
  },
  {
    rule: "k8s-allowed-registries",
    case: "look-alike host",
    mutate: (s) => (s.containers[0].image = "registry.acme.io.evil.com/web:1"),
    expected: /registry.acme.io.evil.com/,
  },
  {
    rule: "k8s-allowed-registries",
    case: "init container from ghcr",
    mutate: (s) => (s.initContainers[0].image = "ghcr.io/x/y:1"),
    expected: /init container .* ghcr.io/,
  },
  {
    rule: "k8s-allowed-registries",
    case: "registry.k8s.io",
    mutate: (s) => (s.containers[0].image = "registry.k8s.io/pause:3.10"),
    expected: null,
  },
  {
    rule: "k8s-no-secret-env-vars",
    case: "secretKeyRef",
    mutate: (s) =>
      s.containers[0].env.push({ name: "DB", valueFrom: { secretKeyRef: { name: "db", key: "url" } } }),
    expected: /valueFrom.secretKeyRef/,
  },
  {
    rule: "k8s-no-secret-env-vars",
    case: "envFrom secretRef",
    mutate: (s) => (s.containers[0].envFrom = [{ secretRef: { name: "db" } }]),
    expected: /envFrom\[0\].secretRef/,
  },
  {
    rule: "k8s-no-automount-sa-token",
    case: "automount true",
    mutate: (s) => (s.automountServiceAccountToken = true),
    expected: /automountServiceAccountToken to true/,
  },
  {
    rule: "k8s-probes",
    case: "no readiness probe",
    mutate: (s) => delete s.containers[0].readinessProbe,
    expected: /has no readinessProbe/,
  },
  {
    rule: "k8s-probes",
    case: "startup instead of liveness",
    mutate: (s) => {
      s.containers[0].startupProbe = s.containers[0].livenessProbe;
      delete s.containers[0].livenessProbe;
    },
    expected: null,
  },
];
