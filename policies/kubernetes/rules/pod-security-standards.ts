/**
 * The rest of the Pod Security Standards: HostProcess, SELinux, AppArmor, sysctls (baseline) and
 * volume types (restricted), with the standard's own allowed values (../podSecurityStandards.ts).
 * Pod-level and container-level settings are judged each on their own, as the standard does, over
 * regular, init and ephemeral containers; AppArmor also reads the deprecated per-container
 * annotation on the pod (or pod template) metadata.
 */
import { containersOf, describeContainer, podMetadataOf, podSpecPath } from "../../lib/k8s";
import { UNKNOWN, bool, get, list, rec, str } from "../../lib/read";
import { PlatformPolicy } from "../../lib/rule";
import {
  APPARMOR_ANNOTATION_PREFIX,
  APPARMOR_TYPES,
  OTHER_VOLUME_TYPES,
  PSS_URL,
  RESTRICTED_VOLUME_TYPES,
  SAFE_SYSCTLS,
  SELINUX_TYPES,
} from "../podSecurityStandards";
import { podRule } from "./pod";

/** The dotted path of the pod (template) metadata for messages: `spec.template.metadata`. */
export function podMetadataPath(type: string): string {
  const spec = podSpecPath(type);
  return spec === "spec" ? "metadata" : `${spec.slice(0, -".spec".length)}.metadata`;
}

const noHostProcess = podRule({
  name: "k8s-no-host-process",
  description: "Pods and containers must not run as Windows HostProcess containers.",
  level: "mandatory",
  severity: "critical",
  mirrors: 'PSS baseline "HostProcess"; Kyverno disallow-host-process',
  reference: PSS_URL,
  remediationSteps:
    "Remove securityContext.windowsOptions.hostProcess (or set it to false) at pod level and on every container, init container and ephemeral container.",
  check: ({ type, subject, spec, report }) => {
    if (bool(spec, "securityContext", "windowsOptions", "hostProcess") === true) {
      report(
        `${subject}: ${podSpecPath(type)}.securityContext.windowsOptions.hostProcess is true; remove it or set it to false.`,
      );
    }
    for (const ref of containersOf(type, spec)) {
      if (bool(ref.container, "securityContext", "windowsOptions", "hostProcess") === true) {
        report(
          `${subject}: ${describeContainer(ref)} sets securityContext.windowsOptions.hostProcess to true; remove it or set it to false.`,
        );
      }
    }
  },
});

const SELINUX_ALLOWED = `${SELINUX_TYPES.join(", ")}`;

/** SELinux findings of one seLinuxOptions object: `where` starts each message. */
function seLinuxFindings(options: unknown, where: string, verb: (field: string) => string): string[] {
  const out: string[] = [];
  const type = str(options, "type");
  if (typeof type === "string" && type !== "" && !SELINUX_TYPES.includes(type)) {
    out.push(`${where} ${verb("type")} ${type}; use one of ${SELINUX_ALLOWED}, or leave it unset.`);
  }
  for (const field of ["user", "role"]) {
    const value = str(options, field);
    if (typeof value === "string" && value !== "") out.push(`${where} ${verb(field)} ${value}; remove it.`);
  }
  return out;
}

const seLinux = podRule({
  name: "k8s-selinux",
  description: "SELinux options may only set an allowed type, and never a user or role.",
  level: "mandatory",
  severity: "high",
  mirrors: 'PSS baseline "SELinux"; Kyverno disallow-selinux',
  reference: PSS_URL,
  remediationSteps: `Remove seLinuxOptions.user and seLinuxOptions.role, and set seLinuxOptions.type only to ${SELINUX_ALLOWED} (or leave it unset), at pod level and on every container.`,
  check: ({ type, subject, spec, report }) => {
    const base = `${podSpecPath(type)}.securityContext.seLinuxOptions`;
    const pod = seLinuxFindings(
      get(spec, "securityContext", "seLinuxOptions"),
      `${subject}:`,
      (f) => `${base}.${f} is`,
    );
    pod.forEach((m) => report(m));
    for (const ref of containersOf(type, spec)) {
      seLinuxFindings(
        get(ref.container, "securityContext", "seLinuxOptions"),
        `${subject}: ${describeContainer(ref)}`,
        (f) => `sets securityContext.seLinuxOptions.${f} to`,
      ).forEach((m) => report(m));
    }
  },
});

const APPARMOR_FIX = "use RuntimeDefault or Localhost, or leave it unset.";

