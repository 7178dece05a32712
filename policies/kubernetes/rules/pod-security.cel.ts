/**
 * CEL forms (ValidatingAdmissionPolicy) of the pod security rules in ./pod-security.ts: same names,
 * same messages, over Pods, every pod template and regular, init and ephemeral containers.
 */
import { CelRule, cel, configStrings, perContainer, podVariables, scHas } from "../cel/lib";

/** A pod rule whose findings variable is `findings`. */
function podCel(
  name: string,
  message: string,
  findings: (config: Record<string, unknown>) => string,
): CelRule {
  return {
    name,
    message,
    match: "pods",
    variables: (config) => [...podVariables(), { name: "findings", expression: findings(config) }],
  };
}

const sc = (field: string, on = "r.c") => `${on}.securityContext.${field}`;

export const podSecurityCel: CelRule[] = [
  podCel("k8s-no-privileged", "Containers must not run privileged.", () =>
    perContainer(
      `${scHas("privileged")} && ${sc("privileged")} == true`,
      `'sets securityContext.privileged to true; remove it or set it to false.'`,
    ),
  ),
  podCel("k8s-no-privilege-escalation", "Containers must set allowPrivilegeEscalation to false.", () =>
    perContainer(
      `!(${scHas("allowPrivilegeEscalation")} && ${sc("allowPrivilegeEscalation")} == false)`,
      `(${scHas("allowPrivilegeEscalation")} ? 'sets securityContext.allowPrivilegeEscalation to true' : 'does not set securityContext.allowPrivilegeEscalation') + '; set it to false.'`,
    ),
  ),
  podCel(
    "k8s-run-as-non-root",
    "Containers must run as a non-root user: runAsNonRoot true (pod or container) and runAsUser never 0.",
    () => {
      const podSet = `(has(variables.spec.securityContext) && has(variables.spec.securityContext.runAsNonRoot))`;
      const effective = `(${scHas("runAsNonRoot")} ? ${sc("runAsNonRoot")} : ${podSet} ? variables.spec.securityContext.runAsNonRoot : null)`;
      return [
        `(has(variables.spec.securityContext) && has(variables.spec.securityContext.runAsUser) && variables.spec.securityContext.runAsUser == 0 ? [variables.subject + ': ' + variables.base + '.securityContext.runAsUser is 0 (root); set it to a non-zero UID such as 65532.'] : [])`,
        perContainer(
          `${effective} != true`,
          `'may run as root because runAsNonRoot is ' + (${effective} == false ? 'false' : 'not set on the container or the pod') + '; set securityContext.runAsNonRoot: true.'`,
        ),
        perContainer(
          `${scHas("runAsUser")} && ${sc("runAsUser")} == 0`,
          `'sets securityContext.runAsUser to 0 (root); use a non-zero UID.'`,
        ),
      ].join(" + ");
    },
  ),
  podCel("k8s-no-host-namespaces", "Pods must not share the host's network, PID or IPC namespace.", () =>
    ["hostNetwork", "hostPID", "hostIPC"]
      .map(
        (f) =>
          `(has(variables.spec.${f}) && variables.spec.${f} == true ? [variables.subject + ': ' + variables.base + '.${f} is true; remove it or set it to false.'] : [])`,
      )
      .join(" + "),
  ),
  podCel(
    "k8s-no-host-path",
    "Pods must not mount hostPath volumes.",
    () =>
      `has(variables.spec.volumes) ? variables.spec.volumes.transformList(i, v, has(v.hostPath), variables.subject + ': volume "' + v.name + '" (' + variables.base + '.volumes[' + string(i) + '].hostPath) mounts a host path; use a PersistentVolumeClaim, ConfigMap, Secret or emptyDir instead.') : []`,
  ),
  podCel("k8s-no-host-ports", "Containers must not bind host ports.", () => {
    const bound = `(has(p.hostPort) && p.hostPort != 0)`;
    return perContainer(
      `has(r.c.ports) && r.c.ports.exists(p, ${bound})`,
      `r.c.ports.transformList(i, p, ${bound}, 'sets ports[' + string(i) + '].hostPort to ' + string(p.hostPort) + '; remove hostPort and expose the port through a Service.')[0]`,
    );
  }),
  podCel(
    "k8s-drop-all-capabilities",
    "Containers must drop ALL capabilities and add back only the allowed ones (NET_BIND_SERVICE).",
    (config) => {
      const allowed = configStrings(config, "allowedAdd");
      const extra = `${sc("capabilities.add")}.filter(x, !((x.startsWith('CAP_') ? x.substring(4) : x) in ${cel(allowed)}))`;
      const hasAdd = `(${scHas("capabilities")} && has(${sc("capabilities.add")}))`;
      return [
        perContainer(
          `!(${scHas("capabilities")} && has(${sc("capabilities.drop")}) && 'ALL' in ${sc("capabilities.drop")})`,
          `'does not drop ALL capabilities; set securityContext.capabilities.drop: ["ALL"].'`,
        ),
        perContainer(
          `${hasAdd} && size(${extra}) > 0`,
          `'adds capabilities ' + ${extra}.join(', ') + ' in securityContext.capabilities.add; only ' + ${cel(allowed.join(", ") || "none")} + ' may be added.'`,
        ),
      ].join(" + ");
    },
  ),
  podCel("k8s-seccomp", "Pods must use the RuntimeDefault or a Localhost seccomp profile.", () => {
    const ok = `['RuntimeDefault', 'Localhost']`;
    const podHas = `(has(variables.spec.securityContext) && has(variables.spec.securityContext.seccompProfile))`;
    const podType = "variables.spec.securityContext.seccompProfile.type";
    return [
      `(${podHas} && !(${podType} in ${ok}) ? [variables.subject + ': ' + variables.base + '.securityContext.seccompProfile.type is ' + ${podType} + '; set it to RuntimeDefault or Localhost.'] : [])`,
      perContainer(
        `${scHas("seccompProfile")} && !(${sc("seccompProfile.type")} in ${ok})`,
        `'sets securityContext.seccompProfile.type to ' + ${sc("seccompProfile.type")} + '; use RuntimeDefault or Localhost.'`,
      ),
      perContainer(
        `!${scHas("seccompProfile")} && !${podHas}`,
        `'has no seccomp profile (neither the pod nor the container sets securityContext.seccompProfile); set type RuntimeDefault at pod level.'`,
      ),
    ].join(" + ");
  }),
  podCel("k8s-read-only-root-fs", "Containers must mount their root filesystem read-only.", () =>
    perContainer(
      `!(${scHas("readOnlyRootFilesystem")} && ${sc("readOnlyRootFilesystem")} == true)`,
      `'does not set securityContext.readOnlyRootFilesystem to true; set it and mount an emptyDir for writable paths.'`,
    ),
  ),
  podCel("k8s-default-proc-mount", "Containers must use the Default /proc mount.", () =>
    perContainer(
      `${scHas("procMount")} && ${sc("procMount")} != 'Default'`,
      `'sets securityContext.procMount to ' + ${sc("procMount")} + '; remove it or set it to Default.'`,
    ),
  ),
];
