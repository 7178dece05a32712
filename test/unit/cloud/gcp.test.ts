import * as pulumi from "@pulumi/pulumi";
import { GKE_CA, plainStrings, setupCloudMocks, valueOf } from "./mocks";

const mocks = setupCloudMocks();
type Net = typeof import("../../../components/gcp/network");
type Gke = typeof import("../../../components/gcp/gke");
type Sql = typeof import("../../../components/gcp/cloudsql");
type Gcs = typeof import("../../../components/gcp/bucket");
type Wi = typeof import("../../../components/gcp/workloadIdentity");
type GkeArgs = import("../../../components/gcp/gke").GkeClusterArgs;
type SqlArgs = import("../../../components/gcp/cloudsql").CloudSqlPostgresArgs;
let net: Net;
let gke: Gke;
let sql: Sql;
let gcs: Gcs;
let wi: Wi;

beforeAll(async () => {
  net = await import("../../../components/gcp/network");
  gke = await import("../../../components/gcp/gke");
  sql = await import("../../../components/gcp/cloudsql");
  gcs = await import("../../../components/gcp/bucket");
  wi = await import("../../../components/gcp/workloadIdentity");
});
beforeEach(() => mocks.reset());

function childrenOf(token: string) {
  return mocks.resources.filter((r) => r.type !== token);
}

describe("GcpNetwork", () => {
  it("creates a custom-mode VPC and a subnet with pod and service ranges and private Google access", async () => {
    const network = new net.GcpNetwork("core", { region: "europe-west1", tier: "staging" });
    await mocks.settle();
    expect(mocks.byName("core-vpc").inputs.autoCreateSubnetworks).toBe(false);
    const subnet = mocks.byName("core-subnet").inputs;
    expect(subnet).toMatchObject({
      region: "europe-west1",
      ipCidrRange: "10.0.0.0/20",
      privateIpGoogleAccess: true,
    });
    expect(subnet.secondaryIpRanges).toEqual([
      { rangeName: "pods", ipCidrRange: "10.16.0.0/14" },
      { rangeName: "services", ipCidrRange: "10.20.0.0/20" },
    ]);
    expect(mocks.byName("core-services").inputs.service).toBe("servicenetworking.googleapis.com");
    expect(mocks.ofType("gcp:compute/routerNat:RouterNat")).toHaveLength(1);
    expect(network.privateServiceConnection).toBeDefined();
    for (const r of childrenOf(net.GCP_NETWORK_TYPE))
      expect(r.typeChain.startsWith(`${net.GCP_NETWORK_TYPE}$`)).toBe(true);
  });

  it.each([
    [{ podsCidr: "10.0.0.0/14" }, 'subnetCidr "10.0.0.0/20" overlaps podsCidr "10.0.0.0/14"'],
    [{ servicesCidr: "10.20.0.1/20" }, 'servicesCidr: "10.20.0.1/20" has host bits set'],
    [{ subnetCidr: "10.0.0.0/30" }, "GCP ranges are /29 or larger"],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(() => new net.GcpNetwork("bad", { region: "europe-west1", tier: "staging", ...args })).toThrow(
      message,
    );
    await mocks.settle();
    expect(childrenOf(net.GCP_NETWORK_TYPE)).toHaveLength(0);
  });
});

const gkeBase: GkeArgs = {
  tier: "staging",
  project: "acme-prod",
  region: "europe-west1",
  version: "1.37",
  nodePools: [{ name: "general", size: "e2-standard-4", min: 3, max: 12 }],
  network: {
    networkSelfLink: "net",
    subnetworkSelfLink: "subnet",
    podsRangeName: "pods",
    servicesRangeName: "services",
  },
};
const CLUSTER = "gcp:container/cluster:Cluster";

