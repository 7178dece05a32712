/**
 * Offline policy evaluation: runs the platform's policy packs over a list of resources (from
 * Pulumi mocks or plain Kubernetes manifests) without the Pulumi engine. It builds the same
 * `ResourceValidationArgs`/`StackValidationArgs` the analyzer would, honours the engine's config
 * format (`{ "<policy>": level | { enforcementLevel, ...props }, "all": level }`), and skips
 * `disabled` rules. Resource rules are matched by type token once per distinct type.
 */
import type {
  EnforcementLevel,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  Severity,
  StackValidationArgs,
} from "@pulumi/policy";
import Ajv from "ajv";
import { ENFORCEMENT_LEVELS, PolicyConfig, resolvePolicyConfig } from "../../model/policyConfig";
import { PackDefinition, packs as allPacks } from "../../policies/catalog";
import {
  APPLIES_TO,
  PlatformPolicy,
  PlatformResourcePolicy,
  PlatformStackPolicy,
  TypedValidation,
} from "../../policies/lib/rule";

/** A resource as the evaluator sees it. */
export interface OfflineResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  opts?: { protect?: boolean; parent?: string; provider?: string };
}

/** One reported violation. */
export interface Violation {
  policyPack: string;
  policyName: string;
  enforcementLevel: EnforcementLevel;
  severity: Severity;
  resourceUrn?: string;
  resourceType?: string;
  message: string;
  remediation: string;
}

export interface EvaluateOptions {
  /** Environment name (stack tag `platform:env`). */
  env: string;
  /** Policy config in the engine's format (e.g. policies/config/<env>.json). */
  config: object;
  /** Restrict to these packs, by area (`kubernetes`) or name (`platform-kubernetes`). @default every pack */
  packs?: string[];
  /** Run only these rules, by name (e.g. a Pod Security Standards level). @default every rule of the packs */
  rules?: readonly string[];
}

class NotApplicableError extends Error {
  override name = "NotApplicableError";
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicableError(reason ?? "not applicable");
}

/**
 * Problems with a policy config: unknown policy names, unknown levels, and properties that do not
 * satisfy the policy's configSchema. Empty when the config is usable.
 */
export function checkPolicyConfig(config: object, packs: readonly PackDefinition[] = allPacks): string[] {
  const problems: string[] = [];
  if (config === null || typeof config !== "object" || Array.isArray(config))
    return ["the policy config must be a JSON object"];
  const byName = new Map(packs.flatMap((p) => p.policies.map((policy) => [policy.name, policy] as const)));
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const [name, entry] of Object.entries(config as Record<string, unknown>)) {
    const level =
      typeof entry === "string" ? entry : (entry as { enforcementLevel?: unknown } | null)?.enforcementLevel;
    if (level !== undefined && !ENFORCEMENT_LEVELS.includes(level as EnforcementLevel)) {
      problems.push(
        `${name}: enforcementLevel "${String(level)}" is not one of ${ENFORCEMENT_LEVELS.join(", ")}`,
      );
    }
    if (name === "all") continue;
    const policy = byName.get(name);
    if (!policy) {
      problems.push(`${name}: no policy of that name exists in the packs`);
      continue;
    }
    if (typeof entry === "object" && entry !== null) {
      const props: Record<string, unknown> = { ...(entry as Record<string, unknown>) };
      delete props.enforcementLevel;
      const schema = {
        type: "object",
        properties: policy.configSchema?.properties ?? {},
        additionalProperties: false,
      };
      const validate = ajv.compile(schema);
      if (!validate(props)) {
        for (const err of validate.errors ?? [])
          problems.push(`${name}: ${err.instancePath || "(config)"} ${err.message ?? "is invalid"}`);
      }
    } else if (typeof entry !== "string") {
      problems.push(`${name}: expected a level or an object, got ${JSON.stringify(entry)}`);
    }
  }
  return problems;
}

function isResourcePolicy(p: PlatformPolicy): p is PlatformResourcePolicy {
  return typeof (p as PlatformResourcePolicy).validateResource === "function";
}

/** The type predicate of a validation: ours, `validateResourceOfType`'s `__pulumiType`, or "maybe". */
function matcherOf(validation: TypedValidation): (type: string) => boolean {
  const own = validation[APPLIES_TO];
  if (own) return own;
  if (typeof validation.__pulumiType === "string") return (type) => type === validation.__pulumiType;
  return () => true;
}

/** `resourceClass.__pulumiType`, as the engine's isType reads it. */
function typeOfClass(resourceClass: unknown): string | undefined {
  const t = (resourceClass as { __pulumiType?: unknown } | null)?.__pulumiType;
  return typeof t === "string" ? t : undefined;
}

function options(r: OfflineResource): PolicyResourceOptions {
  return {
    protect: r.opts?.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent: r.opts?.parent,
  };
}

/** `urn::id` provider references → URN. */
function providerUrn(ref: string): string {
  const i = ref.lastIndexOf("::");
  return ref.startsWith("urn:") && i > 0 && ref.slice(0, i).split("::").length >= 4 ? ref.slice(0, i) : ref;
}

interface Active {
  pack: PackDefinition;
  policy: PlatformPolicy;
  level: EnforcementLevel;
  config: Record<string, unknown>;
}

/**
 * Evaluates every enabled rule of the selected packs over `resources`: resource rules for each
 * resource whose type they apply to, stack rules once over all resources. Throws on an unknown
 * pack name; rules that throw (other than "not applicable") propagate their error.
 */
