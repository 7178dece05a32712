/**
 * CEL forms (ValidatingAdmissionPolicy) of the rules in ./pod-security-standards.ts: same names,
 * same messages, over Pods, every pod template and regular, init and ephemeral containers.
 */
import { CelRule, CelVariable, cel, perContainer, podVariables, scHas } from "../cel/lib";
import {
  APPARMOR_ANNOTATION_PREFIX,
  APPARMOR_TYPES,
  OTHER_VOLUME_TYPES,
  RESTRICTED_VOLUME_TYPES,
  SAFE_SYSCTLS,
  SELINUX_TYPES,
} from "../podSecurityStandards";

/** A pod rule whose findings variable is `findings`, after the pod variables and `extra`. */
function podCel(name: string, message: string, findings: string, extra: CelVariable[] = []): CelRule {
  return {
    name,
    message,
    match: "pods",
    variables: () => [...podVariables(), ...extra, { name: "findings", expression: findings }],
  };
}

const POD_SC = "variables.spec.securityContext";
/** CEL: the pod's securityContext has `path` (dotted, each step checked). */
const podHas = (path: string) => {
  const steps = path.split(".");
  return `(has(${POD_SC}) && ${steps.map((_, i) => `has(${POD_SC}.${steps.slice(0, i + 1).join(".")})`).join(" && ")})`;
};
/** CEL: a one-message list when `bad`, else empty. */
const podFinding = (bad: string, text: string) =>
  `(${bad} ? [variables.subject + ': ' + variables.base + ${text}] : [])`;

const SELINUX_FIX = `; use one of ${SELINUX_TYPES.join(", ")}, or leave it unset.`;

function seLinuxCel(): string {
  const pod = `${POD_SC}.seLinuxOptions`;
  const own = "r.c.securityContext.seLinuxOptions";
  const badType = (o: string) => `has(${o}.type) && ${o}.type != '' && !(${o}.type in ${cel(SELINUX_TYPES)})`;
  const set = (o: string, f: string) => `has(${o}.${f}) && ${o}.${f} != ''`;
  return [
    podFinding(
      `${podHas("seLinuxOptions")} && ${badType(pod)}`,
      `'.securityContext.seLinuxOptions.type is ' + ${pod}.type + ${cel(SELINUX_FIX)}`,
    ),
    ...["user", "role"].map((f) =>
      podFinding(
        `${podHas("seLinuxOptions")} && ${set(pod, f)}`,
        `'.securityContext.seLinuxOptions.${f} is ' + ${pod}.${f} + '; remove it.'`,
      ),
    ),
    perContainer(
      `${scHas("seLinuxOptions")} && ${badType(own)}`,
      `'sets securityContext.seLinuxOptions.type to ' + ${own}.type + ${cel(SELINUX_FIX)}`,
    ),
    ...["user", "role"].map((f) =>
      perContainer(
        `${scHas("seLinuxOptions")} && ${set(own, f)}`,
        `'sets securityContext.seLinuxOptions.${f} to ' + ${own}.${f} + '; remove it.'`,
      ),
    ),
  ].join(" + ");
}

/** `podAnnotations` (the pod's or template's, {} when none) and `metaPath` for messages. */
const POD_METADATA: CelVariable[] = [
  {
    name: "podAnnotations",
    expression: [
      "object.kind == 'Pod' ? (has(object.metadata.annotations) ? object.metadata.annotations : {}) : ",
      "object.kind == 'CronJob' ? (has(object.spec.jobTemplate.spec.template.metadata) && has(object.spec.jobTemplate.spec.template.metadata.annotations) ? object.spec.jobTemplate.spec.template.metadata.annotations : {}) : ",
      "(has(object.spec.template.metadata) && has(object.spec.template.metadata.annotations) ? object.spec.template.metadata.annotations : {})",
    ].join(""),
  },
  {
    name: "metaPath",
    expression:
      "object.kind == 'Pod' ? 'metadata' : object.kind == 'CronJob' ? 'spec.jobTemplate.spec.template.metadata' : 'spec.template.metadata'",
  },
];