describe("GkeCluster", () => {
  it("is private, workload-identity enabled, Dataplane V2, shielded, on a release channel, without ABAC", async () => {
    new gke.GkeCluster("gke-eu", gkeBase);
    await mocks.settle();
    const c = mocks.ofType(CLUSTER)[0].inputs;
    expect(c.privateClusterConfig).toMatchObject({
      enablePrivateNodes: true,
      enablePrivateEndpoint: true,
      masterIpv4CidrBlock: "172.16.0.0/28",
    });
    expect(c.masterAuthorizedNetworksConfig).toEqual({ cidrBlocks: [] });
    expect(c.workloadIdentityConfig).toEqual({ workloadPool: "acme-prod.svc.id.goog" });
    expect(c).toMatchObject({
      datapathProvider: "ADVANCED_DATAPATH",
      enableShieldedNodes: true,
      enableLegacyAbac: false,
      releaseChannel: { channel: "REGULAR" },
      removeDefaultNodePool: true,
      deletionProtection: false,
    });
    expect(c.nodeConfig.workloadMetadataConfig).toEqual({ mode: "GKE_METADATA" });
    expect(c.masterAuth.clientCertificateConfig.issueClientCertificate).toBe(false);
  });

  it("creates node pools with GKE_METADATA, secure boot and total autoscaling bounds", async () => {
    new gke.GkeCluster("gke-eu", gkeBase);
    await mocks.settle();
    const pool = mocks.byName("gke-eu-general").inputs;
    expect(pool.autoscaling).toMatchObject({ totalMinNodeCount: 3, totalMaxNodeCount: 12 });
    expect(pool.nodeConfig).toMatchObject({
      machineType: "e2-standard-4",
      workloadMetadataConfig: { mode: "GKE_METADATA" },
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
      serviceAccount: "gke-eu-nodes@proj.iam.gserviceaccount.com",
    });
    const roles = mocks.ofType("gcp:projects/iAMMember:IAMMember").map((m) => m.inputs.role);
    expect(roles).toEqual(expect.arrayContaining(gke.NODE_ROLES));
    expect(roles.filter((r) => ["roles/owner", "roles/editor", "roles/viewer"].includes(r))).toEqual([]);
  });

  it("uses the STABLE channel and deletion protection in production, with authorized networks", async () => {
    new gke.GkeCluster("gke-eu", {
      ...gkeBase,
      tier: "production",
      masterAuthorizedCidrs: ["203.0.113.0/24"],
    });
    await mocks.settle();
    const c = mocks.ofType(CLUSTER)[0].inputs;
    expect(c.releaseChannel).toEqual({ channel: "STABLE" });
    expect(c.deletionProtection).toBe(true);
    expect(c.privateClusterConfig.enablePrivateEndpoint).toBe(false);
    expect(c.masterAuthorizedNetworksConfig.cidrBlocks).toEqual([
      { cidrBlock: "203.0.113.0/24", displayName: "203.0.113.0/24" },
    ]);
  });

  it("outputs the kubeconfig only as a secret, with a k8s provider", async () => {
    const cluster = new gke.GkeCluster("gke-eu", gkeBase);
    await mocks.settle();
    expect(await pulumi.isSecret(cluster.kubeconfig)).toBe(true);
    expect(
      JSON.parse(await valueOf(cluster.kubeconfig)).clusters[0].cluster["certificate-authority-data"],
    ).toBe(GKE_CA);
    const outputs = (await mocks.registeredOutputs()).filter((o) => o.urn.includes("::gke-eu"));
    expect(outputs.flatMap((o) => plainStrings(o.outputs)).filter((s) => s.includes(GKE_CA))).toEqual([]);
    expect(pulumi.runtime.isRpcSecret(mocks.byName("gke-eu-k8s").inputs.kubeconfig)).toBe(true);
    for (const r of childrenOf(gke.GKE_CLUSTER_TYPE))
      expect(r.typeChain.startsWith(`${gke.GKE_CLUSTER_TYPE}$`)).toBe(true);
  });

  it.each<[Partial<GkeArgs>, string]>([
    [
      { tier: "production", masterAuthorizedCidrs: ["0.0.0.0/0"] },
      'masterAuthorizedCidrs contains "0.0.0.0/0", which opens the production control plane',
    ],
    [
      { nodePools: [{ name: "general", size: "e2-standard-4", min: 4, max: 2 }] },
      "nodePools[0] has min 4 greater than max 2",
    ],
    [
      { masterIpv4CidrBlock: "172.16.0.0/24" },
      'masterIpv4CidrBlock is "172.16.0.0/24"; GKE needs a private /28 block',
    ],
    [{ nodePools: [] }, "nodePools is empty"],
    [
      {
        nodePools: [
          { name: "general", size: "e2-standard-4", min: 1, max: 3 },
          { name: "general", size: "e2-standard-8", min: 1, max: 3 },
        ],
      },
      'gke cluster "bad": nodePools has two pools named "general"; give each pool its own name',
    ],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(() => new gke.GkeCluster("bad", { ...gkeBase, ...args })).toThrow(message);
    await mocks.settle();
    expect(childrenOf(gke.GKE_CLUSTER_TYPE)).toHaveLength(0);
  });

  it("names the GKE cluster and an example pool in GKE sizes when nodePools is empty", async () => {
    expect(() => new gke.GkeCluster("bad", { ...gkeBase, nodePools: [] })).toThrow(
      'gke cluster "bad": nodePools is empty; declare at least one, e.g. { name: general, size: e2-standard-4, min: 3, max: 12 }',
    );
    await mocks.settle();
  });
});

