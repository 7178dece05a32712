/**
 * Drift-ignore rules (`drift.ignore` in platform.yaml): pure matching of a rule against a
 * Kubernetes object and a property path, and the filtering of a refresh's resources by the rules.
 * An ignored difference is neither drift nor remediated (remediation runs with the same rules as
 * `ignoreChanges`, see program/run.ts), and a rule that matches no resource of the stack is a
 * warning of the drift report (only the report knows the stack's resources; `validate` does not).
 */
export { globMatches, ruleCovers } from "../../model/driftIgnore";
import type { DriftIgnoreRule } from "../../model/types";
import { ruleCovers } from "../../model/driftIgnore";
import type { ResourceChange } from "../report/model";
import { parsePropertyPath, PathSegment } from "../report/propertyPath";

function segments(path: string): PathSegment[] | undefined {
  try {
    return parsePropertyPath(path);
  } catch {
    return undefined;
  }
}

/** Whether `path` is `ignored` or under it (`spec.replicas` covers `spec.replicas`, `spec` covers `spec.x`). */
export function pathCovered(ignored: string, path: string): boolean {
  const a = segments(ignored);
  const b = segments(path);
  if (!a || !b || a.length > b.length) return false;
  return a.every((s, i) => String(s) === String(b[i]));
}

/** A rule as people read it: `drift.ignore[0] (Deployment checkout-*)`. */
export function describeRule(rule: DriftIgnoreRule, index: number): string {
  const ns = rule.namespace ? ` in ${rule.namespace}` : "";
  return `drift.ignore[${index}] (${rule.kind} ${rule.name}${ns})`;
}

/** What filtering left and what it took away. */
export interface IgnoreOutcome {
  /** The resources with their ignored properties removed; a resource left with none is dropped. */
  kept: ResourceChange[];
  /** Properties ignored, over all resources. */
  ignoredProperties: number;
  /** Resources that differed only in ignored properties. */
  ignoredResources: number;
  /** One warning per rule that covers no resource at all. */
  unmatched: string[];
}

/**
 * Filters the changed resources of a refresh by the rules. `all` is every resource the refresh
 * saw (changed or not): a rule that covers none of them is named in `unmatched`. A deleted object
 * is never ignored (it has no properties to ignore).
 */
export function applyIgnoreRules(
  changed: readonly ResourceChange[],
  all: readonly ResourceChange[],
  rules: readonly DriftIgnoreRule[],
): IgnoreOutcome {
  let ignoredProperties = 0;
  let ignoredResources = 0;
  const kept: ResourceChange[] = [];
  for (const r of changed) {
    const covering = rules.filter((rule) => ruleCovers(rule, r.object));
    if (!covering.length || r.op === "delete" || !r.properties.length) {
      kept.push(r);
      continue;
    }
    const properties = r.properties.filter(
      (p) => !covering.some((rule) => rule.paths.some((ignored) => pathCovered(ignored, p.path))),
    );
    ignoredProperties += r.properties.length - properties.length;
    if (properties.length) kept.push({ ...r, properties });
    else ignoredResources++;
  }
  const unmatched = rules.flatMap((rule, i) =>
    all.some((r) => ruleCovers(rule, r.object))
      ? []
      : [
          `${describeRule(rule, i)} matches no resource of the stack: fix its kind, name or namespace, or remove it`,
        ],
  );
  return { kept, ignoredProperties, ignoredResources, unmatched };
}
