/**
 * AWS tag merging. The cloud-neutral helpers (tier defaults, the validation error factory) live
 * in components/shared/tier.ts.
 */
import type { Tier } from "../../model/types";

/** Tags every platform AWS resource carries; `args.tags` are merged over them. */
export function platformTags(
  component: string,
  tier: Tier,
  extra?: Record<string, string>,
): Record<string, string> {
  return { "managed-by": "pulumi", "platform:component": component, "platform:tier": tier, ...extra };
}
