/**
 * An accepted spec means what it says (issue 29, item 1): every integer has the bounds of the
 * field it lands in, so whatever `validate` accepts reaches the resource unchanged (checked under
 * the mocks, through the whole program), and an app that cannot fit its tenant's quota is an error
 * at validate, not a pod that never schedules.
 */
import fc from "fast-check";
import { checkSpec } from "../../../model/load";
import { setupMocks } from "../helpers/mocks";
import { BASE, edit, edits, problemsOf } from "../model/fixtures";

const mocks = setupMocks();
let program: typeof import("../../../program/program");
beforeAll(async () => {
  program = await import("../../../program/program");
});
beforeEach(() => mocks.reset());

const INT32_MAX = 2 ** 31 - 1;

/** A local spec with one app whose numbers are given. */
function localSpec(n: { replicas: string; port: string; memoryMiB: string; pods: string }): string {
  return `environment: local
tier: development
clusters:
  local: { kind: local }
tenants:
  payments:
    owners: [group:payments-eng]
    costCenter: cc-104
    quota: { cpu: "100000", memory: "1000000Ti", pods: ${n.pods} }
apps:
  checkout:
    tenant: payments
    image: registry.acme.io/payments/checkout
    tag: "2.8.1"
    clusters: [local]
    replicas: ${n.replicas}
    port: ${n.port}
    resources: { cpu: 1m, memoryMiB: ${n.memoryMiB} }
`;
}

describe("integers have the bounds of the field they land in", () => {
  test.each([
    ["replicas: 2", "replicas: 99999999999999999999", "apps.checkout.replicas"],
    ["replicas: 2", `replicas: ${INT32_MAX + 1}`, "apps.checkout.replicas"],
    ["port: 8080", "port: 65536", "apps.checkout.port"],
    [
      "{ name: general, size: m6i.large, min: 2, max: 6 }",
      "{ name: general, size: m6i.large, min: 2, max: 1e12 }",
      "clusters.eks-eu.nodePools[0].max",
    ],
    ["sizeGiB: 20", "sizeGiB: 1e20", "data.databases.orders.sizeGiB"],
  ])("%s → %s is refused at %s", (from, to, at) => {
    const problems = problemsOf(edit(BASE, from, to)).join("\n");
    expect(problems).toContain(at);
    expect(problems).toMatch(/must be (<=|at most)|whole number/);
  });
  test("a replicas count at int32's maximum is accepted by the schema (the quota decides)", () => {
    const problems = problemsOf(edit(BASE, "replicas: 2", `replicas: ${INT32_MAX}`)).join("\n");
    expect(problems).not.toMatch(/replicas: must be <=/);
  });
});

describe("an app beyond its tenant's quota is an error at validate", () => {
  const quota = (q: string) =>
    edit(
      BASE,
      "payments: { owners: [group:payments-eng], costCenter: cc-104 }",
      `payments: { owners: [group:payments-eng], costCenter: cc-104, quota: ${q} }`,
    );
  test.each([
    [
      '{ cpu: "1", memory: 8Gi }',
      "replicas: 2",
      "replicas: 20",
      /20 replicas × 100m CPU = 2 CPU is more than tenant "payments" quota of 1 CPU/,
    ],
    [
      '{ cpu: "40", memory: 1Gi }',
      "replicas: 2",
      "replicas: 10",
      /10 replicas × 128 MiB = 1280 MiB is more than tenant "payments" quota of 1Gi memory/,
    ],
    [
      '{ cpu: "40", memory: 80Gi, pods: 5 }',
      "replicas: 2",
      "replicas: 6",
      /6 replicas is more than tenant "payments" quota of 5 pods/,
    ],
  ])("quota %s with %s → %s", (q, from, to, message) => {
    const problems = problemsOf(edits(quota(q), [from, to])).join("\n");
    expect(problems).toMatch(message);
  });
  test("the default quota (4 CPU) applies when none is written", () => {
    expect(problemsOf(edit(BASE, "replicas: 2", "replicas: 41")).join("\n")).toMatch(/quota of 4 CPU/);
  });
  test("an app within its quota is fine", () => {
    expect(problemsOf(quota('{ cpu: "1", memory: 8Gi }'))).toEqual([]);
  });
});

describe("whatever validate accepts reaches the resource unchanged", () => {
  const number = fc.oneof(
    fc.integer({ min: -5, max: 70_000 }),
    fc.integer({ min: 2 ** 31 - 3, max: 2 ** 31 + 3 }),
    fc.constantFrom(0, 1, 65535, 65536, 2 ** 53, 1e20),
  );
  test("replicas, port and memory of an accepted spec are the Deployment's", async () => {
    await fc.assert(
      fc.asyncProperty(
        number,
        number,
        number,
        fc.integer({ min: 1, max: INT32_MAX }),
        async (replicas, port, memoryMiB, pods) => {
          const text = localSpec({
            replicas: String(replicas),
            port: String(port),
            memoryMiB: String(memoryMiB),
            pods: String(pods),
          });
          const { spec } = checkSpec(text, "stacks/local/platform.yaml");
          if (!spec) return;
          mocks.reset();
          program.createPlatform(spec, { kubeconfigFor: () => "apiVersion: v1\n", skipAwait: true });
          await mocks.settle();
          const deployment = mocks.ofType("kubernetes:apps/v1:Deployment")[0];
          const podSpec = deployment.inputs.spec.template.spec;
          // unchanged, and unchanged once the provider writes them as the int32 fields they are
          expect(deployment.inputs.spec.replicas).toBe(replicas);
          expect(replicas | 0).toBe(replicas);
          expect(podSpec.containers[0].ports[0].containerPort).toBe(port);
          expect(port | 0).toBe(port);
          expect(podSpec.containers[0].resources.requests.memory).toBe(`${memoryMiB}Mi`);
        },
      ),
      { numRuns: 25 },
    );
  }, 60_000);
});
