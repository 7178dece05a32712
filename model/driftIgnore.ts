/**
 * Which Kubernetes objects a `drift.ignore` rule covers: pure, shared by the drift report
 * (ops/drift/ignore.ts) and the program (program/run.ts turns the rules into `ignoreChanges`).
 */
import type { DriftIgnoreRule } from "./types";

/** `*` any run of characters, `?` one character; everything else literal. */
export function globMatches(glob: string, value: string): boolean {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}

/** A Kubernetes object as a rule sees it. */
export interface IgnoreTarget {
  kind: string;
  name?: string;
  namespace?: string;
}

/** Whether a rule covers an object: kind exactly, name and namespace as globs (no namespace: any). */
export function ruleCovers(rule: DriftIgnoreRule, object: IgnoreTarget | undefined): boolean {
  if (!object || object.kind !== rule.kind || object.name === undefined) return false;
  if (!globMatches(rule.name, object.name)) return false;
  return rule.namespace === undefined || globMatches(rule.namespace, object.namespace ?? "");
}

/** The kind of a Kubernetes type token (`kubernetes:apps/v1:Deployment` → `Deployment`), else undefined. */
export function kubernetesKind(type: string): string | undefined {
  return type.startsWith("kubernetes:") ? type.slice(type.lastIndexOf(":") + 1) : undefined;
}
