/**
 * The secrets wiring on specs the real environments do not cover (gcp-sm on GKE, vault on a local
 * cluster), the pure rules of the secret plan, the tag merge, and the loader's cloud rule.
 */
import { parseSpec } from "../../../model/load";
import type { PlatformSpec } from "../../../model/types";
import { AWS_INVOKES, setupCloudMocks } from "../cloud/mocks";

const mocks = setupCloudMocks({ invokes: AWS_INVOKES, stack: "unit" });
let program: typeof import("../../../program/program");
let plan: typeof import("../../../program/secretPlan");
let cloud: typeof import("../../../program/cloud");

beforeAll(async () => {
  program = await import("../../../program/program");
  plan = await import("../../../program/secretPlan");
  cloud = await import("../../../program/cloud");
});
beforeEach(() => mocks.reset());

const ctx = { kubeconfigFor: () => "apiVersion: v1\n" };
const nodePools = [{ name: "general", size: "e2-standard-4", min: 1, max: 3 }];
const tenants = { search: { owners: ["group:search-eng"], costCenter: "cc-220" } };
const image = { image: "registry.acme.io/search/catalog", tag: "4.1.3" };

const gkeSpec: PlatformSpec = {
  environment: "staging",
  tier: "staging",
  clouds: { gcp: { project: "acme-test", region: "europe-west1" } },
  clusters: { "gke-eu": { kind: "gke", cloud: "gcp", version: "1.37", nodePools } },
  secretSources: { "gcp-sm": { kind: "gcp-secret-manager", cloud: "gcp" } },
  tenants,
  apps: {
    catalog: {
      tenant: "search",
      ...image,
      clusters: ["gke-eu"],
      secrets: { SEARCH_API_KEY: { source: "gcp-sm", path: "search-api-key" } },
    },
  },
};

describe("gcp-secret-manager on GKE", () => {
  it("binds workload identity to the store's service account, grants the named secret only, annotates the account", async () => {
    program.createPlatform(gkeSpec, ctx);
    await mocks.settle();
    const member = mocks.byName("search-gcp-sm-gke-eu-wi-user");
    expect(member.inputs.member).toBe("serviceAccount:acme-test.svc.id.goog[search/catalog]");
    const access = mocks.ofType("gcp:secretmanager/secretIamMember:SecretIamMember");
    expect(access.map((r) => [r.inputs.secretId, r.inputs.role])).toEqual([
      ["search-api-key", "roles/secretmanager.secretAccessor"],
    ]);
    expect(mocks.ofType("gcp:projects/iAMMember:IAMMember").map((r) => r.name)).not.toContain(
      expect.stringContaining("secretmanager"),
    );
    const email = "search-gcp-sm-gke-eu@proj.iam.gserviceaccount.com";
    expect(mocks.byName("catalog-gke-eu-sa").inputs.metadata.annotations).toEqual({
      "iam.gke.io/gcp-service-account": email,
    });
    expect(mocks.byName("search-gcp-sm-gke-eu-store").inputs.spec.provider.gcpsm).toEqual({
      projectID: "acme-test",
      auth: {
        workloadIdentity: {
          clusterLocation: "europe-west1",
          clusterName: "staging-gke-eu",
          clusterProjectID: "acme-test",
          serviceAccountRef: { name: "catalog" },
        },
      },
    });
    expect(mocks.byName("gke-eu-cluster").inputs.name).toBe("staging-gke-eu");
    expect(mocks.ofType("pulumi:providers:gcp")[0].inputs.defaultLabels).toEqual(
      JSON.stringify({ owner: "platform", env: "staging", "managed-by": "pulumi" }),
    );
  });
});

describe("vault secrets on a local cluster", () => {
  const localSpec: PlatformSpec = {
    environment: "local",
    tier: "development",
    clusters: { local: { kind: "local" } },
    secretSources: { vault: { kind: "vault", address: "http://127.0.0.1:8200", kvMount: "platform" } },
    tenants,
    apps: {
      catalog: {
        tenant: "search",
        ...image,
        clusters: ["local"],
        secrets: { SEARCH_API_KEY: { source: "vault", path: "search/catalog", key: "api-key" } },
      },
    },
  };

  it("registers the External Secrets CRDs instead of installing the operator", async () => {
    program.createPlatform(localSpec, ctx);
    await mocks.settle();
    expect(mocks.ofType("platform:kubernetes:LocalExternalSecretsCrds")).toHaveLength(1);
    expect(mocks.ofType("platform:kubernetes:ExternalSecretsOperator")).toHaveLength(0);
    const external = mocks.byName("catalog-local-external-secret");
    expect(external.inputs.spec.data).toEqual([
      {
        secretKey: "SEARCH_API_KEY",
        remoteRef: { key: "search/catalog", property: "api-key" },
        sourceRef: { storeRef: { name: "vault", kind: "SecretStore" } },
      },
    ]);
    expect(mocks.byName("search-vault-local-store").inputs.spec.provider.vault).toMatchObject({
      server: "http://127.0.0.1:8200",
      path: "platform",
      auth: { kubernetes: { role: "tenant-search", serviceAccountRef: { name: "catalog" } } },
    });
    expect(mocks.byName("search-vault-read").inputs.policy).toContain('path "platform/data/search/*"');
  });
});