const sqlBase: SqlArgs = {
  tier: "staging",
  region: "europe-west1",
  network: { region: "europe-west1", networkId: "projects/p/global/networks/core" },
  version: "16",
  sizeGiB: 50,
};
const SQL = "gcp:sql/databaseInstance:DatabaseInstance";

describe("CloudSqlPostgres", () => {
  it("has a private IP only, requires TLS and keeps backups with point-in-time recovery", async () => {
    new sql.CloudSqlPostgres("orders", sqlBase);
    await mocks.settle();
    const inst = mocks.ofType(SQL)[0];
    expect(inst.inputs.databaseVersion).toBe("POSTGRES_16");
    expect(inst.inputs.settings.ipConfiguration).toMatchObject({
      ipv4Enabled: false,
      privateNetwork: "projects/p/global/networks/core",
      sslMode: "ENCRYPTED_ONLY",
    });
    expect(inst.inputs.settings.backupConfiguration).toMatchObject({
      enabled: true,
      pointInTimeRecoveryEnabled: true,
      backupRetentionSettings: { retainedBackups: 14, retentionUnit: "COUNT" },
    });
    expect(inst.inputs.deletionProtection).toBe(false);
    expect(inst.inputs.rootPassword).toBeUndefined();
    expect(mocks.ofType("gcp:sql/user:User")).toHaveLength(0);
  });

  it("is REGIONAL, deletion-protected and protected in production", async () => {
    new sql.CloudSqlPostgres("orders", {
      ...sqlBase,
      tier: "production",
      sslMode: "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
    });
    await mocks.settle();
    const inst = mocks.ofType(SQL)[0];
    expect(inst.inputs.deletionProtection).toBe(true);
    expect(inst.inputs.settings).toMatchObject({
      availabilityType: "REGIONAL",
      deletionProtectionEnabled: true,
    });
    expect(inst.inputs.settings.ipConfiguration.sslMode).toBe("TRUSTED_CLIENT_CERTIFICATE_REQUIRED");
    expect(inst.protect).toBe(true);
    for (const r of childrenOf(sql.CLOUD_SQL_POSTGRES_TYPE))
      expect(r.typeChain.startsWith(`${sql.CLOUD_SQL_POSTGRES_TYPE}$`)).toBe(true);
  });

  it.each<[Partial<SqlArgs>, string]>([
    [
      { region: "us-central1" },
      'the database is in region "us-central1" but its network is in "europe-west1"',
    ],
    [
      { sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED" as never },
      'sslMode is "ALLOW_UNENCRYPTED_AND_ENCRYPTED", which admits unencrypted connections',
    ],
    [{ sizeGiB: 5 }, "sizeGiB is 5"],
    [
      { tier: "production", retainedBackups: 7 },
      "retainedBackups is 7; a production database keeps between 30 and 365 backups",
    ],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(() => new sql.CloudSqlPostgres("bad", { ...sqlBase, ...args })).toThrow(message);
    await mocks.settle();
    expect(childrenOf(sql.CLOUD_SQL_POSTGRES_TYPE)).toHaveLength(0);
  });
});

describe("GcsBucket", () => {
  it("enforces uniform access and public access prevention, with versioning and lifecycle", async () => {
    new gcs.GcsBucket("invoices", { tier: "production", location: "EU", retentionDays: 2555 });
    await mocks.settle();
    const b = mocks.byName("invoices-bucket");
    expect(b.inputs).toMatchObject({
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: true },
      forceDestroy: false,
    });
    expect(b.inputs.lifecycleRules[0]).toEqual({ action: { type: "Delete" }, condition: { age: 2555 } });
    expect(b.inputs.lifecycleRules[1].condition).toMatchObject({ daysSinceNoncurrentTime: 90 });
    expect(b.protect).toBe(true);
  });

  it("rejects an invalid bucket name before creating any child", async () => {
    expect(
      () => new gcs.GcsBucket("bad", { tier: "staging", location: "EU", bucketName: "google-invoices" }),
    ).toThrow(
      'bucketName "google-invoices" breaks the GCS naming rules: it must not start with "goog" or contain "google"',
    );
    await mocks.settle();
    expect(childrenOf(gcs.GCS_BUCKET_TYPE)).toHaveLength(0);
  });

  it.each([
    [{ retentionDays: 0 }, "retentionDays is 0"],
    [{ noncurrentVersionRetentionDays: 2.5 }, "noncurrentVersionRetentionDays is 2.5"],
  ])("rejects %j naming the GCS bucket and the key, before creating any child", async (days, start) => {
    expect(() => new gcs.GcsBucket("bad", { tier: "staging", location: "EU", ...days })).toThrow(
      `gcs bucket "bad": ${start}; give a whole number of days of at least 1, or omit it to keep objects forever`,
    );
    await mocks.settle();
    expect(childrenOf(gcs.GCS_BUCKET_TYPE)).toHaveLength(0);
  });
});