function appArmorCel(): string {
  const fix = "; use RuntimeDefault or Localhost, or leave it unset.";
  const prefix = cel(APPARMOR_ANNOTATION_PREFIX);
  const badValue =
    "!(variables.podAnnotations[k] == 'runtime/default' || variables.podAnnotations[k].startsWith('localhost/'))";
  return [
    `variables.podAnnotations.filter(k, k.startsWith(${prefix}) && ${badValue}).map(k, variables.subject + ': annotation ' + k + ' (' + variables.metaPath + '.annotations) is ' + variables.podAnnotations[k] + '; use runtime/default or localhost/<profile>, or remove it.')`,
    podFinding(
      `${podHas("appArmorProfile.type")} && !(${POD_SC}.appArmorProfile.type in ${cel(APPARMOR_TYPES)})`,
      `'.securityContext.appArmorProfile.type is ' + ${POD_SC}.appArmorProfile.type + ${cel(fix)}`,
    ),
    perContainer(
      `${scHas("appArmorProfile")} && !(r.c.securityContext.appArmorProfile.type in ${cel(APPARMOR_TYPES)})`,
      `'sets securityContext.appArmorProfile.type to ' + r.c.securityContext.appArmorProfile.type + ${cel(fix)}`,
    ),
  ].join(" + ");
}

function volumeTypesCel(): string {
  const allowed = RESTRICTED_VOLUME_TYPES.map((t) => `has(v.${t})`).join(" || ");
  const kind = OTHER_VOLUME_TYPES.reduceRight(
    (rest, t) => `has(v.${t}) ? '${t}' : ${rest}`,
    "'an unknown type'",
  );
  const fix = `, which the restricted Pod Security Standard does not allow; use ${RESTRICTED_VOLUME_TYPES.slice(0, -1).join(", ")} or ${RESTRICTED_VOLUME_TYPES.at(-1)}.`;
  return `has(variables.spec.volumes) ? variables.spec.volumes.transformList(i, v, !(${allowed}), variables.subject + ': volume "' + v.name + '" (' + variables.base + '.volumes[' + string(i) + ']) is ' + (${kind}) + ${cel(fix)}) : []`;
}

export const podSecurityStandardCel: CelRule[] = [
  podCel(
    "k8s-no-host-process",
    "Pods and containers must not run as Windows HostProcess containers.",
    [
      podFinding(
        `${podHas("windowsOptions.hostProcess")} && ${POD_SC}.windowsOptions.hostProcess == true`,
        `'.securityContext.windowsOptions.hostProcess is true; remove it or set it to false.'`,
      ),
      perContainer(
        `${scHas("windowsOptions")} && has(r.c.securityContext.windowsOptions.hostProcess) && r.c.securityContext.windowsOptions.hostProcess == true`,
        `'sets securityContext.windowsOptions.hostProcess to true; remove it or set it to false.'`,
      ),
    ].join(" + "),
  ),
  podCel(
    "k8s-selinux",
    "SELinux options may only set an allowed type, and never a user or role.",
    seLinuxCel(),
  ),
  podCel(
    "k8s-apparmor",
    "AppArmor profiles must be unset, RuntimeDefault or Localhost (in the deprecated annotation: runtime/default or localhost/*).",
    appArmorCel(),
    POD_METADATA,
  ),
  podCel(
    "k8s-safe-sysctls",
    "Pods may set only the safe sysctls of the Pod Security Standards.",
    `${podHas("sysctls")} ? ${POD_SC}.sysctls.transformList(i, s, !(s.name in ${cel(SAFE_SYSCTLS)}), variables.subject + ': ' + variables.base + '.securityContext.sysctls[' + string(i) + '] sets ' + s.name + ', which is not a safe sysctl of the Pod Security Standards; remove it.') : []`,
  ),
  podCel(
    "k8s-volume-types",
    "Pods may mount only the volume types the restricted Pod Security Standard allows.",
    volumeTypesCel(),
  ),
];
