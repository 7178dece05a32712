/**
 * Pod security rules (Kyverno pod-security baseline/restricted). Every rule covers regular, init
 * and ephemeral containers; fields that exist at pod and container level (runAsNonRoot, runAsUser,
 * seccompProfile) resolve the way Kubernetes does: the container's value wins over the pod's.
 */
import { containersOf, describeContainer, effectiveSecurity, podSpecPath } from "../../lib/k8s";
import { UNKNOWN, bool, get, list, num, str, strings } from "../../lib/read";
import { PlatformPolicy } from "../../lib/rule";
import { podRule } from "./pod";

const noPrivileged = podRule({
  name: "k8s-no-privileged",
  description: "Containers must not run privileged.",
  level: "mandatory",
  severity: "critical",
  mirrors: "Kyverno disallow-privileged-containers",
  remediationSteps:
    "Remove securityContext.privileged or set it to false on every container, init container and ephemeral container; grant only the specific capability the workload needs.",
  check: ({ type, subject, spec, report }) => {
    for (const ref of containersOf(type, spec)) {
      if (bool(ref.container, "securityContext", "privileged") === true) {
        report(
          `${subject}: ${describeContainer(ref)} sets securityContext.privileged to true; remove it or set it to false.`,
        );
      }
    }
  },
});

const noPrivilegeEscalation = podRule({
  name: "k8s-no-privilege-escalation",
  description: "Containers must set allowPrivilegeEscalation to false.",
  level: "mandatory",
  severity: "high",
  mirrors: "Kyverno disallow-privilege-escalation",
  remediationSteps:
    "Set securityContext.allowPrivilegeEscalation: false on every container, init container and ephemeral container.",
  check: ({ type, subject, spec, report }) => {
    for (const ref of containersOf(type, spec)) {
      const value = bool(ref.container, "securityContext", "allowPrivilegeEscalation");
      if (value === UNKNOWN || value === false) continue;
      report(
        `${subject}: ${describeContainer(ref)} ${value === true ? "sets securityContext.allowPrivilegeEscalation to true" : "does not set securityContext.allowPrivilegeEscalation"}; set it to false.`,
      );
    }
  },
});

const runAsNonRoot = podRule({
  name: "k8s-run-as-non-root",
  description:
    "Containers must run as a non-root user: runAsNonRoot true (pod or container) and runAsUser never 0.",
  level: "mandatory-in-production",
  severity: "high",
  mirrors: "Kyverno require-run-as-nonroot, require-run-as-non-root-user",
  remediationSteps:
    "Set securityContext.runAsNonRoot: true at pod level (or on every container) and a non-zero runAsUser, e.g. 65532 for distroless images.",
  check: ({ type, subject, spec, report }) => {
    const base = podSpecPath(type);
    if (num(spec, "securityContext", "runAsUser") === 0) {
      report(
        `${subject}: ${base}.securityContext.runAsUser is 0 (root); set it to a non-zero UID such as 65532.`,
      );
    }
    for (const ref of containersOf(type, spec)) {
      const nonRoot = effectiveSecurity(spec, ref, "runAsNonRoot");
      if (nonRoot !== UNKNOWN && nonRoot !== true) {
        report(
          `${subject}: ${describeContainer(ref)} may run as root because runAsNonRoot is ${nonRoot === false ? "false" : "not set on the container or the pod"}; set securityContext.runAsNonRoot: true.`,
        );
      }
      if (num(ref.container, "securityContext", "runAsUser") === 0) {
        report(
          `${subject}: ${describeContainer(ref)} sets securityContext.runAsUser to 0 (root); use a non-zero UID.`,
        );
      }
    }
  },
});

const noHostNamespaces = podRule({
  name: "k8s-no-host-namespaces",
  description: "Pods must not share the host's network, PID or IPC namespace.",
  level: "mandatory",
  severity: "high",
  mirrors: "Kyverno disallow-host-namespaces",
  remediationSteps: "Remove hostNetwork, hostPID and hostIPC from the pod spec, or set them to false.",
  check: ({ type, subject, spec, report }) => {
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
      if (bool(spec, field) === true) {
        report(`${subject}: ${podSpecPath(type)}.${field} is true; remove it or set it to false.`);
      }
    }
  },
});

const noHostPath = podRule({
  name: "k8s-no-host-path",
  description: "Pods must not mount hostPath volumes.",
  level: "mandatory",
  severity: "high",
  mirrors: "Kyverno disallow-host-path",
  remediationSteps:
    "Replace hostPath volumes with a PersistentVolumeClaim, a ConfigMap/Secret, or an emptyDir.",
  check: ({ type, subject, spec, report }) => {
    const volumes = list(spec, "volumes");
    if (volumes === UNKNOWN) return;
    volumes.forEach((volume, i) => {
      const hostPath = get(volume, "hostPath");
      if (hostPath !== undefined && hostPath !== UNKNOWN && hostPath !== null) {
        const name = str(volume, "name");
        report(
          `${subject}: volume "${typeof name === "string" ? name : i}" (${podSpecPath(type)}.volumes[${i}].hostPath) mounts a host path; use a PersistentVolumeClaim, ConfigMap, Secret or emptyDir instead.`,
        );
      }
    });
  },
});

