/**
 * The rule arrays of every pack, without constructing any PolicyPack (that starts a gRPC server):
 * the packs' index.ts files, the offline evaluator and the tests all read from here.
 */
import type { EnforcementLevel } from "@pulumi/policy";
import { awsRules } from "./aws/rules";
import { gcpRules } from "./gcp/rules";
import { kubernetesRules } from "./kubernetes/rules";
import { PlatformPolicy } from "./lib/rule";
import { platformRules } from "./platform/rules";
import { vaultRules } from "./vault/rules";

export type PackArea = "kubernetes" | "aws" | "gcp" | "vault" | "platform";

/** One policy pack: its name (`platform-<area>`), default level and rules. */
export interface PackDefinition {
  area: PackArea;
  name: string;
  enforcementLevel: EnforcementLevel;
  policies: PlatformPolicy[];
}

function pack(area: PackArea, policies: PlatformPolicy[]): PackDefinition {
  return { area, name: `platform-${area}`, enforcementLevel: "advisory", policies };
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
