/**
 * Fixture rows of the rest of the Pod Security Standards (HostProcess, SELinux, AppArmor, sysctls,
 * volume types): one property of the compliant pod spec changed per row, refused and allowed
 * values of the standard's own lists, pod-level and container-level settings, init and ephemeral
 * containers and the deprecated AppArmor annotation. Part of POD_CASES (k8s-pod-cases.ts), so the
 * rule tests and the admission conformance test both run them.
 */
import type { PodCase } from "./k8s-pod-cases";
import type { PodSpec } from "./k8s-workloads";

type Sc = Record<string, unknown>;
const sc = (c: Record<string, unknown>) => c.securityContext as Sc;
const ephemeral = (securityContext: Sc) => [
  { name: "debug", image: "registry.acme.io/dbg:1", securityContext },
];
/** The API server accepts HostProcess only with hostNetwork and every container a HostProcess one. */
const allHostProcess = (s: PodSpec) => {
  s.hostNetwork = true;
  for (const c of [...s.containers, ...s.initContainers]) sc(c).windowsOptions = { hostProcess: true };
};
const APPARMOR = "container.apparmor.security.beta.kubernetes.io/app";

export const PSS_CASES: PodCase[] = [
  {
    rule: "k8s-no-host-process",
    case: "pod-level hostProcess",
    mutate: (s) => (s.securityContext.windowsOptions = { hostProcess: true }),
    expected: /securityContext.windowsOptions.hostProcess is true/,
    serverNeeds: (s) => (s.hostNetwork = true),
  },
  {
    rule: "k8s-no-host-process",
    case: "container hostProcess",
    mutate: (s) => (sc(s.containers[0]).windowsOptions = { hostProcess: true }),
    expected: /container "app" \(.*containers\[0\]\) sets securityContext.windowsOptions.hostProcess to true/,
    serverNeeds: allHostProcess,
  },
  {
    rule: "k8s-no-host-process",
    case: "init container hostProcess",
    mutate: (s) => (sc(s.initContainers[0]).windowsOptions = { hostProcess: true }),
    expected: /init container "init" .*windowsOptions.hostProcess to true/,
    serverNeeds: allHostProcess,
  },
  {
    rule: "k8s-no-host-process",
    case: "ephemeral container hostProcess",
    mutate: (s) => (s.ephemeralContainers = ephemeral({ windowsOptions: { hostProcess: true } })),
    expected: /ephemeral container "debug" .*hostProcess to true/,
    admissible: false,
  },
  {
    rule: "k8s-no-host-process",
    case: "hostProcess false",
    mutate: (s) => (s.securityContext.windowsOptions = { hostProcess: false }),
    expected: null,
  },
  {
    rule: "k8s-selinux",
    case: "pod-level type spc_t",
    mutate: (s) => (s.securityContext.seLinuxOptions = { type: "spc_t" }),
    expected: /securityContext.seLinuxOptions.type is spc_t; use one of container_t/,
  },
  {
    rule: "k8s-selinux",
    case: "container type unconfined_t",
    mutate: (s) => (sc(s.containers[0]).seLinuxOptions = { type: "unconfined_t" }),
    expected: /container "app" .* sets securityContext.seLinuxOptions.type to unconfined_t/,
  },
  {
    rule: "k8s-selinux",
    case: "init container user",
    mutate: (s) => (sc(s.initContainers[0]).seLinuxOptions = { user: "system_u" }),
    expected: /init container "init" .*seLinuxOptions.user to system_u; remove it/,
  },
  {
    rule: "k8s-selinux",
    case: "pod-level role",
    mutate: (s) => (s.securityContext.seLinuxOptions = { role: "system_r" }),
    expected: /securityContext.seLinuxOptions.role is system_r; remove it/,
  },
  {
    rule: "k8s-selinux",
    case: "ephemeral container type spc_t",
    mutate: (s) => (s.ephemeralContainers = ephemeral({ seLinuxOptions: { type: "spc_t" } })),
    expected: /ephemeral container "debug"/,
    admissible: false,
  },
  ...["container_t", "container_init_t", "container_kvm_t", "container_engine_t", ""].map(
    (type): PodCase => ({
      rule: "k8s-selinux",
      case: `allowed type "${type}"`,
      mutate: (s) => (sc(s.containers[0]).seLinuxOptions = { type }),
      expected: null,
    }),
  ),
  {
    rule: "k8s-selinux",
    case: "level only",
    mutate: (s) => (s.securityContext.seLinuxOptions = { level: "s0:c123,c456" }),
    expected: null,
  },
  {
    rule: "k8s-apparmor",
    case: "container field Unconfined",
    mutate: (s) => (sc(s.containers[0]).appArmorProfile = { type: "Unconfined" }),
    expected: /container "app" .* sets securityContext.appArmorProfile.type to Unconfined/,
  },
  {
    rule: "k8s-apparmor",
    case: "pod-level field Unconfined",
    mutate: (s) => (s.securityContext.appArmorProfile = { type: "Unconfined" }),
    expected: /securityContext.appArmorProfile.type is Unconfined/,
  },
  {
    rule: "k8s-apparmor",
    case: "init container field Unconfined",
    mutate: (s) => (sc(s.initContainers[0]).appArmorProfile = { type: "Unconfined" }),
    expected: /init container "init"/,
  },
  {
    rule: "k8s-apparmor",
    case: "ephemeral container field Unconfined",
    mutate: (s) => (s.ephemeralContainers = ephemeral({ appArmorProfile: { type: "Unconfined" } })),
    expected: /ephemeral container "debug"/,
    admissible: false,
  },
  {
    rule: "k8s-apparmor",
    case: "annotation unconfined",
    mutate: () => undefined,
    annotations: { [APPARMOR]: "unconfined" },
    expected:
      /annotation container.apparmor.security.beta.kubernetes.io\/app \(.*metadata.annotations\) is unconfined/,
  },
  {
    rule: "k8s-apparmor",
    case: "field RuntimeDefault",
    mutate: (s) => (s.securityContext.appArmorProfile = { type: "RuntimeDefault" }),
    expected: null,
  },
  {
    rule: "k8s-apparmor",
    case: "container field Localhost",
    mutate: (s) => (sc(s.containers[0]).appArmorProfile = { type: "Localhost", localhostProfile: "k8s-web" }),
    expected: null,
  },
  {
    rule: "k8s-apparmor",
    case: "annotation runtime/default",
    mutate: () => undefined,
    annotations: { [APPARMOR]: "runtime/default" },
    expected: null,
  },
  {
    rule: "k8s-apparmor",
    case: "annotation localhost/profile",
    mutate: () => undefined,
    annotations: { [APPARMOR]: "localhost/k8s-web" },
    expected: null,
  },
  {
    rule: "k8s-safe-sysctls",
    case: "unsafe kernel.msgmax",
    mutate: (s) => (s.securityContext.sysctls = [{ name: "kernel.msgmax", value: "65536" }]),
    expected: /securityContext.sysctls\[0\] sets kernel.msgmax, which is not a safe sysctl/,
  },
  {
    rule: "k8s-safe-sysctls",
    case: "unsafe after a safe one",
    mutate: (s) =>
      (s.securityContext.sysctls = [
        { name: "net.ipv4.tcp_syncookies", value: "1" },
        { name: "net.core.somaxconn", value: "1024" },
      ]),
    expected: /sysctls\[1\] sets net.core.somaxconn/,
  },
  ...[
    ["kernel.shm_rmid_forced", "1"],
    ["net.ipv4.ip_local_port_range", "1024 65000"],
    ["net.ipv4.ip_unprivileged_port_start", "80"],
    ["net.ipv4.ping_group_range", "0 2147483647"],
    ["net.ipv4.ip_local_reserved_ports", "8080"],
    ["net.ipv4.tcp_keepalive_time", "600"],
    ["net.ipv4.tcp_fin_timeout", "30"],
    ["net.ipv4.tcp_keepalive_intvl", "15"],
    ["net.ipv4.tcp_keepalive_probes", "5"],
  ].map(([name, value]): PodCase => ({
    rule: "k8s-safe-sysctls",
    case: `safe ${name}`,
    mutate: (s) => (s.securityContext.sysctls = [{ name, value }]),
    expected: null,
  })),
  {
    rule: "k8s-volume-types",
    case: "nfs volume",
    mutate: (s) => s.volumes.push({ name: "data", nfs: { server: "nfs.acme.io", path: "/export" } }),
    expected:
      /volume "data" \(.*volumes\[1\]\) is nfs, which the restricted Pod Security Standard does not allow/,
  },
  {
    rule: "k8s-volume-types",
    case: "hostPath volume",
    mutate: (s) => s.volumes.push({ name: "host", hostPath: { path: "/var/log" } }),
    expected: /volume "host" .* is hostPath/,
  },
  ...[
    { name: "cfg", configMap: { name: "web" } },
    { name: "pvc", persistentVolumeClaim: { claimName: "data" } },
    { name: "token", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } },
    { name: "creds", secret: { secretName: "web" } },
    {
      name: "info",
      downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
    },
    { name: "inline", csi: { driver: "secrets-store.csi.k8s.io" } },
  ].map((volume): PodCase => ({
    rule: "k8s-volume-types",
    case: `allowed ${Object.keys(volume)[1]} volume`,
    mutate: (s) => s.volumes.push(volume),
    expected: null,
  })),
];
