/**
 * The fixtures of the Kubernetes rules that have a CEL form, as plain manifests: the rows of
 * k8s-pod-cases.ts and k8s-object-cases.ts (the tables the rule tests assert), so the admission
 * conformance test (test/e2e/admission.test.ts) can send each one to the API server.
 */
import { typeToken } from "../../ops/policy/manifests";
import { celRules } from "../../policies/kubernetes/cel";
import { variant } from "./harness";
import { OBJECT_CASES, ObjectSubject } from "./k8s-object-cases";
import { CASE_TYPES, POD_CASES, podRuleApplies } from "./k8s-pod-cases";
import { LABELS, PodSpec, WORKLOADS, goodPodSpec, withPodAnnotations } from "./k8s-workloads";

export { CASE_TYPES } from "./k8s-pod-cases";

/** A manifest that tests index into freely. */
export type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One fixture: the rule it exercises, a manifest, and the expected TypeScript verdict. */
export interface CelCase {
  rule: string;
  case: string;
  manifest: Manifest;
  /** A fragment of the expected TypeScript message, or null when the fixture complies. */
  expected: RegExp | null;
}

/** `apiVersion` and `kind` of a Pulumi type token (the inverse of `typeToken`). */
function apiOf(type: string): { apiVersion: string; kind: string } {
  const [, groupVersion, kind] = type.split(":");
  return { apiVersion: groupVersion.replace(/^core\//, ""), kind };
}

/** The manifest of an object fixture: its props under the `apiVersion` and `kind` of its type. */
export function manifestOf(subject: ObjectSubject): Manifest {
  return { ...apiOf(subject.type), ...structuredClone(subject.props) };
}

/** A complete manifest of a workload type around a pod spec (selectors, restart policy, ...). */
export function workload(type: string, spec: PodSpec, annotations?: Record<string, string>): Manifest {
  const { apiVersion, kind } = apiOf(type);
  const obj = structuredClone(WORKLOADS[type](structuredClone(spec))) as Manifest;
  withPodAnnotations(type, obj, annotations);
  obj.apiVersion = apiVersion;
  obj.kind = kind;
  const selector = { matchLabels: { "app.kubernetes.io/name": "web" } };
  const template = (pod: Manifest): Manifest => ({
    ...pod,
    metadata: { ...pod.metadata, labels: { ...LABELS } },
  });
  if (kind === "Pod") return obj;
  if (kind === "CronJob") {
    const t = template(obj.spec.jobTemplate.spec.template);
    t.spec.restartPolicy = "Never";
    obj.spec.jobTemplate.spec.template = t;
    return obj;
  }
  obj.spec.template = template(obj.spec.template);
  if (kind === "Job") obj.spec.template.spec.restartPolicy = "Never";
  else obj.spec.selector = selector;
  if (kind === "StatefulSet") obj.spec.serviceName = "web";
  return obj;
}

/**
 * Every fixture: each admissible pod case on each of CASE_TYPES (with what the API server needs),
 * the compliant spec for every pod rule on every workload type, and the object cases of the
 * rules with a CEL form.
 */
export function celCases(podRules: readonly string[]): CelCase[] {
  const out: CelCase[] = [];
  for (const c of POD_CASES) {
    if (c.admissible === false) continue;
    const spec = variant(goodPodSpec() as PodSpec, (s) => {
      c.mutate(s);
      c.serverNeeds?.(s);
    });
    for (const type of CASE_TYPES) {
      if (!podRuleApplies(c.rule, type)) continue;
      out.push({
        rule: c.rule,
        case: `${c.case} (${apiOf(type).kind})`,
        manifest: workload(type, spec, c.annotations),
        expected: c.expected,
      });
    }
  }
  for (const type of Object.keys(WORKLOADS)) {
    for (const rule of podRules) {
      if (!podRuleApplies(rule, type)) continue;
      out.push({
        rule,
        case: `compliant ${apiOf(type).kind}`,
        manifest: workload(type, goodPodSpec() as PodSpec),
        expected: null,
      });
    }
  }
  const withCel = new Set(celRules.map((r) => r.name));
  for (const c of OBJECT_CASES) {
    if (!withCel.has(c.rule) || c.admissible === false) continue;
    out.push({
      rule: c.rule,
      case: c.case,
      manifest: manifestOf(c.subject),
      expected: c.admission === undefined ? c.expected : c.admission,
    });
  }
  return out;
}

/** The Pulumi type token of a manifest (what the TypeScript rules see). */
export function tokenOf(manifest: Record<string, unknown>): string {
  return typeToken(String(manifest.apiVersion), String(manifest.kind));
}
