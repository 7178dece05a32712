/**
 * Rule builders shared by every pack. A rule is a plain `@pulumi/policy` policy object plus the
 * metadata the platform requires (severity, remediation steps, a config schema with defaults);
 * nothing here constructs a PolicyPack, so tests and the offline evaluator can import rules freely.
 */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/** Tag carried by rules that are mandatory in production and advisory elsewhere (M-prod). */
export const MANDATORY_IN_PRODUCTION = "mandatory-in-production";

/** Metadata every platform rule has. */
export interface RuleMeta {
  /** `<area>-<resource>-<rule>`, kebab-case, unique across packs. */
  name: string;
  description: string;
  /** M → mandatory, A → advisory, M-prod → `"mandatory-in-production"`. */
  level: "mandatory" | "advisory" | "mandatory-in-production";
  severity: Severity;
  remediationSteps: string;
  /** Config knobs, each with a default. */
  configSchema?: PolicyConfigSchema;
  /** The public rule this one mirrors (Kyverno, Checkov, ...). */
  mirrors?: string;
  /** A link to the public standard whose allowed values the rule follows. @default none */
  reference?: string;
}

/** A platform resource rule: a ResourceValidationPolicy with the required metadata set. */
export type PlatformResourcePolicy = ResourceValidationPolicy & {
  enforcementLevel: EnforcementLevel;
  severity: Severity;
  remediationSteps: string;
  /** See {@link RuleMeta.reference}. */
  reference?: string;
  validateResource: ResourceValidation;
};

/** A platform stack rule. */
export type PlatformStackPolicy = StackValidationPolicy & {
  enforcementLevel: EnforcementLevel;
  severity: Severity;
  remediationSteps: string;
  /** See {@link RuleMeta.reference}. */
  reference?: string;
};

export type PlatformPolicy = PlatformResourcePolicy | PlatformStackPolicy;

/** Which type tokens a rule applies to: a list of exact tokens or a predicate. */
export type AppliesTo = readonly string[] | ((type: string) => boolean);

/** Property carrying a validation's type predicate, read by the offline evaluator. */
export const APPLIES_TO = "__platformAppliesTo";

/** A validation with the type metadata attached. */
export type TypedValidation = ResourceValidation & {
  __pulumiType?: string;
  [APPLIES_TO]?: (type: string) => boolean;
};

function metadata(meta: RuleMeta) {
  const mProd = meta.level === MANDATORY_IN_PRODUCTION;
  return {
    name: meta.name,
    description: meta.description,
    enforcementLevel: (mProd ? "advisory" : meta.level) as EnforcementLevel,
    severity: meta.severity,
    remediationSteps: meta.remediationSteps,
    configSchema: meta.configSchema,
    tags: mProd ? [MANDATORY_IN_PRODUCTION] : [],
    ...(meta.mirrors ? { displayName: `${meta.name} (mirrors ${meta.mirrors})` } : {}),
    ...(meta.reference ? { reference: meta.reference } : {}),
  };
}

/** A predicate over type tokens for an {@link AppliesTo}. */
export function typeMatcher(appliesTo: AppliesTo): (type: string) => boolean {
  if (typeof appliesTo === "function") return appliesTo;
  const set = new Set(appliesTo);
  return (type) => set.has(type);
}

/** A resource rule: `validate` runs only for resources whose type the rule applies to. */
export function resourceRule(
  meta: RuleMeta & {
    appliesTo: AppliesTo;
    validate: (props: Record<string, unknown>, args: ResourceValidationArgs, report: ReportViolation) => void;
  },
): PlatformResourcePolicy {
  const matches = typeMatcher(meta.appliesTo);
  const validation: TypedValidation = (args, report) => {
    if (!matches(args.type)) args.notApplicable(`${meta.name} does not apply to ${args.type}`);
    meta.validate(args.props, args, report);
  };
  validation[APPLIES_TO] = matches;
  if (Array.isArray(meta.appliesTo) && meta.appliesTo.length === 1)
    validation.__pulumiType = meta.appliesTo[0];
  return { ...metadata(meta), validateResource: validation };
}

/** A stack rule over every resource of the stack. */
export function stackRule(
  meta: RuleMeta & {
    validate: (resources: PolicyResource[], args: StackValidationArgs, report: ReportViolation) => void;
  },
): PlatformStackPolicy {
  return {
    ...metadata(meta),
    validateStack: (args, report) => meta.validate(args.resources, args, report),
  };
}

/** Last segment of a type token: `kubernetes:apps/v1:Deployment` → `Deployment`. */
export function kindOf(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

/** A short label for messages: `Deployment "web"`. */
export function describe(type: string, name: string): string {
  return `${kindOf(type)} "${name}"`;
}
