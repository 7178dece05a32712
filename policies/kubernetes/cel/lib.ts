/**
 * The CEL (ValidatingAdmissionPolicy) form of a Kubernetes rule: the same name, the objects it
 * matches in the API server, and a `findings` expression that yields the TypeScript rule's messages
 * for the object under admission (empty when it complies). The policy's validation is
 * `size(variables.findings) == 0`, its messageExpression the first finding, so a denied `kubectl
 * apply` prints the message `platform policy check` prints for the same manifest.
 *
 * Parameters (registries, label keys, ...) are baked into the expression from the environment's
 * `policies/config/<env>.json` when the policy is built, with {@link cel}: no params ConfigMap, so a
 * config change is an ordinary diff of the ValidatingAdmissionPolicy in the PR preview.
 */

/** Which API objects a CEL rule matches. */
export type CelMatch =
  /** Pod and every workload with a pod template (incl. pods/ephemeralcontainers). */
  | "pods"
  /** Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet (no Job, CronJob). */
  | "long-running-pods"
  /** Pod types and ServiceAccounts. */
  | "pods-and-service-accounts"
  | "services"
  | "secrets"
  /** Roles and ClusterRoles. */
  | "roles"
  /** RoleBindings and ClusterRoleBindings. */
  | "role-bindings"
  | "ingresses"
  /** external-secrets.io objects at an unserved version (v1beta1, v1alpha1), matched exactly. */
  | "external-secrets-unserved"
  /** Every namespaced object. */
  | "namespaced"
  /** Every object. */
  | "all";

/** A named CEL variable of the policy (evaluated lazily, at most once per request). */
export interface CelVariable {
  name: string;
  expression: string;
}

/** The CEL form of one rule. */
export interface CelRule {
  /** Exactly the TypeScript rule's name (`k8s-no-privileged`). */
  name: string;
  /** Static fallback message: the TypeScript rule's description. */
  message: string;
  match: CelMatch;
  /**
   * Variables ending with `findings`, a list(string) of the rule's messages, built from the
   * rule's resolved config (the same properties `getConfig()` returns to the TypeScript rule).
   */
  variables: (config: Record<string, unknown>) => CelVariable[];
}

/** A CEL literal for a string or a list of strings (JSON string syntax is valid CEL). */
export function cel(value: string | readonly string[]): string {
  return typeof value === "string"
    ? JSON.stringify(value)
    : `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
}

/** A CEL map literal whose values are all `dyn` (CEL map literals must be homogeneous otherwise). */
export function celMap(entries: Record<string, string>): string {
  return `{${Object.entries(entries)
    .map(([k, v]) => `'${k}': dyn(${v})`)
    .join(", ")}}`;
}

/** A string config property, or `fallback`. */
export function configStrings(config: Record<string, unknown>, key: string): string[] {
  const value = config[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** `Kind "name"`, as describe() writes it in the TypeScript rules. */
export const SUBJECT: CelVariable = {
  name: "subject",
  expression: `object.kind + ' "' + (has(object.metadata.name) ? object.metadata.name : object.metadata.generateName) + '"'`,
};

/**
 * The variables of every pod rule: `spec` (the pod spec of a Pod or template), `base` (its dotted
 * path for messages), `subject`, and `refs`: every container, init container and ephemeral
 * container as `{kind, desc, c}`, where desc is describeContainer()'s text.
 */
export function podVariables(): CelVariable[] {
  const refs = (kind: string, noun: string) =>
    `(has(variables.spec.${kind}) ? variables.spec.${kind}.transformList(i, c, ` +
    `{'kind': dyn('${kind}'), 'desc': dyn('${noun} "' + c.name + '" (' + variables.base + '.${kind}[' + string(i) + '])'), 'c': dyn(c)}) : [])`;
  return [
    {
      name: "spec",
      expression:
        "object.kind == 'Pod' ? object.spec : object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec",
    },
    {
      name: "base",
      expression:
        "object.kind == 'Pod' ? 'spec' : object.kind == 'CronJob' ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec'",
    },
    SUBJECT,
    {
      name: "refs",
      expression: [
        refs("containers", "container"),
        refs("initContainers", "init container"),
        refs("ephemeralContainers", "ephemeral container"),
      ].join(" + "),
    },
  ];
}

/** CEL: `r.c.securityContext.<field>` is set (r is a container ref). */
export function scHas(field: string, on = "r.c"): string {
  return `(has(${on}.securityContext) && has(${on}.securityContext.${field}))`;
}

/**
 * A pod rule whose findings are one message per container ref that `bad` selects:
 * `<subject>: <container desc> <text>` with `text` a CEL string expression over `r`.
 */
export function perContainer(bad: string, text: string, kinds?: readonly string[]): string {
  const scope = kinds ? `variables.refs.filter(r, r.kind in ${cel(kinds)})` : "variables.refs";
  return `${scope}.filter(r, ${bad}).map(r, variables.subject + ': ' + r.desc + ' ' + ${text})`;
}
