import type { SecretSourceSpec } from "../../../model/types";
import { setupCloudMocks } from "./mocks";

const mocks = setupCloudMocks();
type Es = typeof import("../../../components/kubernetes/externalSecrets");
let es: Es;

beforeAll(async () => {
  es = await import("../../../components/kubernetes/externalSecrets");
});
beforeEach(() => mocks.reset());

const CR = "kubernetes:external-secrets.io/v1:";
const vaultSource: SecretSourceSpec = {
  kind: "vault",
  address: "https://vault.acme.internal",
  kvMount: "platform",
};
const awsSource: SecretSourceSpec = { kind: "aws-secrets-manager", cloud: "aws" };
const gcpSource: SecretSourceSpec = { kind: "gcp-secret-manager", cloud: "gcp" };

describe("secretStoreProvider", () => {
  it("uses Kubernetes auth for Vault KV v2", () => {
    expect(
      es.secretStoreProvider(vaultSource, { serviceAccountName: "eso", vaultRole: "tenant-payments" }),
    ).toEqual({
      vault: {
        server: "https://vault.acme.internal",
        path: "platform",
        version: "v2",
        auth: {
          kubernetes: {
            mountPath: "kubernetes",
            role: "tenant-payments",
            serviceAccountRef: { name: "eso" },
          },
        },
      },
    });
  });

  it("uses JWT (IRSA) auth for AWS Secrets Manager", () => {
    expect(es.secretStoreProvider(awsSource, { serviceAccountName: "eso", awsRegion: "eu-west-1" })).toEqual({
      aws: {
        service: "SecretsManager",
        region: "eu-west-1",
        auth: { jwt: { serviceAccountRef: { name: "eso" } } },
      },
    });
  });

  it("uses workload identity for GCP Secret Manager", () => {
    const provider = es.secretStoreProvider(gcpSource, {
      serviceAccountName: "eso",
      gcpProject: "acme-prod",
      gkeClusterName: "gke-eu",
      gkeClusterLocation: "europe-west1",
    });
    expect(provider).toEqual({
      gcpsm: {
        projectID: "acme-prod",
        auth: {
          workloadIdentity: {
            clusterLocation: "europe-west1",
            clusterName: "gke-eu",
            clusterProjectID: "acme-prod",
            serviceAccountRef: { name: "eso" },
          },
        },
      },
    });
  });

  it("names the missing auth field", () => {
    expect(() => es.secretStoreProvider(vaultSource, { serviceAccountName: "eso" })).toThrow(
      "auth.vaultRole is required for a vault secret source",
    );
    expect(() => es.secretStoreProvider(awsSource, { serviceAccountName: "eso" })).toThrow(
      "auth.awsRegion is required",
    );
  });
});

describe("SecretStore", () => {
  it("creates a namespaced SecretStore at external-secrets.io/v1", async () => {
    const store = new es.SecretStore("vault", {
      source: vaultSource,
      namespace: "payments",
      auth: { serviceAccountName: "eso", vaultRole: "tenant-payments" },
    });
    await mocks.settle();
    const cr = mocks.byName("vault-store");
    expect(cr.type).toBe(`${CR}SecretStore`);
    expect(cr.inputs.apiVersion).toBe("external-secrets.io/v1");
    expect(cr.inputs.metadata).toMatchObject({ name: "vault", namespace: "payments" });
    expect(cr.typeChain).toBe(`${es.SECRET_STORE_TYPE}$${CR}SecretStore`);
    expect(store.ref).toEqual({ name: "vault", kind: "SecretStore" });
  });

  it("creates a ClusterSecretStore without namespace", async () => {
    new es.SecretStore("aws-sm", {
      source: awsSource,
      scope: "cluster",
      auth: {
        serviceAccountName: "external-secrets",
        serviceAccountNamespace: "external-secrets",
        awsRegion: "eu-west-1",
      },
    });
    await mocks.settle();
    const cr = mocks.byName("aws-sm-store");
    expect(cr.type).toBe(`${CR}ClusterSecretStore`);
    expect(cr.inputs.metadata.namespace).toBeUndefined();
    expect(cr.inputs.spec.provider.aws.auth.jwt.serviceAccountRef).toEqual({
      name: "external-secrets",
      namespace: "external-secrets",
    });
  });

  it.each([
    [{ scope: "cluster" as const, namespace: "payments" }, 'namespace is set but scope is "cluster"'],
    [{ namespace: undefined }, "a namespaced store needs namespace"],
    [{ auth: { serviceAccountName: "eso" } }, "auth.vaultRole is required"],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(
      () =>
        new es.SecretStore("bad", {
          source: vaultSource,
          namespace: "payments",
          auth: { serviceAccountName: "eso", vaultRole: "r" },
          ...args,
        }),
    ).toThrow(message);
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.type !== es.SECRET_STORE_TYPE)).toHaveLength(0);
  });
});

