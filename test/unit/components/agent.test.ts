import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { setupMocks, valueOf } from "../helpers/mocks";

const mocks = setupMocks();
type Module = typeof import("../../../components/kubernetes/agent/agent");
type Args = import("../../../components/kubernetes/agent/agent").AgentArgs;
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
let mod: Module;

beforeAll(async () => {
  mod = await import("../../../components/kubernetes/agent/agent");
});
beforeEach(() => mocks.reset());

const base: Args = {
  environment: "staging",
  repo: "https://github.com/acme/platform.git",
  image: "registry.acme.io/platform/agent:1.4.0",
  manages: { namespaces: ["payments", "search"], admissionPolicies: true },
};

async function build(args: Partial<Args> = {}, opts?: pulumi.ComponentResourceOptions) {
  const agent = new mod.Agent("agent", { ...base, ...args }, opts);
  await mocks.settle();
  return agent;
}

const deployment = () => mocks.byName("agent-deployment").inputs;
const container = () => deployment().spec.template.spec.containers[0];
const rulesOf = (name: string): Rule[] => mocks.byName(name).inputs.rules;
/** Every (apiGroup, resource, verb) a set of rules grants, as `group/resource:verb`. */
const grants = (rules: Rule[]) =>
  new Set(
    rules.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
    ),
  );