describe("WorkloadIdentityBinding", () => {
  it("binds exactly one Kubernetes service account to a new Google service account", async () => {
    const b = new wi.WorkloadIdentityBinding("eso", {
      project: "acme-prod",
      namespace: "external-secrets",
      serviceAccountName: "external-secrets",
      roles: ["roles/secretmanager.secretAccessor"],
    });
    await mocks.settle();
    expect(mocks.byName("eso-wi-user").inputs).toMatchObject({
      role: "roles/iam.workloadIdentityUser",
      member: "serviceAccount:acme-prod.svc.id.goog[external-secrets/external-secrets]",
    });
    expect(mocks.byName("eso-secretmanager-secretaccessor").inputs.member).toBe(
      "serviceAccount:eso-wi-sa@proj.iam.gserviceaccount.com",
    );
    await expect(valueOf(b.serviceAccountAnnotations)).resolves.toEqual({
      "iam.gke.io/gcp-service-account": "eso-wi-sa@proj.iam.gserviceaccount.com",
    });
  });

  it.each([
    [{ serviceAccountName: "*" }, 'serviceAccountName is "*"'],
    [{ roles: ["roles/editor"] }, 'roles contains the basic role "roles/editor"'],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(
      () =>
        new wi.WorkloadIdentityBinding("bad", {
          project: "p",
          namespace: "ns",
          serviceAccountName: "sa",
          ...args,
        }),
    ).toThrow(message);
    await mocks.settle();
    expect(childrenOf(wi.WORKLOAD_IDENTITY_TYPE)).toHaveLength(0);
  });
});
