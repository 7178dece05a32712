/** SOPS references through createPlatform under strict mocks: the `<app>-sops` Secret, the env var, the agent's scope. */
import type { ClusterSpec, PlatformSpec } from "../../../model/types";
import { AWS_INVOKES, plainStrings, secretStrings, setupCloudMocks } from "../cloud/mocks";

const mocks = setupCloudMocks({ invokes: AWS_INVOKES, stack: "local" });
let program: typeof import("../../../program/program");
let agent: typeof import("../../../program/agent");

beforeAll(async () => {
  program = await import("../../../program/program");
  agent = await import("../../../program/agent");
});
beforeEach(() => mocks.reset());

const decrypted: Record<string, string> = { "secrets/payments.enc.yaml database.password": "s3cr3t-value" };
const ctx = {
  kubeconfigFor: (name: string, _c: ClusterSpec) => `apiVersion: v1\n# ${name}\n`,
  sopsValue: (file: string, key: string) => decrypted[`${file} ${key}`],
};
const spec: PlatformSpec = {
  environment: "local",
  tier: "development",
  clusters: { local: { kind: "local" } },
  tenants: {
    payments: { owners: ["group:payments-eng"], costCenter: "cc-104" },
    search: { owners: ["group:search-eng"], costCenter: "cc-220" },
  },
  apps: {
    checkout: {
      tenant: "payments",
      image: "registry.acme.io/payments/checkout",
      tag: "2.8.1",
      clusters: ["local"],
      secrets: {
        DB_PASSWORD: { source: "sops", file: "secrets/payments.enc.yaml", key: "database.password" },
      },
    },
  },
  agent: { image: "registry.acme.io/platform/agent:0.1.0", repo: "https://git.acme.io/platform.git" },
};

test("an app reading a SOPS file gets <app>-sops in its namespace, and its env var reads it", async () => {
  program.createPlatform(spec, ctx);
  await mocks.settle();
  const secrets = mocks.ofType("kubernetes:core/v1:Secret");
  expect(secrets.map((s) => [s.inputs.metadata.name, s.inputs.metadata.namespace])).toEqual([
    ["checkout-sops", "payments"],
  ]);
  // a Pulumi secret: the value reaches the engine wrapped, never as a plain input
  expect(plainStrings(secrets[0].inputs.data)).toEqual([]);
  expect(secretStrings(secrets[0].inputs.data)).toContain(Buffer.from("s3cr3t-value").toString("base64"));
  expect(secrets[0].provider).toMatch(/local/);
  const deployment = mocks.byName("checkout-local-deployment");
  expect(deployment.inputs.spec.template.spec.containers[0].env).toContainEqual({
    name: "DB_PASSWORD",
    valueFrom: { secretKeyRef: { name: "checkout-sops", key: "DB_PASSWORD" } },
  });
  // no secret store for a SOPS file: no ExternalSecret, no SecretStore
  expect(mocks.resources.filter((r) => r.type.includes("external-secrets"))).toHaveLength(0);
});

test("the agent's scope names the <app>-sops Secret by tenant namespace, and no secret stores", () => {
  expect(agent.agentScope(spec, "local")).toMatchObject({
    namespaces: ["payments", "search"],
    externalSecrets: false,
    crds: false,
    sopsSecrets: { payments: ["checkout-sops"] },
  });
});

test("without decrypted values the program refuses, naming the app, file and key", () => {
  expect(() => program.createPlatform(spec, { kubeconfigFor: ctx.kubeconfigFor })).toThrow(
    /app "checkout" reads DB_PASSWORD from SOPS file secrets\/payments\.enc\.yaml \(key database\.password\), but this run decrypted no SOPS files/,
  );
});
