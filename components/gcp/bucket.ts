import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import type { Tier } from "../../model/types";
import { failer, isProduction } from "../shared/tier";
import { retentionProblem } from "../shared/validation";
import { gcpPlatformLabels } from "./common";

/** Pulumi type token of {@link GcsBucket}. */
export const GCS_BUCKET_TYPE = "platform:gcp:GcsBucket";

/** Every way `name` breaks the GCS bucket naming rules (without dots), as sentences; empty when valid. */
export function gcsBucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) problems.push(`it is ${name.length} characters long; use 3 to 63`);
  if (/[^a-z0-9_-]/.test(name)) problems.push(`it may hold only lower-case letters, digits, "-" and "_"`);
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))
    problems.push(`it must begin and end with a letter or digit`);
  if (name.startsWith("goog") || name.includes("google"))
    problems.push(`it must not start with "goog" or contain "google"`);
  return problems;
}

/** Arguments of {@link GcsBucket}; `retentionDays` comes from `BucketSpec`. */
export interface GcsBucketArgs {
  /** Environment tier: production adds `protect: true`. */
  tier: Tier;
  /** Location (region or multi-region), e.g. the spec's `clouds.gcp.region`. */
  location: string;
  project?: string;
  /** Physical bucket name, globally unique. @default auto-named from the component's name */
  bucketName?: string;
  /** Days before objects are deleted. @default kept forever */
  retentionDays?: number;
  /** Days before noncurrent versions are deleted. @default 90 days */
  noncurrentVersionRetentionDays?: number;
  /** Cloud KMS key for CMEK. @default Google-managed encryption */
  kmsKeyName?: pulumi.Input<string>;
  tenant?: string;
  /** Extra labels merged over the platform labels. @default none */
  labels?: Record<string, string>;
}

/**
 * A GCS bucket private by default: uniform bucket-level access (no ACLs), public access
 * prevention enforced, versioning, and lifecycle rules from `retentionDays` and for noncurrent
 * versions.
 */
export class GcsBucket extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: GcsBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GCS_BUCKET_TYPE, name, {}, opts);
    const fail = failer(this, `gcs bucket "${name}"`);
    if (args.bucketName !== undefined) {
      const problems = gcsBucketNameProblems(args.bucketName);
      if (problems.length > 0)
        throw fail(`bucketName "${args.bucketName}" breaks the GCS naming rules: ${problems.join("; ")}`);
    }
    const retention = retentionProblem(args);
    if (retention) throw fail(retention);
    const labels = gcpPlatformLabels(name, args.tier, {
      ...(args.tenant ? { tenant: args.tenant } : {}),
      ...args.labels,
    });

    const bucket = new gcp.storage.Bucket(
      `${name}-bucket`,
      {
        ...(args.bucketName ? { name: args.bucketName } : {}),
        project: args.project,
        location: args.location,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: true },
        forceDestroy: false,
        lifecycleRules: gcsLifecycleRules(args.retentionDays, args.noncurrentVersionRetentionDays ?? 90),
        ...(args.kmsKeyName ? { encryption: { defaultKmsKeyName: args.kmsKeyName } } : {}),
        labels,
      },
      { parent: this, protect: isProduction(args.tier) },
    );
    this.bucketName = bucket.name;
    this.url = bucket.url;
    this.registerOutputs({ bucketName: this.bucketName, url: this.url });
  }
}

/** Lifecycle rules: delete objects after `retentionDays` (when set) and noncurrent versions after `noncurrentDays`. */
export function gcsLifecycleRules(
  retentionDays: number | undefined,
  noncurrentDays: number,
): gcp.types.input.storage.BucketLifecycleRule[] {
  return [
    ...(retentionDays !== undefined
      ? [{ action: { type: "Delete" }, condition: { age: retentionDays } }]
      : []),
    {
      action: { type: "Delete" },
      condition: { daysSinceNoncurrentTime: noncurrentDays, withState: "ARCHIVED" },
    },
  ];
}
