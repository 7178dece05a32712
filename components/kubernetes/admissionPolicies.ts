import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { DEFAULT_EXCLUDED_NAMESPACES, admissionPlan } from "../../policies/kubernetes/cel";
import { awaitAnnotations, isDnsLabel, labelValue } from "./labels";

/** Pulumi type token of {@link AdmissionPolicies}. */
export const ADMISSION_POLICIES_TYPE = "platform:kubernetes:AdmissionPolicies";

/** Where the per-environment policy configs live (`<env>.json`). */
export const POLICY_CONFIG_DIR = path.resolve(__dirname, "..", "..", "policies", "config");

/** Arguments of {@link AdmissionPolicies}. */
export interface AdmissionPoliciesArgs {
  /** Environment name; selects `policies/config/<environment>.json` when `policyConfig` is not given. */
  environment: string;
  /** Policy config in the engine's format. @default the contents of policies/config/<environment>.json */
  policyConfig?: object;
  /** Namespaces no binding applies to. @default kube-system, kube-public, kube-node-lease, external-secrets */
  excludedNamespaces?: string[];
  /** `platform.dev/owner` label of the policies. @default "platform" */
  owner?: string;
  /** `platform.dev/cost-center` label of the policies. @default "platform" */
  costCenter?: string;
  /** Adds `pulumi.com/skipAwait: "true"` to every object. @default false */
  skipAwait?: boolean;
}

/** Reads `policies/config/<environment>.json`; throws with the path when it is missing or invalid. */
export function readPolicyConfig(environment: string, dir = POLICY_CONFIG_DIR): object {
  const file = path.join(dir, `${environment}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as object;
  } catch (err) {
    throw new Error(`cannot read the policy config ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The Kubernetes rules enforced by the API server itself: a ValidatingAdmissionPolicy and a
 * ValidatingAdmissionPolicyBinding per rule with a CEL form (policies/kubernetes/cel), so a
 * `kubectl apply` that goes around Pulumi meets the same rules. Mandatory rules deny (and audit),
 * advisory rules warn (and audit), disabled rules get no objects; the excluded namespaces and the
 * control plane's own requests are never matched.
 */
export class AdmissionPolicies extends pulumi.ComponentResource {
  /** Names of the rules enforced at admission, with their validationActions. */
  public readonly rules: pulumi.Output<Record<string, string[]>>;

  constructor(name: string, args: AdmissionPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ADMISSION_POLICIES_TYPE, name, {}, opts);
    const fail = (m: string) => new pulumi.ResourceError(`admission policies "${name}": ${m}`, this);
    const excluded = args.excludedNamespaces ?? [...DEFAULT_EXCLUDED_NAMESPACES];
    const invalid = excluded.filter((ns) => !isDnsLabel(ns));
    if (invalid.length > 0) {
      throw fail(`excludedNamespaces ${JSON.stringify(invalid)} are not namespace names (DNS-1123 labels)`);
    }
    for (const ns of ["kube-system", "kube-public", "kube-node-lease"]) {
      if (!excluded.includes(ns))
        throw fail(`excludedNamespaces must include ${ns}: the control plane runs there`);
    }
    let config: object;
    try {
      config = args.policyConfig ?? readPolicyConfig(args.environment);
    } catch (err) {
      throw fail((err as Error).message);
    }
    const plan = admissionPlan(config, { excludedNamespaces: excluded });
    const annotations = awaitAnnotations(args.skipAwait);
    const metadata = (rule: string) => ({
      name: rule,
      labels: {
        "app.kubernetes.io/name": rule,
        "app.kubernetes.io/part-of": "platform",
        "app.kubernetes.io/managed-by": "pulumi",
        "platform.dev/environment": labelValue(args.environment),
        "platform.dev/owner": labelValue(args.owner ?? "platform"),
        "platform.dev/cost-center": labelValue(args.costCenter ?? "platform"),
      },
      ...(annotations ? { annotations } : {}),
    });
    for (const p of plan) {
      const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
        `${name}-${p.rule.name}`,
        { metadata: metadata(p.rule.name), spec: p.policy },
        { parent: this },
      );
      new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        `${name}-${p.rule.name}-binding`,
        { metadata: metadata(p.rule.name), spec: p.binding },
        { parent: this, dependsOn: [policy] },
      );
    }
    this.rules = pulumi.output(Object.fromEntries(plan.map((p) => [p.rule.name, p.actions])));
    this.registerOutputs({ rules: this.rules });
  }
}
