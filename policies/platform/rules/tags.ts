/** Platform-wide tagging rule: owner, env and cost-center on AWS tags, GCP labels and Kubernetes labels. */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { isKubernetesObject } from "../../lib/k8s";
import { UNKNOWN, Unknown, get, list, rec } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";

/** AWS resource types that take `tags` (the ones the platform creates or users expect). */
const AWS_TAGGABLE = new Set([
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:ec2/instance:Instance",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ebs/volume:Volume",
  "aws:eks/cluster:Cluster",
  "aws:eks/nodeGroup:NodeGroup",
  "aws:kms/key:Key",
  "aws:iam/role:Role",
  "aws:sqs/queue:Queue",
  "aws:sns/topic:Topic",
  "aws:dynamodb/table:Table",
  "aws:ecr/repository:Repository",
  "aws:lambda/function:Function",
  "aws:cloudtrail/trail:Trail",
  "aws:cloudwatch/logGroup:LogGroup",
]);

/** Where each GCP resource type keeps its labels. */
const GCP_LABELS: Record<string, readonly string[]> = {
  "gcp:storage/bucket:Bucket": ["labels"],
  "gcp:container/cluster:Cluster": ["resourceLabels"],
  "gcp:sql/databaseInstance:DatabaseInstance": ["settings", "userLabels"],
  "gcp:compute/instance:Instance": ["labels"],
  "gcp:compute/instanceTemplate:InstanceTemplate": ["labels"],
  "gcp:kms/cryptoKey:CryptoKey": ["labels"],
  "gcp:pubsub/topic:Topic": ["labels"],
};

export function tagTarget(type: string): "aws" | "gcp" | "kubernetes" | undefined {
  if (AWS_TAGGABLE.has(type)) return "aws";
  if (GCP_LABELS[type]) return "gcp";
  if (isKubernetesObject(type)) return "kubernetes";
  return undefined;
}

/** The provider's default tags/labels: AWS `defaultTags.tags` (object or one-element list), GCP `defaultLabels`. */
function providerDefaults(
  args: ResourceValidationArgs,
  cloud: "aws" | "gcp",
): Record<string, unknown> | Unknown {
  const props = args.provider?.props;
  if (!props) return {};
  if (cloud === "gcp") return rec(props, "defaultLabels") ?? {};
  const defaults = list(props, "defaultTags");
  if (defaults === UNKNOWN) return UNKNOWN;
  let out: Record<string, unknown> = {};
  for (const d of defaults) {
    const tags = rec(d, "tags");
    if (tags === UNKNOWN) return UNKNOWN;
    out = { ...out, ...(tags ?? {}) };
  }
  return out;
}

interface TagConfig {
  keys: string[];
  kubernetesLabels: Record<string, string>;
  allowedEnvs: string[];
}

const requiredTags = resourceRule({
  name: "platform-required-tags",
  description:
    "Every taggable resource carries owner, env and cost-center (AWS tags with provider defaultTags, GCP labels, Kubernetes labels), and env is an allowed environment.",
  level: "mandatory",
  severity: "medium",
  remediationSteps:
    "Add the tags through the provider's defaultTags (AWS) or defaultLabels (GCP), or the platform labels (Kubernetes); set env to one of the allowed environments.",
  configSchema: {
    properties: {
      keys: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: ["owner", "env", "cost-center"],
      },
      kubernetesLabels: {
        type: "object",
        additionalProperties: { type: "string" },
        default: {
          owner: "platform.dev/owner",
          env: "platform.dev/environment",
          "cost-center": "platform.dev/cost-center",
        },
      },
      allowedEnvs: { type: "array", items: { type: "string" }, default: ["local", "staging", "production"] },
    },
  },
  appliesTo: (type) => tagTarget(type) !== undefined,
  validate: (props, args, report) => {
    const cfg = args.getConfig<TagConfig>();
    const target = tagTarget(args.type);
    let tags: Record<string, unknown> | Unknown | undefined;
    let where: string;
    let keyOf = (key: string) => key;
    if (target === "kubernetes") {
      tags = rec(props, "metadata", "labels");
      where = "metadata.labels";
      keyOf = (key) => cfg.kubernetesLabels[key] ?? key;
    } else if (target === "gcp") {
      const path = GCP_LABELS[args.type];
      const own = rec(props, ...path);
      const defaults = providerDefaults(args, "gcp");
      tags = own === UNKNOWN || defaults === UNKNOWN ? UNKNOWN : { ...defaults, ...(own ?? {}) };
      where = `${path.join(".")} (or the provider's defaultLabels)`;
    } else {
      const own = rec(props, "tags");
      const defaults = providerDefaults(args, "aws");
      tags = own === UNKNOWN || defaults === UNKNOWN ? UNKNOWN : { ...defaults, ...(own ?? {}) };
      where = "tags (or the provider's defaultTags)";
    }
    if (tags === UNKNOWN) return;
    const present = tags ?? {};
    const missing = cfg.keys.filter((key) => {
      const value = get(present, keyOf(key));
      return value !== UNKNOWN && (value === undefined || value === "");
    });
    if (missing.length > 0) {
      report(
        `${describe(args.type, args.name)} is missing ${missing.map(keyOf).join(", ")} in ${where}; add them.`,
      );
    }
    const env = get(present, keyOf("env"));
    if (typeof env === "string" && env !== "" && cfg.keys.includes("env") && !cfg.allowedEnvs.includes(env)) {
      report(
        `${describe(args.type, args.name)} sets ${keyOf("env")} to "${env}" in ${where}, which is not one of ${cfg.allowedEnvs.join(", ")}; use the environment's name.`,
      );
    }
  },
});

export const tagRules: PlatformPolicy[] = [requiredTags];
