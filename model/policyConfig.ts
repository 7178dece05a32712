/**
 * The engine's policy config (`policies/config/<env>.json`) and how it resolves for one rule:
 * `{ "<policy>": level | { enforcementLevel, ...props }, "all": level }`, with the rule's
 * configSchema defaults under the given properties. Pure data: the offline evaluator, the
 * admission policies and the engine packs all resolve levels through here.
 */

/** A rule's enforcement level, as the Pulumi engine names them. */
export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** Every level, in the engine's order. */
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = [
  "advisory",
  "mandatory",
  "remediate",
  "disabled",
];

/** The engine's policy config: level, or level plus properties, per policy name; `all` sets every level. */
export type PolicyConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

/** What resolution needs to know of a rule: its name, own level and config schema. */
export interface ConfigurableRule {
  name: string;
  enforcementLevel?: EnforcementLevel;
  configSchema?: { properties?: Record<string, { default?: unknown }> };
}

/** Schema defaults of a rule's configSchema. */
export function configDefaults(rule: ConfigurableRule): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(rule.configSchema?.properties ?? {})) {
    if (schema.default !== undefined) out[key] = structuredClone(schema.default);
  }
  return out;
}

/** The level and properties the config gives a rule (`all` first, then the rule's own entry). */
export function resolvePolicyConfig(
  rule: ConfigurableRule,
  pack: { enforcementLevel: EnforcementLevel },
  config: PolicyConfig,
): { level: EnforcementLevel; props: Record<string, unknown> } {
  const entry = config[rule.name];
  const all = typeof config.all === "string" ? config.all : undefined;
  let level = all ?? rule.enforcementLevel ?? pack.enforcementLevel;
  let props: Record<string, unknown> = {};
  if (typeof entry === "string") level = entry;
  else if (entry && typeof entry === "object") {
    const { enforcementLevel, ...rest } = entry;
    if (enforcementLevel) level = enforcementLevel;
    props = rest;
  }
  return { level, props: { ...configDefaults(rule), ...props } };
}
