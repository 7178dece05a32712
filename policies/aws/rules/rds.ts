/** RDS rules (Checkov CKV_AWS_16/17/133/157/293). */
import { UNKNOWN, bool, num } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";
import { RDS_CLUSTER, RDS_CLUSTER_INSTANCE, RDS_INSTANCE } from "./tokens";

/** A rule that a boolean property of RDS resources must be true (unset counts as false). */
function mustBeTrue(
  name: string,
  property: string,
  types: readonly string[],
  meta: {
    description: string;
    level: "mandatory" | "mandatory-in-production";
    severity: "medium" | "high" | "critical";
    mirrors: string;
    why: string;
  },
) {
  return resourceRule({
    name,
    description: meta.description,
    level: meta.level,
    severity: meta.severity,
    mirrors: meta.mirrors,
    remediationSteps: `Set ${property}: true on the database.`,
    appliesTo: types,
    validate: (props, args, report) => {
      const value = bool(props, property);
      if (value === UNKNOWN || value === true) return;
      report(
        `${describe(args.type, args.name)} ${value === false ? `sets ${property} to false` : `does not set ${property}`}; set it to true ${meta.why}.`,
      );
    },
  });
}

const encrypted = mustBeTrue("aws-rds-encrypted", "storageEncrypted", [RDS_INSTANCE, RDS_CLUSTER], {
  description: "RDS storage is encrypted at rest.",
  level: "mandatory",
  severity: "high",
  mirrors: "Checkov CKV_AWS_16",
  why: "(it can only be chosen at creation)",
});

const notPublic = resourceRule({
  name: "aws-rds-not-public",
  description: "RDS databases are not publicly accessible.",
  level: "mandatory",
  severity: "critical",
  mirrors: "Checkov CKV_AWS_17",
  remediationSteps: "Remove publiclyAccessible (or set it to false) and reach the database through the VPC.",
  appliesTo: [RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE],
  validate: (props, args, report) => {
    if (bool(props, "publiclyAccessible") === true) {
      report(
        `${describe(args.type, args.name)} sets publiclyAccessible to true; set it to false and connect from inside the VPC.`,
      );
    }
  },
});

const backupRetention = resourceRule({
  name: "aws-rds-backup-retention",
  description: "RDS automated backups are kept for at least the configured number of days.",
  level: "mandatory-in-production",
  severity: "medium",
  mirrors: "Checkov CKV_AWS_133",
  remediationSteps: "Set backupRetentionPeriod to at least the policy config `minimumDays` (7 by default).",
  configSchema: { properties: { minimumDays: { type: "integer", minimum: 1, maximum: 35, default: 7 } } },
  appliesTo: [RDS_INSTANCE, RDS_CLUSTER],
  validate: (props, args, report) => {
    const { minimumDays } = args.getConfig<{ minimumDays: number }>();
    const days = num(props, "backupRetentionPeriod");
    if (days === UNKNOWN) return;
    const effective = days ?? 1; // the AWS API default
    if (effective < minimumDays) {
      report(
        `${describe(args.type, args.name)} keeps backups for ${effective} day(s)${days === undefined ? " (backupRetentionPeriod unset, the AWS default)" : ""}; set backupRetentionPeriod to at least ${minimumDays}.`,
      );
    }
  },
});

const multiAz = mustBeTrue("aws-rds-multi-az", "multiAz", [RDS_INSTANCE], {
  description: "RDS instances run in several availability zones.",
  level: "mandatory-in-production",
  severity: "medium",
  mirrors: "Checkov CKV_AWS_157",
  why: "so a zone outage does not take the database down",
});

const deletionProtection = mustBeTrue(
  "aws-rds-deletion-protection",
  "deletionProtection",
  [RDS_INSTANCE, RDS_CLUSTER],
  {
    description: "RDS databases have deletion protection.",
    level: "mandatory-in-production",
    severity: "high",
    mirrors: "Checkov CKV_AWS_293",
    why: "so the database cannot be deleted by accident",
  },
);

export const rdsRules: PlatformPolicy[] = [
  encrypted,
  notPublic,
  backupRetention,
  multiAz,
  deletionProtection,
];
