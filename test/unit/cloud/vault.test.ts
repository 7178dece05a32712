import { setupCloudMocks } from "./mocks";

const mocks = setupCloudMocks();
type Ts = typeof import("../../../components/vault/tenantSecrets");
type Au = typeof import("../../../components/vault/audit");
type TsArgs = import("../../../components/vault/tenantSecrets").TenantSecretsArgs;
let ts: Ts;
let au: Au;

beforeAll(async () => {
  ts = await import("../../../components/vault/tenantSecrets");
  au = await import("../../../components/vault/audit");
});
beforeEach(() => mocks.reset());

const base: TsArgs = { tenant: "payments", tier: "staging", serviceAccountNames: ["external-secrets"] };
const ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole";

describe("tenantPolicyHcl", () => {
  it("grants read on data and read/list on metadata of the tenant's path only", () => {
    const hcl = ts.tenantPolicyHcl("platform", "payments");
    expect(hcl).toContain('path "platform/data/payments/*" {\n  capabilities = ["read"]\n}');
    expect(hcl).toContain('path "platform/metadata/payments/*" {\n  capabilities = ["read", "list"]\n}');
    expect(hcl).not.toMatch(/"create"|"update"|"delete"|"sudo"|path "\*"|sys\//);
  });
});

describe("TenantSecrets", () => {
  it("creates a KV v2 mount per tenant with a read-only policy and a bound role", async () => {
    new ts.TenantSecrets("payments", base);
    await mocks.settle();
    const mount = mocks.byName("payments-kv");
    expect(mount.inputs).toMatchObject({ path: "kv-payments", type: "kv", options: { version: "2" } });
    expect(mount.protect).toBe(false);
    expect(mocks.byName("payments-kv-config").inputs.maxVersions).toBe(10);
    const policy = mocks.byName("payments-read").inputs;
    expect(policy.name).toBe("tenant-payments-read");
    expect(policy.policy).toContain('path "kv-payments/data/*"');
    const role = mocks.ofType(ROLE)[0].inputs;
    expect(role).toMatchObject({
      roleName: "tenant-payments",
      backend: "kubernetes",
      boundServiceAccountNames: ["external-secrets"],
      boundServiceAccountNamespaces: ["payments"],
      tokenPolicies: ["tenant-payments-read"],
      tokenTtl: 900,
      tokenMaxTtl: 3600,
      tokenNoDefaultPolicy: true,
    });
    for (const r of mocks.resources.filter((x) => x.type !== ts.TENANT_SECRETS_TYPE)) {
      expect(r.typeChain.startsWith(`${ts.TENANT_SECRETS_TYPE}$`)).toBe(true);
    }
  });

  it("protects the mount in production", async () => {
    new ts.TenantSecrets("payments", { ...base, tier: "production" });
    await mocks.settle();
    expect(mocks.byName("payments-kv").protect).toBe(true);
  });

  it("uses a prefix of a shared mount in shared mode, creating no mount", async () => {
    const secrets = new ts.TenantSecrets("payments", {
      ...base,
      mode: "shared",
      sharedMount: "platform",
      namespace: "payments-prod",
    });
    await mocks.settle();
    expect(mocks.ofType("vault:index/mount:Mount")).toHaveLength(0);
    expect(mocks.byName("payments-read").inputs.policy).toContain('path "platform/data/payments/*"');
    expect(mocks.ofType(ROLE)[0].inputs.boundServiceAccountNamespaces).toEqual(["payments-prod"]);
    expect(secrets.pathPrefix).toBe("payments");
  });

  it.each<[Partial<TsArgs>, string]>([
    [
      { serviceAccountNames: ["*"] },
      'serviceAccountNames contains "*"; a Vault role bound to "*" lets every service account',
    ],
    [{ namespace: "*" }, 'namespace is "*"; bind the role to the tenant\'s one namespace by name, never "*"'],
    [{ serviceAccountNames: [] }, "serviceAccountNames is empty"],
    [{ mode: "shared" }, 'mode is "shared" but sharedMount is not set'],
    [{ sharedMount: "platform" }, 'sharedMount "platform" is set but mode is "perTenant"'],
    [{ tokenMaxTtlSeconds: 7 * 86400 }, "tokenMaxTtlSeconds is 604800; tokens live at most 86400 s"],
    [
      { tokenTtlSeconds: 7200, tokenMaxTtlSeconds: 3600 },
      "tokenTtlSeconds 7200 is above tokenMaxTtlSeconds 3600",
    ],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(() => new ts.TenantSecrets("bad", { ...base, ...args })).toThrow(message);
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.type !== ts.TENANT_SECRETS_TYPE)).toHaveLength(0);
  });
});

describe("VaultAudit", () => {
  it("defaults to a JSON file device on stdout", async () => {
    new au.VaultAudit("audit");
    await mocks.settle();
    expect(mocks.byName("audit-device").inputs).toMatchObject({
      type: "file",
      path: "file",
      options: { file_path: "stdout", format: "json" },
    });
    expect(mocks.byName("audit-device").typeChain).toBe(`${au.VAULT_AUDIT_TYPE}$vault:index/audit:Audit`);
  });

  it("builds the options of each device type", () => {
    expect(au.auditOptions({ type: "socket", address: "fluentd:24224" })).toEqual({
      address: "fluentd:24224",
      socket_type: "tcp",
      format: "json",
    });
    expect(au.auditOptions({ type: "syslog" })).toEqual({ tag: "vault", facility: "AUTH", format: "json" });
  });

  it("rejects a relative file path before creating the device", async () => {
    expect(() => new au.VaultAudit("bad", { device: { type: "file", filePath: "audit.log" } })).toThrow(
      'device.filePath is "audit.log"; give an absolute path',
    );
    await mocks.settle();
    expect(mocks.ofType("vault:index/audit:Audit")).toHaveLength(0);
  });
});
