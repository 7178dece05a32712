/**
 * The Kubernetes Pod Security Standards (baseline and restricted) as data: every control of both
 * levels, the platform rule that implements it, and the standard's own lists of allowed values.
 * `platform policy check --standard`, the table in docs/policies.md and the metadata tests read it from here.
 * Imports nothing: the CLI reads it without loading any rule.
 */

/** The standard's page, linked from every rule that implements one of its controls. */
export const PSS_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";

/** The two levels with controls (privileged has none). */
export const PSS_LEVELS = ["baseline", "restricted"] as const;
export type PssLevel = (typeof PSS_LEVELS)[number];

/** One control of the standard and the rule that implements it. */
export interface PssControl {
  level: PssLevel;
  /** The control's name as the standard writes it: `HostProcess`, `Volume Types`. */
  control: string;
  /** The platform rule (same name in the engine pack, the offline check and admission). */
  rule: string;
}

/** Every control of both levels, in the standard's order. */
export const PSS_CONTROLS: readonly PssControl[] = [
  { level: "baseline", control: "HostProcess", rule: "k8s-no-host-process" },
  { level: "baseline", control: "Host Namespaces", rule: "k8s-no-host-namespaces" },
  { level: "baseline", control: "Privileged Containers", rule: "k8s-no-privileged" },
  { level: "baseline", control: "Capabilities", rule: "k8s-drop-all-capabilities" },
  { level: "baseline", control: "HostPath Volumes", rule: "k8s-no-host-path" },
  { level: "baseline", control: "Host Ports", rule: "k8s-no-host-ports" },
  { level: "baseline", control: "AppArmor", rule: "k8s-apparmor" },
  { level: "baseline", control: "SELinux", rule: "k8s-selinux" },
  { level: "baseline", control: "/proc Mount Type", rule: "k8s-default-proc-mount" },
  { level: "baseline", control: "Seccomp", rule: "k8s-seccomp" },
  { level: "baseline", control: "Sysctls", rule: "k8s-safe-sysctls" },
  { level: "restricted", control: "Volume Types", rule: "k8s-volume-types" },
  { level: "restricted", control: "Privilege Escalation", rule: "k8s-no-privilege-escalation" },
  { level: "restricted", control: "Running as Non-root", rule: "k8s-run-as-non-root" },
  { level: "restricted", control: "Running as Non-root user", rule: "k8s-run-as-non-root" },
  { level: "restricted", control: "Seccomp", rule: "k8s-seccomp" },
  { level: "restricted", control: "Capabilities", rule: "k8s-drop-all-capabilities" },
];

/**
 * The rules a level runs: the standard is cumulative, so `restricted` is every baseline control
 * plus its own. Each rule once, in the order of {@link PSS_CONTROLS}.
 */
export function rulesOfStandard(level: PssLevel): string[] {
  const levels: PssLevel[] = level === "baseline" ? ["baseline"] : ["baseline", "restricted"];
  return [...new Set(PSS_CONTROLS.filter((c) => levels.includes(c.level)).map((c) => c.rule))];
}

/** The controls a rule implements (empty for rules outside the standard). */
export function controlsOfRule(rule: string): PssControl[] {
  return PSS_CONTROLS.filter((c) => c.rule === rule);
}

/** `baseline HostProcess; restricted Seccomp` for reports; "" for rules outside the standard. */
export function describeControls(rule: string): string {
  return controlsOfRule(rule)
    .map((c) => `${c.level} ${c.control}`)
    .join("; ");
}

/** Baseline "SELinux": the allowed `seLinuxOptions.type` values (unset and "" are allowed too). */
export const SELINUX_TYPES: readonly string[] = [
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
];

/** Baseline "AppArmor": the allowed `appArmorProfile.type` values of the field (or unset). */
export const APPARMOR_TYPES: readonly string[] = ["RuntimeDefault", "Localhost"];

/** The deprecated per-container AppArmor annotation, `<prefix><container name>`. */
export const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

/** Baseline "Sysctls": the safe sysctls (everything else is refused). */
export const SAFE_SYSCTLS: readonly string[] = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
];

/** Restricted "Volume Types": the only volume sources a pod may use. */
export const RESTRICTED_VOLUME_TYPES: readonly string[] = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

/**
 * Every other volume source of core/v1 Volume, in the API's order: the types the restricted level
 * refuses. The CEL form names a refused volume's type from this list (it cannot list an object's
 * keys), so the TypeScript rule uses the same list, first match wins.
 */
export const OTHER_VOLUME_TYPES: readonly string[] = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "image",
];
