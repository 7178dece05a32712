import { parseVaultPolicy } from "../../policies/vault/rules/vault";
import { check, checkStack, expectVerdict } from "./harness";

type Case = [string, string, { type: string; props: Record<string, unknown> }, RegExp | null];
const r = (type: string, props: Record<string, unknown>) => ({ type, props });

const GKE = "gcp:container/cluster:Cluster";
const goodGke = {
  privateClusterConfig: { enablePrivateNodes: true },
  masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "10.0.0.0/8" }] },
  workloadIdentityConfig: { workloadPool: "acme.svc.id.goog" },
  datapathProvider: "ADVANCED_DATAPATH",
};
const SQL = "gcp:sql/databaseInstance:DatabaseInstance";
const goodSql = {
  settings: {
    ipConfiguration: { sslMode: "ENCRYPTED_ONLY", ipv4Enabled: false },
    backupConfiguration: { enabled: true },
  },
};
const sql = (ip: Record<string, unknown>, backup = true) => ({
  settings: {
    ipConfiguration: { ...goodSql.settings.ipConfiguration, ...ip },
    backupConfiguration: { enabled: backup },
  },
});

const GCP: Case[] = [
  ...[
    "gcp-gke-private-nodes",
    "gcp-gke-master-authorized-networks",
    "gcp-gke-workload-identity",
    "gcp-gke-no-legacy-abac",
    "gcp-gke-network-policy",
    "gcp-gke-shielded-nodes",
  ].map((name): Case => [name, "compliant cluster", r(GKE, goodGke), null]),
  [
    "gcp-gke-private-nodes",
    "public nodes",
    r(GKE, { ...goodGke, privateClusterConfig: {} }),
    /enablePrivateNodes/,
  ],
  [
    "gcp-gke-master-authorized-networks",
    "none",
    r(GKE, { ...goodGke, masterAuthorizedNetworksConfig: undefined }),
    /no masterAuthorizedNetworksConfig/,
  ],
  [
    "gcp-gke-master-authorized-networks",
    "0.0.0.0/0",
    r(GKE, { ...goodGke, masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "0.0.0.0/0" }] } }),
    /authorizes 0.0.0.0\/0/,
  ],
  [
    "gcp-gke-workload-identity",
    "no pool",
    r(GKE, { ...goodGke, workloadIdentityConfig: undefined }),
    /workloadPool/,
  ],
  [
    "gcp-gke-workload-identity",
    "node pool GCE_METADATA",
    r("gcp:container/nodePool:NodePool", {
      nodeConfig: { workloadMetadataConfig: { mode: "GCE_METADATA" } },
    }),
    /"GCE_METADATA"/,
  ],
  [
    "gcp-gke-workload-identity",
    "node pool GKE_METADATA",
    r("gcp:container/nodePool:NodePool", {
      nodeConfig: { workloadMetadataConfig: { mode: "GKE_METADATA" } },
    }),
    null,
  ],
  ["gcp-gke-no-legacy-abac", "abac", r(GKE, { ...goodGke, enableLegacyAbac: true }), /enableLegacyAbac/],
  [
    "gcp-gke-network-policy",
    "none",
    r(GKE, { ...goodGke, datapathProvider: "LEGACY_DATAPATH" }),
    /enforces no NetworkPolicy/,
  ],
  [
    "gcp-gke-network-policy",
    "calico addon",
    r(GKE, { ...goodGke, datapathProvider: undefined, networkPolicy: { enabled: true } }),
    null,
  ],
  [
    "gcp-gke-shielded-nodes",
    "disabled",
    r(GKE, { ...goodGke, enableShieldedNodes: false }),
    /enableShieldedNodes/,
  ],
  ["gcp-sql-require-ssl", "encrypted only", r(SQL, goodSql), null],
  [
    "gcp-sql-require-ssl",
    "unencrypted allowed",
    r(SQL, sql({ sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED" })),
    /"ALLOW_UNENCRYPTED_AND_ENCRYPTED"/,
  ],
  ["gcp-sql-no-public-ip", "public ip by default", r(SQL, sql({ ipv4Enabled: undefined })), /default true/],
  ["gcp-sql-backups", "no backups", r(SQL, sql({}, false)), /backupConfiguration.enabled/],
  [
    "gcp-gcs-private",
    "private bucket",
    r("gcp:storage/bucket:Bucket", { uniformBucketLevelAccess: true, publicAccessPrevention: "enforced" }),
    null,
  ],
  [
    "gcp-gcs-private",
    "inherited prevention",
    r("gcp:storage/bucket:Bucket", { uniformBucketLevelAccess: true }),
    /publicAccessPrevention/,
  ],
  [
    "gcp-gcs-private",
    "allUsers member",
    r("gcp:storage/bucketIAMMember:BucketIAMMember", {
      member: "allUsers",
      role: "roles/storage.objectViewer",
    }),
    /allUsers/,
  ],
  [
    "gcp-gcs-private",
    "allAuthenticatedUsers binding",
    r("gcp:storage/bucketIAMBinding:BucketIAMBinding", {
      members: ["user:a@acme.io", "allAuthenticatedUsers"],
    }),
    /allAuthenticatedUsers/,
  ],
  [
    "gcp-iam-no-basic-roles",
    "editor",
    r("gcp:projects/iAMMember:IAMMember", { role: "roles/editor", member: "user:a@acme.io" }),
    /roles\/editor/,
  ],
  [
    "gcp-iam-no-basic-roles",
    "predefined",
    r("gcp:projects/iAMBinding:IAMBinding", { role: "roles/storage.admin", members: [] }),
    null,
  ],
  ["gcp-kms-rotation", "90 days", r("gcp:kms/cryptoKey:CryptoKey", { rotationPeriod: "7776000s" }), null],
  [
    "gcp-kms-rotation",
    "one year",
    r("gcp:kms/cryptoKey:CryptoKey", { rotationPeriod: "31536000s" }),
    /at most 7776000s/,
  ],
  ["gcp-kms-rotation", "never", r("gcp:kms/cryptoKey:CryptoKey", {}), /does not set rotationPeriod/],
  [
    "gcp-firewall-no-world-admin-ports",
    "ssh from anywhere",
    r("gcp:compute/firewall:Firewall", {
      sourceRanges: ["0.0.0.0/0"],
      allows: [{ protocol: "tcp", ports: ["20-30"] }],
    }),
    /port 22/,
  ],
  [
    "gcp-firewall-no-world-admin-ports",
    "ssh from IAP",
    r("gcp:compute/firewall:Firewall", {
      sourceRanges: ["35.235.240.0/20"],
      allows: [{ protocol: "tcp", ports: ["22"] }],
    }),
    null,
  ],
];

const POLICY = "vault:index/policy:Policy";
const K8S_ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole";
const goodRole = {
  boundServiceAccountNames: ["web"],
  boundServiceAccountNamespaces: ["team-a"],
  tokenTtl: 900,
  tokenMaxTtl: 3600,
};

const VAULT: Case[] = [
  [
    "vault-no-root-glob",
    "scoped policy",
    r(POLICY, { name: "team-a", policy: 'path "kv/data/team-a/*" {\n  capabilities = ["read", "list"]\n}' }),
    null,
  ],
  [
    "vault-no-root-glob",
    "path *",
    r(POLICY, { name: "ops", policy: 'path "*" { capabilities = ["read"] }' }),
    /on path "\*"/,
  ],
  [
    "vault-no-root-glob",
    "sys/* sudo",
    r(POLICY, { name: "ops", policy: 'path "sys/*" { capabilities = ["read", "sudo"] }' }),
    /sudo on path "sys\/\*"/,
  ],
  [
    "vault-no-root-glob",
    "sys/* read only",
    r(POLICY, { name: "ops", policy: 'path "sys/*" { capabilities = ["read"] }' }),
    null,
  ],
  [
    "vault-no-root-glob",
    "JSON policy",
    r(POLICY, { name: "ops", policy: JSON.stringify({ path: { "*": { capabilities: ["create"] } } }) }),
    /on path "\*"/,
  ],
  [
    "vault-no-root-glob",
    "break-glass",
    r(POLICY, { name: "break-glass", policy: 'path "*" { capabilities = ["sudo"] }' }),
    null,
  ],
  ["vault-role-token-ttl", "bounded", r(K8S_ROLE, goodRole), null],
  [
    "vault-role-token-ttl",
    "no ttl",
    r("vault:jwt/authBackendRole:AuthBackendRole", { tokenMaxTtl: 3600 }),
    /does not set tokenTtl/,
  ],
  [
    "vault-role-token-ttl",
    "too long",
    r("vault:appRole/authBackendRole:AuthBackendRole", { tokenTtl: 900, tokenMaxTtl: 604800 }),
    /tokenMaxTtl to 604800 seconds, above the maximum of 86400/,
  ],
  ["vault-k8s-role-bound", "bound", r(K8S_ROLE, goodRole), null],
  [
    "vault-k8s-role-bound",
    "any namespace",
    r(K8S_ROLE, { ...goodRole, boundServiceAccountNamespaces: ["*"] }),
    /boundServiceAccountNamespaces to "\*"/,
  ],
  ["vault-kv-v2", "kv v1 mount", r("vault:index/mount:Mount", { path: "kv", type: "kv" }), /KV version 1/],
  [
    "vault-kv-v2",
    "kv v2 via options",
    r("vault:index/mount:Mount", { path: "kv", type: "kv", options: { version: "2" } }),
    null,
  ],
  [
    "vault-kv-v2",
    "too few versions",
    r("vault:kv/secretBackendV2:SecretBackendV2", { mount: "kv", maxVersions: 2 }),
    /only 2 version/,
  ],
  [
    "vault-lease-bounds",
    "mount over bound",
    r("vault:index/mount:Mount", { path: "pki", type: "pki", maxLeaseTtlSeconds: 315360000 }),
    /above the bound/,
  ],
  [
    "vault-lease-bounds",
    "auth tune within bound",
    r("vault:index/authBackend:AuthBackend", { type: "kubernetes", tune: { maxLeaseTtl: "24h" } }),
    null,
  ],
  [
    "vault-lease-bounds",
    "auth tune over bound",
    r("vault:jwt/authBackend:AuthBackend", { tune: { maxLeaseTtl: "8760h" } }),
    /tune.maxLeaseTtl to 31536000 seconds/,
  ],
  [
    "vault-jwt-role-bound-audiences",
    "unbound",
    r("vault:jwt/authBackendRole:AuthBackendRole", { roleName: "ci" }),
    /boundAudiences/,
  ],
  [
    "vault-jwt-role-bound-audiences",
    "bound",
    r("vault:jwt/authBackendRole:AuthBackendRole", { boundAudiences: ["vault"] }),
    null,
  ],
  [
    "vault-approle-bind-secret-id",
    "no secret id",
    r("vault:appRole/authBackendRole:AuthBackendRole", { bindSecretId: false }),
    /bindSecretId/,
  ],
];

describe.each([
  ["GCP", GCP],
  ["Vault", VAULT],
])("%s rules", (_area, cases) => {
  it.each(cases)("%s: %s", (name, _case, subject, expected) => {
    const messages = check(name, subject);
    expectVerdict(messages, expected);
  });
});

describe("vault-audit-device (stack)", () => {
  const mount = { type: "vault:index/mount:Mount", props: { path: "kv", type: "kv-v2" } };
  it("requires an audit device once the stack configures Vault", () => {
    expect(checkStack("vault-audit-device", [mount])[0].message).toMatch(/declares no audit device/);
    expect(
      checkStack("vault-audit-device", [mount, { type: "vault:index/audit:Audit", props: { type: "file" } }]),
    ).toEqual([]);
  });
  it("does not apply to a stack without Vault", () => {
    expect(checkStack("vault-audit-device", [{ type: "aws:s3/bucket:Bucket", props: {} }])).toEqual([]);
  });
});

it("parses HCL policies with several paths", () => {
  expect(
    parseVaultPolicy(
      'path "a/*" { capabilities = ["read"] }\npath "b" {\n capabilities = ["create", "update"]\n}',
    ),
  ).toEqual([
    { path: "a/*", capabilities: ["read"] },
    { path: "b", capabilities: ["create", "update"] },
  ]);
});
