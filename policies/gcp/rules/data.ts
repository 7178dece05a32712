/** Cloud SQL, Cloud Storage, IAM, KMS and firewall rules (Checkov CKV_GCP_2/3/6/14/29/43/60/114/115-117). */
import { isWorld, portRange } from "../../lib/net";
import { UNKNOWN, bool, list, str, strings } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";
import {
  FIREWALL,
  GCS_ACL,
  GCS_BUCKET,
  GCS_IAM_BINDING,
  GCS_IAM_MEMBER,
  KMS_CRYPTO_KEY,
  PROJECT_IAM_BINDING,
  PROJECT_IAM_MEMBER,
  SQL_INSTANCE,
} from "./tokens";

const SSL_MODES = new Set(["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"]);

const sqlRequireSsl = resourceRule({
  name: "gcp-sql-require-ssl",
  description: "Cloud SQL accepts only encrypted connections.",
  level: "mandatory",
  severity: "high",
  mirrors: "Checkov CKV_GCP_6",
  remediationSteps:
    'Set settings.ipConfiguration.sslMode to "ENCRYPTED_ONLY" or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED".',
  appliesTo: [SQL_INSTANCE],
  validate: (props, args, report) => {
    const mode = str(props, "settings", "ipConfiguration", "sslMode");
    if (mode === UNKNOWN || (typeof mode === "string" && SSL_MODES.has(mode))) return;
    if (bool(props, "settings", "ipConfiguration", "requireSsl") === true) return;
    report(
      `${describe(args.type, args.name)} sets settings.ipConfiguration.sslMode to ${mode === undefined ? "nothing (unencrypted allowed)" : `"${mode}"`}; set it to "ENCRYPTED_ONLY" or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED".`,
    );
  },
});

const sqlNoPublicIp = resourceRule({
  name: "gcp-sql-no-public-ip",
  description: "Cloud SQL has no public IPv4 address.",
  level: "mandatory-in-production",
  severity: "high",
  mirrors: "Checkov CKV_GCP_60",
  remediationSteps:
    "Set settings.ipConfiguration.ipv4Enabled: false and connect over privateNetwork (Private Service Access) or PSC.",
  appliesTo: [SQL_INSTANCE],
  validate: (props, args, report) => {
    const enabled = bool(props, "settings", "ipConfiguration", "ipv4Enabled");
    if (enabled === UNKNOWN || enabled === false) return;
    report(
      `${describe(args.type, args.name)} ${enabled === true ? "sets settings.ipConfiguration.ipv4Enabled to true" : "does not set settings.ipConfiguration.ipv4Enabled (default true)"}, giving it a public IP; set it to false and use a private network.`,
    );
  },
});

const sqlBackups = resourceRule({
  name: "gcp-sql-backups",
  description: "Cloud SQL automated backups are enabled.",
  level: "mandatory-in-production",
  severity: "medium",
  mirrors: "Checkov CKV_GCP_14",
  remediationSteps:
    "Set settings.backupConfiguration.enabled: true (and pointInTimeRecoveryEnabled for PostgreSQL).",
  appliesTo: [SQL_INSTANCE],
  validate: (props, args, report) => {
    const enabled = bool(props, "settings", "backupConfiguration", "enabled");
    if (enabled === UNKNOWN || enabled === true) return;
    report(
      `${describe(args.type, args.name)} does not set settings.backupConfiguration.enabled to true; enable automated backups.`,
    );
  },
});

const PUBLIC_MEMBERS = new Set(["allUsers", "allAuthenticatedUsers"]);

const gcsPrivate = resourceRule({
  name: "gcp-gcs-private",
  description:
    "Cloud Storage buckets use uniform access, enforce public access prevention and grant nothing to allUsers.",
  level: "mandatory",
  severity: "critical",
  mirrors: "Checkov CKV_GCP_29, CKV_GCP_114, CKV_GCP_28",
  remediationSteps:
    'Set uniformBucketLevelAccess: true and publicAccessPrevention: "enforced"; remove allUsers/allAuthenticatedUsers members and serve public content through a CDN.',
  appliesTo: [GCS_BUCKET, GCS_IAM_MEMBER, GCS_IAM_BINDING, GCS_ACL],
  validate: (props, args, report) => {
    const subject = describe(args.type, args.name);
    if (args.type === GCS_BUCKET) {
      const uniform = bool(props, "uniformBucketLevelAccess");
      if (uniform !== UNKNOWN && uniform !== true)
        report(
          `${subject} does not set uniformBucketLevelAccess to true; enable it so object ACLs cannot make objects public.`,
        );
      const prevention = str(props, "publicAccessPrevention");
      if (prevention !== UNKNOWN && prevention !== "enforced")
        report(
          `${subject} sets publicAccessPrevention to ${prevention === undefined ? "nothing (inherited)" : `"${prevention}"`}; set it to "enforced".`,
        );
      return;
    }
    const members =
      args.type === GCS_IAM_BINDING
        ? strings(props, "members")
        : args.type === GCS_ACL
          ? strings(props, "entity")
          : strings(props, "member");
    if (members === UNKNOWN) return;
    const open = members.filter((m) => PUBLIC_MEMBERS.has(m));
    if (open.length > 0)
      report(
        `${subject} grants access to ${open.join(", ")}, which makes the bucket public; remove that member.`,
      );
  },
});