export function evaluate(resources: OfflineResource[], opts: EvaluateOptions): Violation[] {
  const config = opts.config as PolicyConfig;
  const wanted = opts.packs;
  const selected = wanted
    ? allPacks.filter((p) => wanted.includes(p.area) || wanted.includes(p.name))
    : [...allPacks];
  if (wanted) {
    const unknown = wanted.filter((w) => !allPacks.some((p) => p.area === w || p.name === w));
    if (unknown.length > 0)
      throw new Error(
        `unknown policy pack(s) ${unknown.join(", ")}; known: ${allPacks.map((p) => p.area).join(", ")}`,
      );
  }
  const active: Active[] = [];
  const only = opts.rules ? new Set(opts.rules) : undefined;
  for (const pack of selected) {
    for (const policy of pack.policies) {
      if (only && !only.has(policy.name)) continue;
      const { level, props } = resolvePolicyConfig(policy, pack, config);
      if (level !== "disabled") active.push({ pack, policy, level, config: props });
    }
  }

  const stackTags: ReadonlyMap<string, string> = new Map([["platform:env", opts.env]]);
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const violations: Violation[] = [];
  const push = (a: Active, message: string, urn?: string, type?: string) =>
    violations.push({
      policyPack: a.pack.name,
      policyName: a.policy.name,
      enforcementLevel: a.level,
      severity: a.policy.severity,
      ...(urn ? { resourceUrn: urn, resourceType: type ?? byUrn.get(urn)?.type } : {}),
      message,
      remediation: a.policy.remediationSteps,
    });

  // Resource rules, grouped per distinct type.
  const resourceRules = active.flatMap((a) =>
    isResourcePolicy(a.policy) ? [{ a, validation: a.policy.validateResource as TypedValidation }] : [],
  );
  const matchers = resourceRules.map((r) => matcherOf(r.validation));
  const perType = new Map<string, typeof resourceRules>();
  const providerCache = new Map<string, PolicyProviderResource | undefined>();
  const providerOf = (r: OfflineResource): PolicyProviderResource | undefined => {
    const ref = r.opts?.provider;
    if (!ref) return undefined;
    if (!providerCache.has(ref)) {
      const p = byUrn.get(providerUrn(ref));
      providerCache.set(ref, p ? { type: p.type, props: p.props, urn: p.urn, name: p.name } : undefined);
    }
    return providerCache.get(ref);
  };

  const getConfigs = new Map(resourceRules.map(({ a }) => [a, <T extends object>() => a.config as T]));
  for (const r of resources) {
    let rules = perType.get(r.type);
    if (!rules) {
      rules = resourceRules.filter((_, i) => matchers[i](r.type));
      perType.set(r.type, rules);
    }
    if (rules.length === 0) continue;
    const provider = providerOf(r);
    // One argument bag per resource; only getConfig changes from rule to rule.
    const args: ResourceValidationArgs = {
      type: r.type,
      props: r.props,
      urn: r.urn,
      name: r.name,
      opts: options(r),
      stackTags,
      isType: (cls) => typeOfClass(cls) === r.type,
      asType: ((cls: unknown) =>
        typeOfClass(cls) === r.type ? r.props : undefined) as ResourceValidationArgs["asType"],
      getConfig: <T extends object>() => ({}) as T,
      notApplicable: throwNotApplicable,
      ...(provider ? { provider } : {}),
    };
    for (const { a, validation } of rules) {
      args.getConfig = getConfigs.get(a) as ResourceValidationArgs["getConfig"];
      try {
        const result = validation(args, (message) => push(a, message, r.urn, r.type));
        if (result && typeof (result as Promise<void>).then === "function") {
          throw new Error(
            `policy ${a.policy.name} returned a promise; the offline evaluator runs synchronous rules only`,
          );
        }
      } catch (err) {
        if (err instanceof NotApplicableError) continue;
        throw err;
      }
    }
  }

  // Stack rules, over every resource.
  const stackPolicies = active.filter((a) => !isResourcePolicy(a.policy));
  if (stackPolicies.length > 0) {
    const policyResources = new Map<string, PolicyResource>();
    for (const r of resources) {
      const provider = providerOf(r);
      policyResources.set(r.urn, {
        type: r.type,
        props: r.props,
        urn: r.urn,
        name: r.name,
        opts: options(r),
        ...(provider ? { provider } : {}),
        dependencies: [],
        propertyDependencies: {},
        isType: (cls) => typeOfClass(cls) === r.type,
        asType: ((cls: unknown) =>
          typeOfClass(cls) === r.type ? r.props : undefined) as PolicyResource["asType"],
      });
    }
    for (const r of resources) {
      const parent = r.opts?.parent ? policyResources.get(r.opts.parent) : undefined;
      if (parent) policyResources.get(r.urn)!.parent = parent;
    }
    const list = [...policyResources.values()];
    for (const a of stackPolicies) {
      const args: StackValidationArgs = {
        resources: list,
        stackTags,
        getConfig: <T extends object>() => a.config as T,
        notApplicable: throwNotApplicable,
      };
      try {
        const result = (a.policy as PlatformStackPolicy).validateStack(args, (message, urn) =>
          push(a, message, urn),
        );
        if (result && typeof (result as Promise<void>).then === "function") {
          throw new Error(
            `policy ${a.policy.name} returned a promise; the offline evaluator runs synchronous rules only`,
          );
        }
      } catch (err) {
        if (err instanceof NotApplicableError) continue;
        throw err;
      }
    }
  }
  return violations;
}

/** True when any violation is mandatory (what fails `pulumi up`). */
export function hasMandatory(violations: readonly Violation[]): boolean {
  return violations.some((v) => v.enforcementLevel === "mandatory");
}
