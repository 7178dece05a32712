/**
 * Which area (kubernetes, aws, gcp, vault, platform) a rule belongs to, from its name alone. The
 * engine runs every rule in one pack (policies/pack), so its events name that one pack; reports and
 * the PR comment still say `platform-<area>`, read from the rule's name prefix (`k8s-…` →
 * kubernetes, `aws-…`, `gcp-…`, `vault-…`, `platform-…`). Imports nothing: the report collector
 * reads it without loading any rule.
 */

/** The areas, in catalog order. */
export const PACK_AREAS = ["kubernetes", "aws", "gcp", "vault", "platform"] as const;

export type PackArea = (typeof PACK_AREAS)[number];

/** A rule name's first segment → its area. */
const PREFIXES: Readonly<Record<string, PackArea>> = {
  k8s: "kubernetes",
  aws: "aws",
  gcp: "gcp",
  vault: "vault",
  platform: "platform",
};

/** The area of a rule name (`k8s-no-privileged` → `kubernetes`), or undefined for a foreign name. */
export function areaOfRule(policyName: string): PackArea | undefined {
  const dash = policyName.indexOf("-");
  if (dash <= 0) return undefined;
  const prefix = policyName.slice(0, dash);
  return Object.prototype.hasOwnProperty.call(PREFIXES, prefix) ? PREFIXES[prefix] : undefined;
}

/** The area's pack name as reports show it: `platform-kubernetes`. */
export function areaPackName(area: PackArea): string {
  return `platform-${area}`;
}
