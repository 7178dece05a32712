/**
 * Admission enforcement of the Kubernetes rules: every rule with a CEL form becomes a
 * ValidatingAdmissionPolicy and a ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io/v1),
 * with the environment's level (policies/config/<env>.json) mapped to validationActions:
 * mandatory → Deny+Audit, advisory → Warn+Audit, disabled → no policy. Pure: the AdmissionPolicies
 * component and the conformance test build the same objects from here.
 */
import type { EnforcementLevel } from "@pulumi/policy";
import { PolicyConfig, resolvePolicyConfig } from "../../../model/policyConfig";
import { PlatformPolicy } from "../../lib/rule";
import { kubernetesRules } from "../rules";
import { accessCel } from "../rules/access";
import { containerCel } from "../rules/containers";
import { objectCel } from "../rules/objects";
import { podSecurityCel } from "../rules/pod-security";
import { podSecurityStandardCel } from "../rules/pod-security-standards";
import { CelMatch, CelRule, cel } from "./lib";

export type { CelRule } from "./lib";

/** Every CEL form, in catalog order of the TypeScript rules. */
export const celRules: readonly CelRule[] = [
  ...podSecurityCel,
  ...podSecurityStandardCel,
  ...containerCel,
  ...objectCel,
  ...accessCel,
];

/** Namespaces no binding applies to: the control plane's and the platform's own. */
export const DEFAULT_EXCLUDED_NAMESPACES: readonly string[] = [
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "external-secrets",
];

/** validationActions of a level; undefined when the rule is disabled. */
export function validationActions(level: EnforcementLevel): string[] | undefined {
  if (level === "disabled") return undefined;
  return level === "advisory" ? ["Warn", "Audit"] : ["Deny", "Audit"];
}

const OPS = ["CREATE", "UPDATE"];
const PODS = {
  apiGroups: [""],
  apiVersions: ["v1"],
  operations: OPS,
  resources: ["pods", "pods/ephemeralcontainers"],
};
const APPS = ["deployments", "statefulsets", "daemonsets", "replicasets"];
const core = (resources: string[]) => ({ apiGroups: [""], apiVersions: ["v1"], operations: OPS, resources });
const rbac = (resources: string[]) => ({
  apiGroups: ["rbac.authorization.k8s.io"],
  apiVersions: ["v1"],
  operations: OPS,
  resources,
});
const RESOURCE_RULES: Record<CelMatch, object[]> = {
  pods: [
    PODS,
    { apiGroups: ["apps"], apiVersions: ["v1"], operations: OPS, resources: APPS },
    { apiGroups: ["batch"], apiVersions: ["v1"], operations: OPS, resources: ["jobs", "cronjobs"] },
  ],
  "long-running-pods": [PODS, { apiGroups: ["apps"], apiVersions: ["v1"], operations: OPS, resources: APPS }],
  "pods-and-service-accounts": [],
  services: [core(["services"])],
  secrets: [core(["secrets"])],
  roles: [rbac(["roles", "clusterroles"])],
  "role-bindings": [rbac(["rolebindings", "clusterrolebindings"])],
  ingresses: [
    { apiGroups: ["networking.k8s.io"], apiVersions: ["v1"], operations: OPS, resources: ["ingresses"] },
  ],
  "external-secrets-unserved": [
    {
      apiGroups: ["external-secrets.io"],
      apiVersions: ["v1beta1", "v1alpha1"],
      operations: OPS,
      resources: ["*"],
      scope: "*",
    },
  ],
  namespaced: [
    { apiGroups: ["*"], apiVersions: ["*"], operations: OPS, resources: ["*"], scope: "Namespaced" },
  ],
  all: [{ apiGroups: ["*"], apiVersions: ["*"], operations: OPS, resources: ["*"], scope: "*" }],
};
RESOURCE_RULES["pods-and-service-accounts"] = [...RESOURCE_RULES.pods, core(["serviceaccounts"])];

