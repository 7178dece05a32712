/** Shared helper for rules over every pod spec (Pod and all pod templates). */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { POD_TYPES, podSpecOf } from "../../lib/k8s";
import { UNKNOWN } from "../../lib/read";
import { AppliesTo, PlatformResourcePolicy, RuleMeta, resourceRule } from "../../lib/rule";

/** What a pod check receives. */
export interface PodCheck {
  type: string;
  /** `Deployment "web"` */
  subject: string;
  props: Record<string, unknown>;
  spec: Record<string, unknown>;
  args: ResourceValidationArgs;
  report: ReportViolation;
}

/** A resource rule over POD types that skips objects whose pod spec is absent or unknown. */
export function podRule(
  meta: RuleMeta & { appliesTo?: AppliesTo; check: (pod: PodCheck) => void },
): PlatformResourcePolicy {
  return resourceRule({
    ...meta,
    appliesTo: meta.appliesTo ?? POD_TYPES,
    validate: (props, args, report) => {
      const spec = podSpecOf(args.type, props);
      if (spec === undefined || spec === UNKNOWN) return;
      const kind = args.type.slice(args.type.lastIndexOf(":") + 1);
      meta.check({ type: args.type, subject: `${kind} "${args.name}"`, props, spec, args, report });
    },
  });
}
