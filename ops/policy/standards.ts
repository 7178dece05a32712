/**
 * The Pod Security Standards view of an offline check: which control each rule implements, at
 * which level, how the environment enforces it and how many violations it found. Pure: the
 * `policy check` verb prints and writes what these functions return.
 */
import type { EnforcementLevel } from "@pulumi/policy";
import { PolicyConfig, resolvePolicyConfig } from "../../model/policyConfig";
import { packs } from "../../policies/catalog";
import {
  PSS_CONTROLS,
  PSS_LEVELS,
  PssLevel,
  rulesOfStandard,
} from "../../policies/kubernetes/podSecurityStandards";
import type { Violation } from "./evaluate";

export { PSS_LEVELS, rulesOfStandard } from "../../policies/kubernetes/podSecurityStandards";
export type { PssLevel } from "../../policies/kubernetes/podSecurityStandards";

/** One control of the standard as the check saw it. */
export interface ControlCoverage {
  level: PssLevel;
  control: string;
  rule: string;
  /** The rule's level in the environment's policy config (`disabled`: not checked). */
  enforcement: EnforcementLevel;
  /** Violations the rule reported in this check. */
  violations: number;
}

/** `value` as a level of the standard, or a usage problem naming the flag and the allowed values. */
export function parseStandard(value: string): PssLevel | { problem: string } {
  if ((PSS_LEVELS as readonly string[]).includes(value)) return value as PssLevel;
  return { problem: `--standard must be one of ${PSS_LEVELS.join(", ")} (got "${value}")` };
}

/**
 * Every control of `level` (restricted includes baseline; @default both levels), with its rule,
 * the rule's enforcement under `config` and its violations among `violations`.
 */
export function standardCoverage(
  violations: readonly Violation[],
  config: object,
  level?: PssLevel,
): ControlCoverage[] {
  const wanted = new Set(rulesOfStandard(level ?? "restricted"));
  const levels: PssLevel[] = level === "baseline" ? ["baseline"] : ["baseline", "restricted"];
  const kubernetes = packs.find((p) => p.area === "kubernetes");
  return PSS_CONTROLS.filter((c) => levels.includes(c.level) && wanted.has(c.rule)).map((c) => {
    const policy = kubernetes?.policies.find((p) => p.name === c.rule);
    const enforcement = policy
      ? resolvePolicyConfig(policy, kubernetes!, config as PolicyConfig).level
      : "disabled";
    return {
      ...c,
      enforcement,
      violations: violations.filter((v) => v.policyName === c.rule).length,
    };
  });
}

/** The coverage as a text table under a heading naming the level. */
export function formatCoverage(rows: readonly ControlCoverage[], level?: PssLevel): string {
  if (rows.length === 0) return "";
  const heading =
    level === "baseline"
      ? "Pod Security Standards, baseline:"
      : level === "restricted"
        ? "Pod Security Standards, restricted (includes baseline):"
        : "Pod Security Standards (every control of baseline and restricted):";
  const cells = rows.map((r) => [r.level, r.control, r.rule, r.enforcement, String(r.violations)]);
  const header = ["LEVEL", "CONTROL", "RULE", "ENFORCEMENT", "VIOLATIONS"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((cell, i) => (i < c.length - 1 ? cell.padEnd(widths[i]) : cell))
      .join("  ")
      .trimEnd();
  return `${heading}\n${[header, ...cells].map(line).join("\n")}\n`;
}