const BASIC_ROLES = new Set(["roles/owner", "roles/editor", "roles/viewer"]);

const iamNoBasicRoles = resourceRule({
  name: "gcp-iam-no-basic-roles",
  description: "Project IAM grants no basic roles (owner, editor, viewer).",
  level: "mandatory",
  severity: "high",
  mirrors: "Checkov CKV_GCP_115, CKV_GCP_116, CKV_GCP_117",
  remediationSteps:
    "Grant a predefined or custom role with only the needed permissions instead of roles/owner, roles/editor or roles/viewer.",
  appliesTo: [PROJECT_IAM_MEMBER, PROJECT_IAM_BINDING],
  validate: (props, args, report) => {
    const role = str(props, "role");
    if (typeof role === "string" && BASIC_ROLES.has(role)) {
      report(
        `${describe(args.type, args.name)} grants the basic role ${role}; grant a predefined or custom role instead.`,
      );
    }
  },
});

/** `7776000s` → seconds. */
function seconds(duration: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(duration);
  return m ? Number(m[1]) : undefined;
}

const kmsRotation = resourceRule({
  name: "gcp-kms-rotation",
  description: "Cloud KMS keys rotate at least every configured number of days.",
  level: "mandatory",
  severity: "medium",
  mirrors: "Checkov CKV_GCP_43",
  remediationSteps:
    'Set rotationPeriod to at most the policy config `maximumDays` (e.g. "7776000s" for 90 days).',
  configSchema: { properties: { maximumDays: { type: "integer", minimum: 1, default: 90 } } },
  appliesTo: [KMS_CRYPTO_KEY],
  validate: (props, args, report) => {
    const { maximumDays } = args.getConfig<{ maximumDays: number }>();
    const purpose = str(props, "purpose");
    if (typeof purpose === "string" && purpose !== "ENCRYPT_DECRYPT") return; // only symmetric keys rotate
    const period = str(props, "rotationPeriod");
    if (period === UNKNOWN) return;
    const secs = period === undefined ? undefined : seconds(period);
    if (secs === undefined || secs > maximumDays * 86400) {
      report(
        `${describe(args.type, args.name)} ${period === undefined ? "does not set rotationPeriod" : `rotates every ${period}`}; set rotationPeriod to at most ${maximumDays * 86400}s (${maximumDays} days).`,
      );
    }
  },
});

const firewallAdminPorts = resourceRule({
  name: "gcp-firewall-no-world-admin-ports",
  description: "VPC firewall rules do not open SSH (22) or RDP (3389) to 0.0.0.0/0 or ::/0.",
  level: "mandatory",
  severity: "critical",
  mirrors: "Checkov CKV_GCP_2, CKV_GCP_3",
  remediationSteps: "Restrict sourceRanges to the IAP range 35.235.240.0/20 or the VPN range.",
  configSchema: {
    properties: {
      ports: { type: "array", items: { type: "integer", minimum: 0, maximum: 65535 }, default: [22, 3389] },
    },
  },
  appliesTo: [FIREWALL],
  validate: (props, args, report) => {
    const direction = str(props, "direction");
    if (bool(props, "disabled") === true || (typeof direction === "string" && direction !== "INGRESS"))
      return;
    const ranges = strings(props, "sourceRanges");
    const allows = list(props, "allows");
    if (ranges === UNKNOWN || allows === UNKNOWN) return;
    const world = ranges.filter(isWorld);
    if (world.length === 0) return;
    const { ports } = args.getConfig<{ ports: number[] }>();
    const open = new Set<number>();
    for (const allow of allows) {
      const protocol = str(allow, "protocol");
      if (protocol !== "tcp" && protocol !== "all" && protocol !== "6") continue;
      const specs = strings(allow, "ports");
      if (specs === UNKNOWN) continue;
      if (specs.length === 0) ports.forEach((p) => open.add(p));
      for (const spec of specs) {
        const range = portRange(spec);
        if (range) ports.filter((p) => range[0] <= p && p <= range[1]).forEach((p) => open.add(p));
      }
    }
    if (open.size > 0) {
      report(
        `${describe(args.type, args.name)} allows port ${[...open].join(", ")} from ${world.join(" and ")} (sourceRanges); restrict sourceRanges to the IAP or VPN range.`,
      );
    }
  },
});

export const dataRules: PlatformPolicy[] = [
  sqlRequireSsl,
  sqlNoPublicIp,
  sqlBackups,
  gcsPrivate,
  iamNoBasicRoles,
  kmsRotation,
  firewallAdminPorts,
];