describe("Agent", () => {
  test("a Deployment running platform agent <env> on 0.0.0.0:8080, probed on /healthz and /readyz, one writer", async () => {
    await build({ interval: "30s", webhookSecretName: "agent-hook" });
    expect(mocks.ofType("kubernetes:apps/v1:Deployment")).toHaveLength(1);
    expect(container().command).toEqual(["tini", "--", "platform"]);
    expect(container().args).toEqual([
      "agent",
      "staging",
      "--repo",
      base.repo,
      "--branch",
      "main",
      "--path",
      ".",
      "--interval",
      "30s",
      "--drift-interval",
      "10m",
      "--listen",
      "0.0.0.0:8080",
      "--namespace",
      "platform-system",
      "--webhook-secret-env",
      "PLATFORM_AGENT_WEBHOOK_SECRET",
    ]);
    expect(container().livenessProbe.httpGet).toEqual({ path: "/healthz", port: 8080 });
    expect(container().readinessProbe.httpGet).toEqual({ path: "/readyz", port: 8080 });
    expect(deployment().spec).toMatchObject({ replicas: 1, strategy: { type: "Recreate" } });
    expect(container().env).toContainEqual({
      name: "PLATFORM_AGENT_WEBHOOK_SECRET",
      valueFrom: { secretKeyRef: { name: "agent-hook", key: "secret" } },
    });
    const svc = mocks.byName("agent-service").inputs;
    expect(svc.spec).toMatchObject({ type: "ClusterIP", ports: [{ port: 8080, targetPort: 8080 }] });
    expect(svc.spec.selector).toEqual(deployment().spec.selector.matchLabels);
    expect(deployment().metadata.namespace).toBe("platform-system");
  });

  test("secure pod defaults like an App, state on emptyDirs", async () => {
    await build();
    const pod = deployment().spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container().securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(container().resources.limits.memory).toBeDefined();
    expect(container().volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual([
      "/tmp",
      "/var/lib/platform",
    ]);
    expect(pod.serviceAccountName).toBe("platform-agent-staging");
  });

  test("SOPS: the age key Secret mounted read-only, SOPS_AGE_KEY_FILE naming it; the <app>-sops Secrets by name only", async () => {
    await build({
      sopsAgeKeySecretName: "sops-age",
      manages: { ...base.manages, sopsSecrets: { payments: ["checkout-sops"] } },
    });
    const pod = deployment().spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: "sops-age",
      secret: { secretName: "sops-age", items: [{ key: "keys.txt", path: "keys.txt" }] },
    });
    expect(container().volumeMounts).toContainEqual({
      name: "sops-age",
      mountPath: "/etc/platform-agent/sops",
      readOnly: true,
    });
    expect(container().env).toContainEqual({
      name: "SOPS_AGE_KEY_FILE",
      value: "/etc/platform-agent/sops/keys.txt",
    });
    const secretRules = (name: string) => rulesOf(name).filter((r) => r.resources.includes("secrets"));
    expect(secretRules("agent-role-payments")).toEqual([
      {
        apiGroups: [""],
        resources: ["secrets"],
        verbs: ["get", "patch", "update", "delete"],
        resourceNames: ["checkout-sops"],
      },
    ]);
    expect(secretRules("agent-role-search")).toEqual([]);
    expect(secretRules("agent-role-own")).toEqual([]);
    await expect(build({ sopsAgeKeySecretName: "Bad_Name" })).rejects.toThrow(
      /sopsAgeKeySecretName "Bad_Name" is not an object name/,
    );
  });

  test("the CRD from crd.ts, installed with the component", async () => {
    await build();
    const crd = mocks.byName("agent-crd");
    expect(crd.type).toBe("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
    expect(crd.inputs.metadata.name).toBe("platformenvironments.agent.platform.dev");
    expect(crd.inputs.spec.names.kind).toBe("PlatformEnvironment");
  });

  test("least privilege: no wildcard, no Secret, write only in the tenant namespaces and its own", async () => {
    await build();
    const roles = mocks.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role");
    expect(roles.map((r) => r.inputs.metadata.namespace).sort()).toEqual([
      "payments",
      "platform-system",
      "search",
    ]);
    const all = [...roles.flatMap((r) => r.inputs.rules as Rule[]), ...rulesOf("agent-cluster-role")];
    for (const r of all) {
      for (const field of [r.apiGroups, r.resources, r.verbs]) expect(field).not.toContain("*");
      expect(r.resources).not.toContain("secrets");
    }
    const tenant = grants(rulesOf("agent-role-payments"));
    expect(tenant).toContain("apps/deployments:patch");
    expect(tenant).toContain("/pods:list");
    expect(tenant).not.toContain("/pods:delete");
    expect(tenant).not.toContain("autoscaling/horizontalpodautoscalers:create"); // no app autoscales
    // its own namespace: its objects plus the runtime rules (CR status, Events, Leases)
    const own = grants(rulesOf("agent-role-own"));
    expect(own).toContain("agent.platform.dev/platformenvironments/status:patch");
    expect(own).toContain("coordination.k8s.io/leases:update");
    // cluster scope: namespaces by name, `edit` bound by name, admission policies (they are managed)
    const cluster = rulesOf("agent-cluster-role");
    expect(cluster).toContainEqual({
      apiGroups: [""],
      resources: ["namespaces"],
      verbs: ["get", "update", "patch", "delete"],
      resourceNames: ["payments", "platform-system", "search"],
    });
    expect(cluster).toContainEqual({
      apiGroups: ["rbac.authorization.k8s.io"],
      resources: ["clusterroles"],
      verbs: ["bind"],
      resourceNames: ["edit"],
    });
    expect(grants(cluster)).toContain("admissionregistration.k8s.io/validatingadmissionpolicies:create");
    const binding = mocks.byName("agent-cluster-role-binding").inputs;
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: "platform-agent-staging", namespace: "platform-system" },
    ]);
  });

  test("the RBAC follows the scope: autoscaling, ingress, external secrets only when managed", async () => {
    await build({
      manages: { namespaces: ["payments"], autoscaling: true, ingress: true, externalSecrets: true },
    });
    const tenant = grants(rulesOf("agent-role-payments"));
    expect(tenant).toContain("autoscaling/horizontalpodautoscalers:create");
    expect(tenant).toContain("networking.k8s.io/ingresses:patch");
    expect(tenant).toContain("external-secrets.io/externalsecrets:create");
    expect(grants(rulesOf("agent-cluster-role"))).not.toContain(
      "admissionregistration.k8s.io/validatingadmissionpolicies:create",
    );
  });

  test("workload identity instead of static keys: IRSA and GKE annotations on the ServiceAccount", async () => {
    await build({
      awsRoleArn: "arn:aws:iam::123456789012:role/platform-agent",
      gcpServiceAccount: "platform-agent@acme-prod.iam.gserviceaccount.com",
    });
    const sa = mocks.byName("agent-sa").inputs;
    expect(sa.metadata.annotations).toMatchObject({
      "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/platform-agent",
      "iam.gke.io/gcp-service-account": "platform-agent@acme-prod.iam.gserviceaccount.com",
    });
    expect(container().envFrom).toBeUndefined(); // no Secret of keys
  });

  test("signed commits: the keyring ConfigMap mounted read-only and --require-signed-commits", async () => {
    await build({ signersConfigMapName: "agent-signers" });
    expect(container().args.slice(-2)).toEqual([
      "--require-signed-commits",
      "/etc/platform-agent/signers/keys",
    ]);
    expect(container().volumeMounts).toContainEqual({
      name: "signers",
      mountPath: "/etc/platform-agent/signers",
      readOnly: true,
    });
  });

  test("parent and provider on every child; outputs registered", async () => {
    const provider = new k8s.Provider("k8s-staging", { kubeconfig: pulumi.secret("apiVersion: v1") });
    const agent = await build({}, { provider });
    const children = mocks.resources.filter((r) => r.custom && r.type !== "pulumi:providers:kubernetes");
    expect(children.length).toBeGreaterThanOrEqual(12);
    for (const r of children) {
      expect(r.parentUrn).toMatch(/platform:kubernetes:Agent::agent$/);
      expect(r.provider).toMatch(/k8s-staging/);
    }
    expect(await valueOf(agent.deploymentName)).toBe("platform-agent-staging");
    expect(await valueOf(agent.url)).toBe("http://platform-agent-staging.platform-system.svc:8080");
    const outs = await mocks.registeredOutputs();
    expect(outs.find((o) => o.urn.endsWith("Agent::agent"))?.outputs).toHaveProperty("url");
  });

  test.each<[Partial<Args>, RegExp]>([
    [{ image: "registry.acme.io/platform/agent" }, /pin image/],
    [{ image: "registry.acme.io/platform/agent:latest" }, /pin image/],
    [{ environment: "Prod!" }, /not an environment name/],
    [{ repo: "https://bot:hunter2@github.com/acme/platform.git" }, /repo carries a password/],
    [{ interval: "90" }, /interval "90" must be a duration/],
    [{ awsRoleArn: "role/platform" }, /awsRoleArn .* is not an IAM role ARN/],
    [{ gcpServiceAccount: "agent@gmail.com" }, /gcpServiceAccount .* is not an IAM service account email/],
    [{ manages: { namespaces: ["Payments"] } }, /manages.namespaces: "Payments"/],
    [{ replicas: 0 }, /replicas 0/],
  ])("rejects %j before creating anything", async (args, message) => {
    expect(() => new mod.Agent("bad", { ...base, ...args })).toThrow(message);
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.custom)).toHaveLength(0);
  });
});
