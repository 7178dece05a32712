/** S3 rules (Checkov CKV_AWS_19/21/53-56, Trivy AWS-0094). */
import type { PolicyResource } from "@pulumi/policy";
import { UNKNOWN, bool, list, str } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule, stackRule } from "../../lib/rule";
import { S3_ACL, S3_BUCKETS, S3_PUBLIC_ACCESS_BLOCK, S3_SSE, S3_VERSIONING } from "./tokens";

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
const BUCKET_TYPES = new Set<string>(S3_BUCKETS);

/** Names a bucket can be referred to by: its `bucket` name, its `id`, and its logical name. */
function bucketKeys(bucket: PolicyResource): string[] | typeof UNKNOWN {
  const name = str(bucket.props, "bucket");
  const id = str(bucket.props, "id");
  if (name === UNKNOWN && id === UNKNOWN) return UNKNOWN;
  return [name, id].filter((v): v is string => typeof v === "string");
}

const publicAccessBlock = stackRule({
  name: "aws-s3-public-access-block",
  description: "Every S3 bucket has a public access block with all four flags set to true.",
  level: "mandatory",
  severity: "critical",
  mirrors: "Checkov CKV_AWS_53-56, Trivy AWS-0094",
  remediationSteps:
    "Create an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
  validate: (resources, _args, report) => {
    const blocks = resources.filter((r) => r.type === S3_PUBLIC_ACCESS_BLOCK);
    const byBucket = new Map<string, PolicyResource[]>();
    let unknownTarget = false;
    for (const block of blocks) {
      const target = str(block.props, "bucket");
      if (target === UNKNOWN) unknownTarget = true;
      else if (typeof target === "string") byBucket.set(target, [...(byBucket.get(target) ?? []), block]);
    }
    for (const bucket of resources) {
      if (!BUCKET_TYPES.has(bucket.type)) continue;
      const keys = bucketKeys(bucket);
      if (keys === UNKNOWN) continue;
      const mine = keys.flatMap((k) => byBucket.get(k) ?? []);
      if (mine.length === 0) {
        if (unknownTarget) continue; // a block whose bucket is not known yet may be this bucket's
        report(
          `${describe(bucket.type, bucket.name)} has no BucketPublicAccessBlock; create one with all four flags (${FLAGS.join(", ")}) set to true.`,
          bucket.urn,
        );
        continue;
      }
      for (const block of mine) {
        const off = FLAGS.filter((flag) => {
          const value = bool(block.props, flag);
          return value !== UNKNOWN && value !== true;
        });
        if (off.length > 0) {
          report(
            `${describe(block.type, block.name)} of bucket ${describe(bucket.type, bucket.name)} does not set ${off.join(", ")} to true; set all four flags to true.`,
            block.urn,
          );
        }
      }
    }
  },
});

const encryption = resourceRule({
  name: "aws-s3-encryption",
  description: "S3 buckets have default server-side encryption, with KMS where data is classified.",
  level: "advisory",
  severity: "medium",
  mirrors: "Checkov CKV_AWS_19, CKV_AWS_145",
  remediationSteps:
    'Set rules[].applyServerSideEncryptionByDefault.sseAlgorithm to "aws:kms" with a customer-managed kmsMasterKeyId (or at least "AES256").',
  configSchema: { properties: { requireKms: { type: "boolean", default: false } } },
  appliesTo: S3_SSE,
  validate: (props, args, report) => {
    const { requireKms } = args.getConfig<{ requireKms: boolean }>();
    const rules = list(props, "rules");
    if (rules === UNKNOWN) return;
    const algorithms = rules.map((rule) => str(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"));
    if (algorithms.includes(UNKNOWN)) return;
    const set = algorithms.filter((a): a is string => typeof a === "string" && a !== "");
    if (set.length === 0) {
      report(
        `${describe(args.type, args.name)} sets no rules[].applyServerSideEncryptionByDefault.sseAlgorithm; set it to "aws:kms" (or "AES256").`,
      );
    } else if (requireKms && !set.some((a) => a.startsWith("aws:kms"))) {
      report(
        `${describe(args.type, args.name)} encrypts with ${set.join(", ")} but this bucket's data is classified; set sseAlgorithm to "aws:kms" with a customer-managed key.`,
      );
    }
  },
});

const versioning = resourceRule({
  name: "aws-s3-versioning",
  description: "S3 bucket versioning is Enabled.",
  level: "mandatory-in-production",
  severity: "medium",
  mirrors: "Checkov CKV_AWS_21",
  remediationSteps: 'Set versioningConfiguration.status to "Enabled" on the bucket\'s BucketVersioning.',
  appliesTo: S3_VERSIONING,
  validate: (props, args, report) => {
    const status = str(props, "versioningConfiguration", "status");
    if (status === UNKNOWN || status === "Enabled") return;
    report(
      `${describe(args.type, args.name)} sets versioningConfiguration.status to ${status === undefined ? "nothing" : `"${status}"`}; set it to "Enabled".`,
    );
  },
});

const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);

const noPublicAcl = resourceRule({
  name: "aws-s3-no-public-acl",
  description: "S3 buckets and bucket ACLs do not grant public canned ACLs.",
  level: "mandatory",
  severity: "critical",
  mirrors: "Checkov CKV_AWS_20, CKV_AWS_57",
  remediationSteps:
    'Use the "private" canned ACL (or none, with BucketOwnershipControls BucketOwnerEnforced) and share data through a bucket policy or CloudFront.',
  appliesTo: [...S3_BUCKETS, ...S3_ACL],
  validate: (props, args, report) => {
    const acl = str(props, "acl");
    if (typeof acl === "string" && PUBLIC_ACLS.has(acl)) {
      report(
        `${describe(args.type, args.name)} sets acl to "${acl}", which makes objects readable outside the account; use "private".`,
      );
    }
  },
});

export const s3Rules: PlatformPolicy[] = [publicAccessBlock, encryption, versioning, noPublicAcl];
