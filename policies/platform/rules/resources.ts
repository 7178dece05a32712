/** Platform-wide rules on resource options, placement, names and network exposure. */
import { UNKNOWN, bool, get, list, str } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";

/** Stateful resources: losing one loses data. */
export const STATEFUL_TYPES = [
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:kms/key:Key",
  "aws:dynamodb/table:Table",
  "aws:ebs/volume:Volume",
  "gcp:sql/databaseInstance:DatabaseInstance",
  "gcp:storage/bucket:Bucket",
  "gcp:kms/cryptoKey:CryptoKey",
  "gcp:kms/keyRing:KeyRing",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "vault:index/mount:Mount",
  "vault:kv/secretBackendV2:SecretBackendV2",
];

const protectStateful = resourceRule({
  name: "platform-protect-stateful",
  description:
    "Databases, buckets, keys, volumes and Vault mounts are protected from deletion (protect: true).",
  level: "mandatory-in-production",
  severity: "high",
  remediationSteps:
    "Pass { protect: true } in the resource options (the components do this for production); removing it is a reviewed, two-step change.",
  appliesTo: STATEFUL_TYPES,
  validate: (_props, args, report) => {
    if (args.opts?.protect === true) return;
    report(
      `${describe(args.type, args.name)} holds state but is not protected; set the resource option protect: true so a refactor cannot delete it.`,
    );
  },
});

const ALWAYS_ALLOWED = new Set(["global"]);

interface RegionConfig {
  aws: string[];
  gcp: string[];
}

/** `europe-west1-b` → `europe-west1`; regions and multi-regions are returned as given. */
export function gcpRegionOf(location: string): string {
  return /^[a-z]+-[a-z]+\d+-[a-z]$/.test(location) ? location.slice(0, -2) : location;
}

const allowedRegions = resourceRule({
  name: "platform-allowed-regions",
  description: "AWS and GCP providers and regional resources stay in the configured regions.",
  level: "mandatory",
  severity: "high",
  remediationSteps:
    "Set the provider's region to one of the allowed regions (policy config `aws` / `gcp`), or ask for the list to be extended.",
  configSchema: {
    properties: {
      aws: { type: "array", items: { type: "string" }, default: ["eu-west-1"] },
      gcp: { type: "array", items: { type: "string" }, default: ["europe-west1", "EU"] },
    },
  },
  appliesTo: (type) =>
    type.startsWith("aws:") ||
    type.startsWith("gcp:") ||
    type === "pulumi:providers:aws" ||
    type === "pulumi:providers:gcp",
  validate: (props, args, report) => {
    const cfg = args.getConfig<RegionConfig>();
    const cloud = args.type.startsWith("aws:") || args.type === "pulumi:providers:aws" ? "aws" : "gcp";
    const allowed = cloud === "aws" ? cfg.aws : cfg.gcp;
    for (const field of cloud === "aws" ? ["region"] : ["region", "location", "zone"]) {
      const value = str(props, field);
      if (typeof value !== "string" || value === "" || ALWAYS_ALLOWED.has(value.toLowerCase())) continue;
      const region = cloud === "gcp" ? gcpRegionOf(value) : value;
      if (!allowed.some((a) => a.toLowerCase() === region.toLowerCase())) {
        report(
          `${describe(args.type, args.name)} sets ${field} to "${value}", outside the allowed ${cloud.toUpperCase()} regions (${allowed.join(", ")}); move it to an allowed region.`,
        );
      }
    }
  },
});

const naming = resourceRule({
  name: "platform-naming",
  description: "Logical resource names match the configured pattern (lower-case kebab-case by default).",
  level: "advisory",
  severity: "low",
  remediationSteps:
    "Rename the resource to match the policy config `pattern`, and add an alias for the old name so Pulumi does not replace it.",
  configSchema: {
    properties: {
      pattern: { type: "string", minLength: 1, default: "^[a-z0-9]([-a-z0-9.]{0,98}[a-z0-9])?$" },
    },
  },
  appliesTo: (type) => type !== "pulumi:pulumi:Stack" && !type.startsWith("pulumi:providers:"),
  validate: (_props, args, report) => {
    const { pattern } = args.getConfig<{ pattern: string }>();
    if (!new RegExp(pattern).test(args.name)) {
      report(
        `${describe(args.type, args.name)} has a logical name that does not match ${pattern}; rename it (with an alias to keep the live resource).`,
      );
    }
  },
});

const noPublicIp = resourceRule({
  name: "platform-no-public-ip",
  description:
    "Instances and subnets do not hand out public IP addresses; traffic enters through load balancers.",
  level: "advisory",
  severity: "medium",
  mirrors: "Checkov CKV_AWS_88, CKV_AWS_130, CKV_GCP_40",
  remediationSteps:
    "Remove associatePublicIpAddress / mapPublicIpOnLaunch / accessConfigs; reach instances through a load balancer, IAP or SSM and egress through NAT.",
  appliesTo: [
    "aws:ec2/instance:Instance",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/subnet:Subnet",
    "gcp:compute/instance:Instance",
    "gcp:compute/instanceTemplate:InstanceTemplate",
  ],
  validate: (props, args, report) => {
    const subject = describe(args.type, args.name);
    if (args.type === "aws:ec2/instance:Instance" && bool(props, "associatePublicIpAddress") === true) {
      report(
        `${subject} sets associatePublicIpAddress to true; remove it and reach the instance through a load balancer or SSM.`,
      );
    } else if (args.type === "aws:ec2/subnet:Subnet" && bool(props, "mapPublicIpOnLaunch") === true) {
      report(`${subject} sets mapPublicIpOnLaunch to true; keep workloads in private subnets behind NAT.`);
    }
    const nics = list(props, "networkInterfaces");
    if (nics === UNKNOWN) return;
    nics.forEach((nic, i) => {
      if (
        args.type === "aws:ec2/launchTemplate:LaunchTemplate" &&
        bool(nic, "associatePublicIpAddress") === true
      ) {
        report(`${subject} sets networkInterfaces[${i}].associatePublicIpAddress to true; remove it.`);
      }
      const access = get(nic, "accessConfigs");
      if (args.type.startsWith("gcp:") && Array.isArray(access) && access.length > 0) {
        report(
          `${subject} gives networkInterfaces[${i}] an external IP through accessConfigs; remove it and use Cloud NAT and IAP.`,
        );
      }
    });
  },
});

export const resourceRules: PlatformPolicy[] = [protectStateful, allowedRegions, naming, noPublicIp];