/** Requests that are not objects anyone deploys: reviews, events and leases. */
const NOT_DEPLOYED = [
  {
    apiGroups: ["authorization.k8s.io", "authentication.k8s.io"],
    apiVersions: ["*"],
    operations: OPS,
    resources: ["*"],
  },
  { apiGroups: ["", "events.k8s.io"], apiVersions: ["*"], operations: OPS, resources: ["events"] },
  { apiGroups: ["coordination.k8s.io"], apiVersions: ["*"], operations: OPS, resources: ["leases"] },
];

/** One rule as admission enforces it. */
export interface AdmissionPolicyPlan {
  rule: CelRule;
  level: EnforcementLevel;
  actions: string[];
  /** `spec` of the ValidatingAdmissionPolicy. */
  policy: Record<string, unknown>;
  /** `spec` of its ValidatingAdmissionPolicyBinding. */
  binding: Record<string, unknown>;
}

/** What {@link admissionPlan} needs besides the policy config. */
export interface AdmissionPlanOptions {
  /** @default DEFAULT_EXCLUDED_NAMESPACES */
  excludedNamespaces?: readonly string[];
  /** Overrides every rule's actions (the conformance test uses ["Deny"]). @default from the level */
  actions?: string[];
}

/**
 * The policies and bindings an environment gets. Requests by the control plane (`system:` users
 * other than service accounts) and by service accounts of excluded namespaces are not matched:
 * controllers create pods from templates that were admitted already.
 */
export function admissionPlan(config: object, options: AdmissionPlanOptions = {}): AdmissionPolicyPlan[] {
  const excluded = [...(options.excludedNamespaces ?? DEFAULT_EXCLUDED_NAMESPACES)];
  const byName = new Map<string, PlatformPolicy>(kubernetesRules.map((r) => [r.name, r]));
  const out: AdmissionPolicyPlan[] = [];
  for (const rule of celRules) {
    const policy = byName.get(rule.name);
    if (!policy) throw new Error(`CEL form ${rule.name} has no TypeScript rule of that name`);
    const { level, props } = resolvePolicyConfig(
      policy,
      { enforcementLevel: "advisory" },
      config as PolicyConfig,
    );
    const actions = validationActions(level);
    if (!actions) continue;
    const user = "request.userInfo.username";
    out.push({
      rule,
      level,
      actions: options.actions ?? actions,
      policy: {
        failurePolicy: "Fail",
        matchConstraints: {
          // Exact: a request at another version is never converted into one this rule judges.
          ...(rule.match === "external-secrets-unserved" ? { matchPolicy: "Exact" } : {}),
          resourceRules: RESOURCE_RULES[rule.match],
          ...(rule.match === "all" || rule.match === "namespaced"
            ? { excludeResourceRules: NOT_DEPLOYED }
            : {}),
        },
        matchConditions: [
          {
            name: "not-platform-identity",
            expression:
              `!(${user}.startsWith('system:') && !${user}.startsWith('system:serviceaccount:')) && ` +
              `!${cel(excluded)}.exists(ns, ${user}.startsWith('system:serviceaccount:' + ns + ':'))`,
          },
        ],
        variables: rule.variables(props),
        validations: [
          {
            expression: "size(variables.findings) == 0",
            message: rule.message,
            messageExpression: "variables.findings[0]",
            reason: "Forbidden",
          },
        ],
      },
      binding: {
        policyName: rule.name,
        validationActions: options.actions ?? actions,
        matchResources: {
          namespaceSelector: {
            matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: excluded }],
          },
        },
      },
    });
  }
  return out;
}

/** The plan as plain manifests (policy, then binding, per rule), e.g. for `kubectl apply`. */
export function admissionManifests(plan: readonly AdmissionPolicyPlan[]): Record<string, unknown>[] {
  return plan.flatMap((p) => [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: p.rule.name },
      spec: p.policy,
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: p.rule.name },
      spec: p.binding,
    },
  ]);
}