describe("secret plan", () => {
  it("lets Vault reach every cluster and each cloud's manager only its own clusters", () => {
    const vault = { kind: "vault", address: "https://v", kvMount: "kv" } as const;
    const awsSm = { kind: "aws-secrets-manager", cloud: "aws" } as const;
    const gcpSm = { kind: "gcp-secret-manager", cloud: "gcp" } as const;
    const eks = { kind: "eks", cloud: "aws", version: "1.37", nodePools } as const;
    const gke = { kind: "gke", cloud: "gcp", version: "1.37", nodePools } as const;
    const table = [vault, awsSm, gcpSm].map((source) =>
      [{ kind: "local" } as const, eks, gke].map((c) => plan.sourceReachProblem(source, c) === undefined),
    );
    expect(table).toEqual([
      [true, true, true],
      [false, true, false],
      [false, false, true],
    ]);
  });

  it("rejects a cloud secret on a cluster of the other cloud, naming app, variable and cluster", () => {
    const spec: PlatformSpec = {
      ...gkeSpec,
      clouds: { ...gkeSpec.clouds, aws: { region: "eu-west-1" } },
      secretSources: { "aws-sm": { kind: "aws-secrets-manager", cloud: "aws" } },
      apps: {
        catalog: { ...gkeSpec.apps!.catalog, secrets: { KEY: { source: "aws-sm", path: "x" } } },
      },
    };
    expect(() => plan.secretUses(spec)).toThrow(
      /app "catalog" reads KEY from secret source "aws-sm" \(aws-secrets-manager\), which cluster "gke-eu" \(gke\) cannot read: only eks clusters/,
    );
  });

  it("requires AWS Secrets Manager paths under <environment>/<tenant>/, naming one secret", () => {
    const eks = { kind: "eks", cloud: "aws", version: "1.37", nodePools } as const;
    const awsSpec = (path: string): PlatformSpec => ({
      ...gkeSpec,
      clouds: { aws: { region: "eu-west-1" } },
      clusters: { "eks-eu": eks },
      secretSources: { "aws-sm": { kind: "aws-secrets-manager", cloud: "aws" } },
      apps: {
        catalog: {
          ...gkeSpec.apps!.catalog,
          clusters: ["eks-eu"],
          secrets: { KEY: { source: "aws-sm", path } },
        },
      },
    });
    expect(plan.secretUses(awsSpec("staging/search/api")).map((u) => u.paths)).toEqual([
      ["staging/search/api"],
    ]);
    expect(() => plan.secretUses(awsSpec("*"))).toThrow(/at path "\*"; "\*" is not one AWS secret name/);
    expect(() => plan.secretUses(awsSpec("staging/payments/stripe"))).toThrow(
      /must start with "staging\/search\/"/,
    );
  });

  it("requires vault paths under the tenant's prefix", () => {
    expect(plan.vaultPathProblem("payments", "payments/checkout/db")).toBeUndefined();
    expect(plan.vaultPathProblem("payments", "search/x")).toMatch(/must start with "payments\/"/);
    expect(plan.vaultPathProblem("payments", "payments/")).toMatch(/must start with/);
  });
});

describe("default tags", () => {
  it("inherits account tags, lets them override the owner, but never env or managed-by", () => {
    expect(cloud.awsDefaultTags("staging")).toEqual({
      owner: "platform",
      env: "staging",
      "managed-by": "pulumi",
    });
    expect(cloud.awsDefaultTags("staging", { owner: "sre", env: "prod", "cost-center": "cc-1" })).toEqual({
      owner: "sre",
      env: "staging",
      "cost-center": "cc-1",
      "managed-by": "pulumi",
    });
    expect(cloud.gcpDefaultLabels("production", { "managed-by": "terraform" })["managed-by"]).toBe("pulumi");
  });
});

describe("the loader", () => {
  it("rejects an eks cluster without clouds.aws before any program runs", () => {
    const text = [
      "environment: staging",
      "tier: staging",
      "clusters:",
      '  eks-eu: { kind: eks, cloud: aws, version: "1.37", nodePools: [{ name: general, size: m6i.large, min: 1, max: 3 }] }',
      "tenants:",
      "  payments: { owners: [group:payments-eng], costCenter: cc-104 }",
      "",
    ].join("\n");
    expect(() => parseSpec(text, "stacks/staging/platform.yaml")).toThrow(
      /cloud "aws" is not declared; add clouds.aws/,
    );
  });
});