const appArmor = podRule({
  name: "k8s-apparmor",
  description:
    "AppArmor profiles must be unset, RuntimeDefault or Localhost (in the deprecated annotation: runtime/default or localhost/*).",
  level: "mandatory",
  severity: "high",
  mirrors: 'PSS baseline "AppArmor"; Kyverno restrict-apparmor-profiles',
  reference: PSS_URL,
  remediationSteps:
    "Set securityContext.appArmorProfile.type to RuntimeDefault (or Localhost with a localhostProfile), or leave it unset; replace container.apparmor.security.beta.kubernetes.io/* annotations by the field.",
  check: ({ type, subject, spec, props, report }) => {
    const annotations = rec(podMetadataOf(type, props), "annotations");
    if (annotations && annotations !== UNKNOWN) {
      for (const [key, value] of Object.entries(annotations)) {
        if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX) || typeof value !== "string") continue;
        if (value === "runtime/default" || value.startsWith("localhost/")) continue;
        report(
          `${subject}: annotation ${key} (${podMetadataPath(type)}.annotations) is ${value}; use runtime/default or localhost/<profile>, or remove it.`,
        );
      }
    }
    const podType = str(spec, "securityContext", "appArmorProfile", "type");
    if (typeof podType === "string" && !APPARMOR_TYPES.includes(podType)) {
      report(
        `${subject}: ${podSpecPath(type)}.securityContext.appArmorProfile.type is ${podType}; ${APPARMOR_FIX}`,
      );
    }
    for (const ref of containersOf(type, spec)) {
      const own = str(ref.container, "securityContext", "appArmorProfile", "type");
      if (typeof own === "string" && !APPARMOR_TYPES.includes(own)) {
        report(
          `${subject}: ${describeContainer(ref)} sets securityContext.appArmorProfile.type to ${own}; ${APPARMOR_FIX}`,
        );
      }
    }
  },
});

const safeSysctls = podRule({
  name: "k8s-safe-sysctls",
  description: "Pods may set only the safe sysctls of the Pod Security Standards.",
  level: "mandatory",
  severity: "high",
  mirrors: 'PSS baseline "Sysctls"; Kyverno restrict-sysctls',
  reference: PSS_URL,
  remediationSteps: `Remove every spec.securityContext.sysctls entry other than ${SAFE_SYSCTLS.join(", ")}.`,
  check: ({ type, subject, spec, report }) => {
    const sysctls = list(spec, "securityContext", "sysctls");
    if (sysctls === UNKNOWN) return;
    sysctls.forEach((entry, i) => {
      const name = str(entry, "name");
      if (typeof name === "string" && !SAFE_SYSCTLS.includes(name)) {
        report(
          `${subject}: ${podSpecPath(type)}.securityContext.sysctls[${i}] sets ${name}, which is not a safe sysctl of the Pod Security Standards; remove it.`,
        );
      }
    });
  },
});

const VOLUME_FIX = `use ${RESTRICTED_VOLUME_TYPES.slice(0, -1).join(", ")} or ${RESTRICTED_VOLUME_TYPES.at(-1)}`;

const volumeTypes = podRule({
  name: "k8s-volume-types",
  description: "Pods may mount only the volume types the restricted Pod Security Standard allows.",
  level: "mandatory-in-production",
  severity: "medium",
  mirrors: 'PSS restricted "Volume Types"; Kyverno restrict-volume-types',
  reference: PSS_URL,
  remediationSteps: `Replace other volumes by a PersistentVolumeClaim (the PersistentVolume may use any type) or one of ${RESTRICTED_VOLUME_TYPES.join(", ")}.`,
  check: ({ type, subject, spec, report }) => {
    const volumes = list(spec, "volumes");
    if (volumes === UNKNOWN) return;
    volumes.forEach((volume, i) => {
      const v = rec(volume);
      if (!v || v === UNKNOWN) return;
      const present = (k: string) => v[k] !== undefined && v[k] !== null;
      if (RESTRICTED_VOLUME_TYPES.some(present)) return;
      const kind = OTHER_VOLUME_TYPES.find(present) ?? "an unknown type";
      const name = str(v, "name");
      report(
        `${subject}: volume "${typeof name === "string" ? name : i}" (${podSpecPath(type)}.volumes[${i}]) is ${kind}, which the restricted Pod Security Standard does not allow; ${VOLUME_FIX}.`,
      );
    });
  },
});

export const podSecurityStandardRules: PlatformPolicy[] = [
  noHostProcess,
  seLinux,
  appArmor,
  safeSysctls,
  volumeTypes,
];

/** The CEL (admission) forms of these rules, same names and messages: ./pod-security-standards.cel.ts */
export { podSecurityStandardCel } from "./pod-security-standards.cel";
