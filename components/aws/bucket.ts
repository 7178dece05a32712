import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Tier } from "../../model/types";
import { retentionProblem } from "../shared/validation";
import { failer, isProduction } from "../shared/tier";
import { platformTags } from "./common";

/** Pulumi type token of {@link Bucket}. */
export const AWS_BUCKET_TYPE = "platform:aws:Bucket";

/**
 * Every way `name` breaks the S3 general-purpose bucket naming rules, as sentences; empty when
 * the name is valid. https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function bucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) problems.push(`it is ${name.length} characters long; use 3 to 63`);
  if (/[^a-z0-9.-]/.test(name)) problems.push(`it may hold only lower-case letters, digits, "." and "-"`);
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))
    problems.push(`it must begin and end with a letter or digit`);
  if (name.includes("..")) problems.push(`it must not hold two adjacent periods`);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push(`it must not look like an IP address`);
  for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) {
    if (name.startsWith(prefix)) problems.push(`it must not start with the reserved prefix "${prefix}"`);
  }
  for (const suffix of ["-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap"]) {
    if (name.endsWith(suffix)) problems.push(`it must not end with the reserved suffix "${suffix}"`);
  }
  return problems;
}

/** True when `name` is a valid S3 bucket name (see {@link bucketNameProblems}). */
export function isValidBucketName(name: string): boolean {
  return bucketNameProblems(name).length === 0;
}

/** Arguments of {@link Bucket}; `retentionDays` comes from `BucketSpec`. */
export interface BucketArgs {
  /** Environment tier: production adds `protect: true`. */
  tier: Tier;
  /** Physical bucket name, checked against the S3 rules. @default auto-named from the component's name */
  bucketName?: string;
  /** Days before current objects expire. @default kept forever */
  retentionDays?: number;
  /** Days before noncurrent (overwritten or deleted) versions expire. @default 90 days */
  noncurrentVersionRetentionDays?: number;
  /** KMS key for SSE-KMS. @default a new key with yearly rotation */
  kmsKeyArn?: pulumi.Input<string>;
  /** Tenant owning the bucket, used in tags. */
  tenant?: string;
  /** Extra tags merged over the platform tags. @default none */
  tags?: Record<string, string>;
}

/**
 * An S3 bucket private and encrypted by default: a public access block with all four flags,
 * BucketOwnerEnforced ownership (no ACLs), SSE-KMS with a bucket key, versioning, lifecycle rules
 * (expiry from `retentionDays`, noncurrent versions, aborted uploads) and a policy refusing
 * requests without TLS.
 */
export class Bucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: BucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AWS_BUCKET_TYPE, name, {}, opts);
    validateBucket(this, name, args);
    const prod = isProduction(args.tier);
    const tags = platformTags(name, args.tier, {
      ...(args.tenant ? { tenant: args.tenant } : {}),
      ...args.tags,
    });
    const o = { parent: this };

    const kmsKeyArn =
      args.kmsKeyArn ??
      new aws.kms.Key(
        `${name}-key`,
        { description: `SSE-KMS of bucket ${name}`, enableKeyRotation: true, deletionWindowInDays: 30, tags },
        { ...o, protect: prod },
      ).arn;
    this.kmsKeyArn = pulumi.output(kmsKeyArn);

    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { ...(args.bucketName ? { bucket: args.bucketName } : {}), forceDestroy: false, tags },
      { ...o, protect: prod },
    );
    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;

    const block = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      o,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      o,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
            bucketKeyEnabled: true,
          },
        ],
      },
      o,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      o,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: lifecycleRules(args.retentionDays, args.noncurrentVersionRetentionDays ?? 90),
      },
      { ...o, dependsOn: [versioning] },
    );
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      {
        bucket: bucket.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      },
      { ...o, dependsOn: [block] },
    );

    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn, kmsKeyArn: this.kmsKeyArn });
  }
}

/** The lifecycle rules of a bucket: expiry after `retentionDays` (when set), noncurrent versions, aborted uploads. */
export function lifecycleRules(
  retentionDays: number | undefined,
  noncurrentDays: number,
): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return [
    ...(retentionDays !== undefined
      ? [{ id: "expire-current", status: "Enabled", filter: {}, expiration: { days: retentionDays } }]
      : []),
    {
      id: "expire-noncurrent",
      status: "Enabled",
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays },
      expiration: { expiredObjectDeleteMarker: true },
    },
    {
      id: "abort-incomplete-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
  ];
}

function validateBucket(resource: pulumi.Resource, name: string, args: BucketArgs): void {
  const fail = failer(resource, `bucket "${name}"`);
  if (args.bucketName !== undefined) {
    const problems = bucketNameProblems(args.bucketName);
    if (problems.length > 0) {
      throw fail(
        `bucketName "${args.bucketName}" breaks the S3 naming rules: ${problems.join("; ")}; ` +
          `e.g. "${suggestBucketName(args.bucketName)}"`,
      );
    }
  }
  const retention = retentionProblem(args);
  if (retention) throw fail(retention);
}

/** A best-effort valid bucket name close to `name` (for error messages). */
export function suggestBucketName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "")
    .slice(0, 63)
    .replace(/[^a-z0-9]+$/, "");
  return cleaned.length >= 3 ? cleaned : `${cleaned}-bucket`.replace(/^-/, "");
}
