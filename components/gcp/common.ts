/** Pure helpers of the GCP components: labels and name checks. */
import type { Tier } from "../../model/types";

/** GCP label keys and values: lower-case letters, digits, "_" and "-", at most 63 chars. */
export function gcpLabelValue(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "_")
    .slice(0, 63);
}

/** Labels every platform GCP resource carries; `extra` is merged over them. */
export function gcpPlatformLabels(
  component: string,
  tier: Tier,
  extra?: Record<string, string>,
): Record<string, string> {
  return {
    "managed-by": "pulumi",
    "platform-component": gcpLabelValue(component),
    "platform-tier": tier,
    ...extra,
  };
}

/** True for a GCE resource name: lower-case letter first, then letters, digits, "-", at most 63 chars. */
export function isGceName(name: string): boolean {
  return /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name);
}