const stores = {
  vault: { name: "vault", kind: "SecretStore" as const },
  "aws-sm": { name: "aws-sm", kind: "ClusterSecretStore" as const },
};

describe("AppExternalSecret", () => {
  it("produces <app>-secrets with one key per env var, refreshed hourly by default", async () => {
    const ext = new es.AppExternalSecret("checkout", {
      appName: "checkout",
      namespace: "payments",
      secrets: {
        DATABASE_URL: { source: "vault", path: "payments/checkout/db", key: "url" },
        API_TOKEN: { source: "aws-sm", path: "prod/checkout" },
      },
      stores,
    });
    await mocks.settle();
    const cr = mocks.byName("checkout-external-secret");
    expect(cr.type).toBe(`${CR}ExternalSecret`);
    expect(cr.inputs.metadata).toMatchObject({ name: "checkout-secrets", namespace: "payments" });
    expect(cr.inputs.spec.refreshInterval).toBe("1h");
    expect(cr.inputs.spec.target).toMatchObject({ name: "checkout-secrets", creationPolicy: "Owner" });
    expect(cr.inputs.spec.data).toEqual([
      {
        secretKey: "API_TOKEN",
        remoteRef: { key: "prod/checkout", property: "API_TOKEN" },
        sourceRef: { storeRef: { name: "aws-sm", kind: "ClusterSecretStore" } },
      },
      {
        secretKey: "DATABASE_URL",
        remoteRef: { key: "payments/checkout/db", property: "url" },
        sourceRef: { storeRef: { name: "vault", kind: "SecretStore" } },
      },
    ]);
    expect(ext.secretName).toBe(es.appSecretName("checkout"));
    expect(cr.typeChain.startsWith(`${es.APP_EXTERNAL_SECRET_TYPE}$`)).toBe(true);
  });

  it("takes a configurable refresh interval", async () => {
    new es.AppExternalSecret("checkout", {
      appName: "checkout",
      namespace: "payments",
      secrets: { A: { source: "vault", path: "p" } },
      stores,
      refreshInterval: "15m",
    });
    await mocks.settle();
    expect(mocks.byName("checkout-external-secret").inputs.spec.refreshInterval).toBe("15m");
  });

  it.each([
    [
      { secrets: { A: { source: "gcp-sm", path: "p" } } },
      'secrets.A.source is "gcp-sm", which has no secret store; declared: vault, aws-sm',
    ],
    [{ refreshInterval: "hourly" }, 'refreshInterval is "hourly"'],
    [{ secrets: {} }, "secrets is empty"],
    [
      { secrets: { "bad-name": { source: "vault", path: "p" } } },
      '"bad-name" is not an environment variable name',
    ],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(
      () =>
        new es.AppExternalSecret("bad", {
          appName: "checkout",
          namespace: "payments",
          secrets: { A: { source: "vault", path: "p" } },
          stores,
          ...args,
        }),
    ).toThrow(message);
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.type !== es.APP_EXTERNAL_SECRET_TYPE)).toHaveLength(0);
  });

  it("never uses the unserved v1beta1 API", async () => {
    new es.SecretStore("vault", {
      source: vaultSource,
      namespace: "p",
      auth: { serviceAccountName: "e", vaultRole: "r" },
    });
    new es.AppExternalSecret("app", {
      appName: "app",
      namespace: "p",
      secrets: { A: { source: "vault", path: "x" } },
      stores,
    });
    new es.LocalExternalSecretsCrds("crds");
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.type.includes("v1beta1"))).toEqual([]);
  });
});

