/**
 * Small pure helpers shared by the cloud components (AWS, GCP, Vault): tier-driven defaults and
 * the error factory every component uses to fail before creating children.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Tier } from "../../model/types";

/** Days of automated database backups each tier keeps: 7 / 14 / 30. */
export function backupRetentionDays(tier: Tier): number {
  switch (tier) {
    case "development":
      return 7;
    case "staging":
      return 14;
    case "production":
      return 30;
    default: {
      const unreachable: never = tier;
      throw new Error(`unknown tier ${String(unreachable)}; use development, staging or production`);
    }
  }
}

/** True for the tier that turns on Multi-AZ, deletion protection and `protect: true`. */
export function isProduction(tier: Tier): boolean {
  return tier === "production";
}

/** Resource options of a stateful child: `protect: true` in production (platform-protect-stateful). */
export function statefulOpts(parent: pulumi.Resource, tier: Tier, extra?: pulumi.CustomResourceOptions) {
  return { ...extra, parent, protect: isProduction(tier) };
}

/**
 * Builds the error a component throws from its validation step: a `ResourceError` prefixed with
 * what is being built (`postgres database "orders"`), so the message names the spec entry.
 */
export function failer(resource: pulumi.Resource, what: string): (message: string) => pulumi.ResourceError {
  return (message: string) => new pulumi.ResourceError(`${what}: ${message}`, resource);
}
