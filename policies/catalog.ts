/**
 * The rules of every area, without constructing any PolicyPack (that starts a gRPC server): the
 * engine's one pack (policies/pack), the offline evaluator and the tests all read from here. An
 * area (`platform-<area>`) is a group of rules, not a process: the engine runs them all in one
 * analyzer, and reports name the area from the rule's name (policies/areas.ts).
 */
import type { EnforcementLevel } from "@pulumi/policy";
import { PackArea, areaPackName } from "./areas";
import { awsRules } from "./aws/rules";
import { gcpRules } from "./gcp/rules";
import { kubernetesRules } from "./kubernetes/rules";
import { PlatformPolicy } from "./lib/rule";
import { platformRules } from "./platform/rules";
import { vaultRules } from "./vault/rules";

export type { PackArea } from "./areas";

/** One area's rules: its name (`platform-<area>`), default level and rules. */
export interface PackDefinition {
  area: PackArea;
  name: string;
  enforcementLevel: EnforcementLevel;
  policies: PlatformPolicy[];
}

function pack(area: PackArea, policies: PlatformPolicy[]): PackDefinition {
  return { area, name: areaPackName(area), enforcementLevel: "advisory", policies };
}

export const packs: readonly PackDefinition[] = [
  pack("kubernetes", kubernetesRules),
  pack("aws", awsRules),
  pack("gcp", gcpRules),
  pack("vault", vaultRules),
  pack("platform", platformRules),
];

/** Every rule of every pack. */
export const allPolicies: readonly PlatformPolicy[] = packs.flatMap((p) => p.policies);