describe("ExternalSecretsOperator", () => {
  it("renders the pinned external-secrets chart through a platform HelmWorkload, in its own namespace", async () => {
    new es.ExternalSecretsOperator("eso", { environment: "staging", cluster: "eks-eu" });
    await mocks.settle();
    const workload = mocks.byName("eso-chart");
    expect(workload.typeChain).toBe(`${es.ESO_OPERATOR_TYPE}$platform:kubernetes:HelmWorkload`);
    const chart = mocks.byName("eso-chart-chart");
    expect(chart.type).toBe("kubernetes:helm.sh/v4:Chart");
    expect(chart.inputs).toMatchObject({
      chart: "external-secrets",
      version: es.ESO_CHART_VERSION,
      repositoryOpts: { repo: "https://charts.external-secrets.io" },
      namespace: "external-secrets",
      name: "external-secrets",
      plainHttp: false,
      values: { installCRDs: true },
    });
    expect(es.ESO_CHART_VERSION).toMatch(/^0\.\d+\.\d+$/);
    const ns = mocks.byName("eso-namespace");
    expect(ns.inputs.metadata).toMatchObject({
      name: "external-secrets",
      labels: { "platform.dev/environment": "staging", "platform.dev/owner": "platform" },
    });
    // The operator's URN is the one it had as a helm.v3.Release wrapper: same type, same name.
    expect(mocks.ofType(es.ESO_OPERATOR_TYPE).map((r) => r.urn)).toEqual([
      expect.stringMatching(/::platform:kubernetes:ExternalSecretsOperator::eso$/),
    ]);
    expect(mocks.ofType("kubernetes:helm.sh/v3:Release")).toEqual([]);
  });

  it("takes an OCI repository (the chart under it) and IRSA annotations", async () => {
    new es.ExternalSecretsOperator("eso", {
      repository: "oci://mirror.acme.io/charts/",
      serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/eso" },
    });
    await mocks.settle();
    const chart = mocks.byName("eso-chart-chart").inputs;
    expect(chart.chart).toBe("oci://mirror.acme.io/charts/external-secrets");
    expect(chart.repositoryOpts).toBeUndefined();
    expect(chart.values.serviceAccount.annotations).toEqual({
      "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/eso",
    });
  });

  it("refuses a version range", () => {
    expect(() => new es.ExternalSecretsOperator("bad", { chartVersion: "^0.20" })).toThrow(
      'chartVersion is "^0.20"; pin an exact version',
    );
  });
});

describe("LocalExternalSecretsCrds", () => {
  it("registers permissive v1 CRDs for SecretStore, ClusterSecretStore and ExternalSecret", async () => {
    new es.LocalExternalSecretsCrds("eso-crds");
    await mocks.settle();
    const crds = mocks.ofType("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
    expect(crds.map((c) => c.inputs.metadata.name).sort()).toEqual([
      "clustersecretstores.external-secrets.io",
      "externalsecrets.external-secrets.io",
      "secretstores.external-secrets.io",
    ]);
    for (const crd of crds) {
      expect(crd.inputs.spec.group).toBe("external-secrets.io");
      expect(crd.inputs.spec.versions).toEqual([
        expect.objectContaining({
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        }),
      ]);
      expect(crd.typeChain.startsWith(`${es.LOCAL_ESO_CRDS_TYPE}$`)).toBe(true);
    }
    expect(crds.find((c) => c.inputs.spec.names.kind === "ClusterSecretStore")!.inputs.spec.scope).toBe(
      "Cluster",
    );
  });
});
