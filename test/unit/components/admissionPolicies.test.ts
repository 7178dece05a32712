import { setupMocks } from "../helpers/mocks";

const mocks = setupMocks();
type Module = typeof import("../../../components/kubernetes/admissionPolicies");
let mod: Module;

beforeAll(async () => {
  mod = await import("../../../components/kubernetes/admissionPolicies");
});
beforeEach(() => mocks.reset());

const VAP = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
const BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";

describe("AdmissionPolicies", () => {
  it("creates a policy and a binding per rule with the level mapped to validationActions", async () => {
    new mod.AdmissionPolicies("admission", { environment: "production" });
    await mocks.settle();
    expect(mocks.ofType(VAP)).toHaveLength(29);
    expect(mocks.ofType(BINDING)).toHaveLength(29);
    const binding = (rule: string) => mocks.byName(`admission-${rule}-binding`).inputs.spec;
    expect(binding("k8s-no-privileged").validationActions).toEqual(["Deny", "Audit"]);
    expect(binding("k8s-probes").validationActions).toEqual(["Warn", "Audit"]);
    expect(binding("k8s-seccomp").validationActions).toEqual(["Deny", "Audit"]); // mandatory in production
    expect(binding("k8s-no-privileged").matchResources.namespaceSelector.matchExpressions[0]).toEqual({
      key: "kubernetes.io/metadata.name",
      operator: "NotIn",
      values: ["kube-system", "kube-public", "kube-node-lease", "external-secrets"],
    });
  });

  it("bakes the environment's parameters into the expression and skips disabled rules", async () => {
    new mod.AdmissionPolicies("admission", {
      environment: "local",
      policyConfig: {
        "k8s-allowed-registries": { registries: ["ghcr.io/acme"] },
        "k8s-probes": "disabled",
      },
    });
    await mocks.settle();
    const spec = mocks.byName("admission-k8s-allowed-registries").inputs.spec;
    const expressions = (spec.variables as { expression: string }[]).map((v) => v.expression).join("\n");
    expect(expressions).toContain('["ghcr.io/acme"]');
    expect(mocks.ofType(VAP).map((r) => r.name)).not.toContain("admission-k8s-probes");
  });

  it("matches each new rule's objects, and the unserved External Secrets versions exactly", async () => {
    new mod.AdmissionPolicies("admission", { environment: "production" });
    await mocks.settle();
    const match = (rule: string) => mocks.byName(`admission-${rule}`).inputs.spec.matchConstraints;
    const resources = (rule: string) =>
      (match(rule).resourceRules as { resources: string[] }[]).flatMap((r) => r.resources);
    expect(resources("k8s-no-wildcard-rbac")).toEqual(["roles", "clusterroles"]);
    expect(resources("k8s-no-cluster-admin-binding")).toEqual(["rolebindings", "clusterrolebindings"]);
    expect(resources("k8s-ingress-tls")).toEqual(["ingresses"]);
    for (const rule of [
      "k8s-no-host-process",
      "k8s-selinux",
      "k8s-apparmor",
      "k8s-safe-sysctls",
      "k8s-volume-types",
    ])
      expect(resources(rule)).toEqual(
        expect.arrayContaining(["pods", "deployments", "cronjobs", "jobs", "daemonsets"]),
      );
    expect(match("k8s-external-secrets-v1")).toMatchObject({
      matchPolicy: "Exact",
      resourceRules: [{ apiGroups: ["external-secrets.io"], apiVersions: ["v1beta1", "v1alpha1"] }],
    });
    expect(match("k8s-no-privileged").matchPolicy).toBeUndefined();
    const binding = (rule: string) => mocks.byName(`admission-${rule}-binding`).inputs.spec;
    expect(binding("k8s-volume-types").validationActions).toEqual(["Deny", "Audit"]); // mandatory in production
    expect(binding("k8s-ingress-tls").validationActions).toEqual(["Warn", "Audit"]);
  });

  it("refuses an exclusion list without the control plane's namespaces", () => {
    expect(
      () =>
        new mod.AdmissionPolicies("admission", {
          environment: "local",
          excludedNamespaces: ["external-secrets"],
        }),
    ).toThrow(/must include kube-system/);
  });
});
