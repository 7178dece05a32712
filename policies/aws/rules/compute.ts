/** EC2, EBS and security group rules (Checkov CKV_AWS_3/24/25/79). */
import { isWorld, coveredPorts } from "../../lib/net";
import { UNKNOWN, bool, get, list, str, strings } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";
import {
  EBS_VOLUME,
  EC2_INSTANCE,
  LAUNCH_TEMPLATE,
  SECURITY_GROUP,
  SECURITY_GROUP_RULE,
  SG_INGRESS_RULE,
} from "./tokens";

const ebsEncrypted = resourceRule({
  name: "aws-ebs-encrypted",
  description: "EBS volumes, instance block devices and launch template block devices are encrypted.",
  level: "mandatory",
  severity: "high",
  mirrors: "Checkov CKV_AWS_3, CKV_AWS_8",
  remediationSteps:
    "Set encrypted: true on the volume, rootBlockDevice, every ebsBlockDevices entry, or every launch template blockDeviceMappings[].ebs (optionally with a kmsKeyId).",
  appliesTo: [EBS_VOLUME, EC2_INSTANCE, LAUNCH_TEMPLATE],
  validate: (props, args, report) => {
    const subject = describe(args.type, args.name);
    const check = (value: unknown, where: string) => {
      const v = value === "true" ? true : value;
      if (v !== UNKNOWN && v !== true)
        report(
          `${subject} does not set ${where} to true; enable encryption (it cannot be added to an existing volume).`,
        );
    };
    if (args.type === EBS_VOLUME) return check(bool(props, "encrypted"), "encrypted");
    if (args.type === EC2_INSTANCE) {
      check(bool(props, "rootBlockDevice", "encrypted"), "rootBlockDevice.encrypted");
      const devices = list(props, "ebsBlockDevices");
      if (devices !== UNKNOWN)
        devices.forEach((d, i) => check(bool(d, "encrypted"), `ebsBlockDevices[${i}].encrypted`));
      return;
    }
    const mappings = list(props, "blockDeviceMappings");
    if (mappings === UNKNOWN) return;
    mappings.forEach((m, i) => {
      if (get(m, "ebs") === undefined) return; // instance-store or no-device mappings
      check(bool(m, "ebs", "encrypted"), `blockDeviceMappings[${i}].ebs.encrypted`);
    });
  },
});

const imdsv2 = resourceRule({
  name: "aws-ec2-imdsv2",
  description: "EC2 instances and launch templates require IMDSv2 session tokens.",
  level: "mandatory",
  severity: "high",
  mirrors: "Checkov CKV_AWS_79",
  remediationSteps: 'Set metadataOptions.httpTokens to "required" (and httpPutResponseHopLimit to 1 or 2).',
  appliesTo: [EC2_INSTANCE, LAUNCH_TEMPLATE],
  validate: (props, args, report) => {
    const endpoint = str(props, "metadataOptions", "httpEndpoint");
    if (endpoint === "disabled") return;
    const tokens = str(props, "metadataOptions", "httpTokens");
    if (tokens === UNKNOWN || tokens === "required") return;
    report(
      `${describe(args.type, args.name)} ${tokens === undefined ? "does not set metadataOptions.httpTokens" : `sets metadataOptions.httpTokens to "${tokens}"`}, so IMDSv1 stays reachable; set it to "required".`,
    );
  },
});

interface Permission {
  where: string;
  protocol: unknown;
  from: unknown;
  to: unknown;
  cidrs: string[];
}

function permissionsOf(type: string, props: unknown): Permission[] | typeof UNKNOWN {
  if (type === SG_INGRESS_RULE) {
    const cidrs = [str(props, "cidrIpv4"), str(props, "cidrIpv6")];
    if (cidrs.includes(UNKNOWN)) return UNKNOWN;
    return [
      {
        where: "cidrIpv4/cidrIpv6",
        protocol: get(props, "ipProtocol"),
        from: get(props, "fromPort"),
        to: get(props, "toPort"),
        cidrs: cidrs.filter((c): c is string => typeof c === "string"),
      },
    ];
  }
  const one = (rule: unknown, where: string): Permission | typeof UNKNOWN => {
    const v4 = strings(rule, "cidrBlocks");
    const v6 = strings(rule, "ipv6CidrBlocks");
    if (v4 === UNKNOWN || v6 === UNKNOWN) return UNKNOWN;
    return {
      where,
      protocol: get(rule, "protocol"),
      from: get(rule, "fromPort"),
      to: get(rule, "toPort"),
      cidrs: [...v4, ...v6],
    };
  };
  if (type === SECURITY_GROUP_RULE) {
    if (str(props, "type") !== "ingress") return [];
    const p = one(props, "cidrBlocks/ipv6CidrBlocks");
    return p === UNKNOWN ? UNKNOWN : [p];
  }
  const ingress = list(props, "ingress");
  if (ingress === UNKNOWN) return UNKNOWN;
  const out: Permission[] = [];
  ingress.forEach((rule, i) => {
    const p = one(rule, `ingress[${i}]`);
    if (p !== UNKNOWN) out.push(p);
  });
  return out;
}

const PORT_NAMES: Record<number, string> = { 22: "SSH", 3389: "RDP" };

const sgWorldAdminPorts = resourceRule({
  name: "aws-sg-no-world-admin-ports",
  description: "Security groups do not open SSH (22) or RDP (3389) to 0.0.0.0/0 or ::/0.",
  level: "mandatory",
  severity: "critical",
  mirrors: "Checkov CKV_AWS_24, CKV_AWS_25",
  remediationSteps:
    "Restrict the rule's CIDRs to the bastion or VPN range, or use SSM Session Manager instead of opening admin ports.",
  configSchema: {
    properties: {
      ports: { type: "array", items: { type: "integer", minimum: 0, maximum: 65535 }, default: [22, 3389] },
    },
  },
  appliesTo: [SECURITY_GROUP, SECURITY_GROUP_RULE, SG_INGRESS_RULE],
  validate: (props, args, report) => {
    const { ports } = args.getConfig<{ ports: number[] }>();
    const perms = permissionsOf(args.type, props);
    if (perms === UNKNOWN) return;
    for (const perm of perms) {
      const world = perm.cidrs.filter(isWorld);
      if (world.length === 0) continue;
      const hit = coveredPorts(perm.protocol, perm.from, perm.to, ports);
      if (hit.length === 0) continue;
      const names = hit.map((p) => `${p}${PORT_NAMES[p] ? ` (${PORT_NAMES[p]})` : ""}`).join(", ");
      report(
        `${describe(args.type, args.name)} opens port ${names} to ${world.join(" and ")} in ${perm.where}; restrict the CIDR to the VPN/bastion range or use SSM Session Manager.`,
      );
    }
  },
});

export const computeRules: PlatformPolicy[] = [ebsEncrypted, imdsv2, sgWorldAdminPorts];