const noHostPorts = podRule({
  name: "k8s-no-host-ports",
  description: "Containers must not bind host ports.",
  level: "mandatory",
  severity: "medium",
  mirrors: "Kyverno disallow-host-ports",
  remediationSteps:
    "Remove ports[].hostPort (or set it to 0) and expose the container through a Service instead.",
  check: ({ type, subject, spec, report }) => {
    for (const ref of containersOf(type, spec)) {
      const ports = list(ref.container, "ports");
      if (ports === UNKNOWN) continue;
      ports.forEach((port, i) => {
        const hostPort = num(port, "hostPort");
        if (typeof hostPort === "number" && hostPort !== 0) {
          report(
            `${subject}: ${describeContainer(ref)} sets ports[${i}].hostPort to ${hostPort}; remove hostPort and expose the port through a Service.`,
          );
        }
      });
    }
  },
});

const dropAll = podRule({
  name: "k8s-drop-all-capabilities",
  description: "Containers must drop ALL capabilities and add back only the allowed ones (NET_BIND_SERVICE).",
  level: "mandatory-in-production",
  severity: "medium",
  mirrors: "Kyverno require-drop-all, disallow-capabilities-strict",
  remediationSteps:
    'Set securityContext.capabilities.drop: ["ALL"] on every container and add back at most NET_BIND_SERVICE.',
  configSchema: {
    properties: {
      allowedAdd: { type: "array", items: { type: "string" }, default: ["NET_BIND_SERVICE"] },
    },
  },
  check: ({ type, subject, spec, args, report }) => {
    const { allowedAdd } = args.getConfig<{ allowedAdd: string[] }>();
    for (const ref of containersOf(type, spec)) {
      const drop = strings(ref.container, "securityContext", "capabilities", "drop");
      if (drop !== UNKNOWN && !drop.includes("ALL")) {
        report(
          `${subject}: ${describeContainer(ref)} does not drop ALL capabilities; set securityContext.capabilities.drop: ["ALL"].`,
        );
      }
      const add = strings(ref.container, "securityContext", "capabilities", "add");
      if (add === UNKNOWN) continue;
      const extra = add.filter((cap) => !allowedAdd.includes(cap.replace(/^CAP_/, "")));
      if (extra.length > 0) {
        report(
          `${subject}: ${describeContainer(ref)} adds capabilities ${extra.join(", ")} in securityContext.capabilities.add; only ${allowedAdd.join(", ") || "none"} may be added.`,
        );
      }
    }
  },
});

const SECCOMP_OK = new Set(["RuntimeDefault", "Localhost"]);

const seccomp = podRule({
  name: "k8s-seccomp",
  description: "Pods must use the RuntimeDefault or a Localhost seccomp profile.",
  level: "advisory",
  severity: "medium",
  mirrors: "Kyverno restrict-seccomp-strict",
  remediationSteps:
    "Set securityContext.seccompProfile.type: RuntimeDefault at pod level, and do not override it with Unconfined on any container.",
  check: ({ type, subject, spec, report }) => {
    const podType = str(spec, "securityContext", "seccompProfile", "type");
    if (typeof podType === "string" && !SECCOMP_OK.has(podType)) {
      report(
        `${subject}: ${podSpecPath(type)}.securityContext.seccompProfile.type is ${podType}; set it to RuntimeDefault or Localhost.`,
      );
    }
    for (const ref of containersOf(type, spec)) {
      const own = str(ref.container, "securityContext", "seccompProfile", "type");
      if (own === UNKNOWN) continue;
      if (typeof own === "string") {
        if (!SECCOMP_OK.has(own)) {
          report(
            `${subject}: ${describeContainer(ref)} sets securityContext.seccompProfile.type to ${own}; use RuntimeDefault or Localhost.`,
          );
        }
      } else if (podType === undefined) {
        report(
          `${subject}: ${describeContainer(ref)} has no seccomp profile (neither the pod nor the container sets securityContext.seccompProfile); set type RuntimeDefault at pod level.`,
        );
      }
    }
  },
});

const readOnlyRootFs = podRule({
  name: "k8s-read-only-root-fs",
  description: "Containers must mount their root filesystem read-only.",
  level: "advisory",
  severity: "medium",
  mirrors: "Kyverno require-ro-rootfs",
  remediationSteps:
    "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process needs to write.",
  check: ({ type, subject, spec, report }) => {
    for (const ref of containersOf(type, spec)) {
      const value = bool(ref.container, "securityContext", "readOnlyRootFilesystem");
      if (value !== UNKNOWN && value !== true) {
        report(
          `${subject}: ${describeContainer(ref)} does not set securityContext.readOnlyRootFilesystem to true; set it and mount an emptyDir for writable paths.`,
        );
      }
    }
  },
});

const noProcMount = podRule({
  name: "k8s-default-proc-mount",
  description: "Containers must use the Default /proc mount.",
  level: "mandatory",
  severity: "medium",
  mirrors: "Kyverno disallow-proc-mount",
  remediationSteps: "Remove securityContext.procMount or set it to Default.",
  check: ({ type, subject, spec, report }) => {
    for (const ref of containersOf(type, spec)) {
      const value = str(ref.container, "securityContext", "procMount");
      if (typeof value === "string" && value !== "Default") {
        report(
          `${subject}: ${describeContainer(ref)} sets securityContext.procMount to ${value}; remove it or set it to Default.`,
        );
      }
    }
  },
});

export const podSecurityRules: PlatformPolicy[] = [
  noPrivileged,
  noPrivilegeEscalation,
  runAsNonRoot,
  noHostNamespaces,
  noHostPath,
  noHostPorts,
  dropAll,
  seccomp,
  readOnlyRootFs,
  noProcMount,
];

/** The CEL (admission) forms of these rules, same names and messages: ./pod-security.cel.ts */
export { podSecurityCel } from "./pod-security.cel";
