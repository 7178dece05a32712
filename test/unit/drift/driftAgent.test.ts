import { setupMocks, valueOf } from "../helpers/mocks";

const mocks = setupMocks();
type Module = typeof import("../../../components/kubernetes/driftAgent");
type Args = import("../../../components/kubernetes/driftAgent").DriftAgentArgs;
let mod: Module;

beforeAll(async () => {
  mod = await import("../../../components/kubernetes/driftAgent");
});
beforeEach(() => mocks.reset());

const base: Args = {
  environment: "staging",
  namespace: "platform-system",
  image: "registry.acme.io/platform/runner:1.4.0",
  backendSecretName: "drift-backend",
};

async function build(args: Partial<Args> = {}) {
  const agent = new mod.DriftAgent("drift", { ...base, ...args });
  await mocks.settle();
  return agent;
}

const cronJob = () => mocks.byName("drift-cronjob").inputs;
const podSpec = () => cronJob().spec.jobTemplate.spec.template.spec;

describe("DriftAgent", () => {
  test("a CronJob running platform drift for its environment, hourly by default, never overlapping", async () => {
    await build();
    expect(mocks.ofType("kubernetes:batch/v1:CronJob")).toHaveLength(1);
    expect(cronJob().spec).toMatchObject({ schedule: "0 * * * *", concurrencyPolicy: "Forbid" });
    expect(cronJob().spec.jobTemplate.spec.backoffLimit).toBe(0);
    expect(podSpec().containers[0].command).toEqual(["platform", "drift", "staging", "--report-only"]);
    expect(podSpec().containers[0].image).toBe(base.image);
  });

  test("backend credentials and notification secrets come from Secrets by name", async () => {
    await build({ notifySecretName: "drift-notify", schedule: "*/15 * * * *" });
    expect(podSpec().containers[0].envFrom).toEqual([
      { secretRef: { name: "drift-backend" } },
      { secretRef: { name: "drift-notify" } },
    ]);
    expect(cronJob().spec.schedule).toBe("*/15 * * * *");
    expect(mocks.ofType("kubernetes:core/v1:Secret")).toHaveLength(0);
  });

  test("secure pod defaults like an App", async () => {
    await build();
    expect(podSpec().securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(podSpec().containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(podSpec().containers[0].resources.limits.memory).toBeDefined();
    expect(podSpec().restartPolicy).toBe("Never");
  });

  test("cluster-wide read-only access by default, bound to its ServiceAccount", async () => {
    await build();
    const role = mocks.byName("drift-read").inputs;
    expect(mocks.byName("drift-read").type).toBe("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
    const verbs = role.rules.flatMap((r: { verbs: string[] }) => r.verbs);
    expect(new Set(verbs)).toEqual(new Set(["get", "list", "watch"]));
    const binding = mocks.byName("drift-read-binding").inputs;
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: "drift-agent-staging", namespace: "platform-system" },
    ]);
    expect(binding.roleRef).toMatchObject({ kind: "ClusterRole", name: role.metadata.name });
  });

  test("with readNamespaces, one Role and RoleBinding per namespace and no ClusterRole", async () => {
    await build({ readNamespaces: ["payments", "search"] });
    expect(mocks.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")).toHaveLength(0);
    const roles = mocks.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role");
    expect(roles.map((r) => r.inputs.metadata.namespace).sort()).toEqual(["payments", "search"]);
    expect(mocks.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")).toHaveLength(2);
  });

  test("children are parented to the component, which registers its outputs", async () => {
    const agent = await build();
    for (const r of mocks.resources.filter((x) => x.custom))
      expect(r.parentUrn).toMatch(/platform:kubernetes:DriftAgent::drift$/);
    expect(await valueOf(agent.cronJobName)).toBe("drift-agent-staging");
    expect(await valueOf(agent.serviceAccountName)).toBe("drift-agent-staging");
  });

  test.each<[Partial<Args>, RegExp]>([
    [{ image: "registry.acme.io/platform/runner" }, /pin image/],
    [{ image: "registry.acme.io/platform/runner:latest" }, /pin image/],
    [{ schedule: "hourly" }, /5 cron fields/],
    [{ environment: "Prod!" }, /not an environment name/],
  ])("rejects %j", async (args, message) => {
    expect(() => new mod.DriftAgent("bad", { ...base, ...args })).toThrow(message);
    await mocks.settle();
  });
});
