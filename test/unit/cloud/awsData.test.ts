import fc from "fast-check";
import { plainStrings, setupCloudMocks, valueOf } from "./mocks";

const mocks = setupCloudMocks();
type Pg = typeof import("../../../components/aws/postgres");
type Bk = typeof import("../../../components/aws/bucket");
type Ir = typeof import("../../../components/aws/irsa");
type PgArgs = import("../../../components/aws/postgres").PostgresDatabaseArgs;
type BkArgs = import("../../../components/aws/bucket").BucketArgs;
type IrArgs = import("../../../components/aws/irsa").IrsaRoleArgs;
let pg: Pg;
let bk: Bk;
let ir: Ir;

beforeAll(async () => {
  pg = await import("../../../components/aws/postgres");
  bk = await import("../../../components/aws/bucket");
  ir = await import("../../../components/aws/irsa");
});
beforeEach(() => mocks.reset());

const RDS = "aws:rds/instance:Instance";
const pgBase: PgArgs = {
  tier: "staging",
  region: "eu-west-1",
  network: { region: "eu-west-1", vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b"] },
  version: "16",
  sizeGiB: 100,
  allowedSecurityGroupIds: ["sg-cluster"],
  tenant: "payments",
};
async function buildPg(args: Partial<PgArgs> = {}) {
  const db = new pg.PostgresDatabase("orders", { ...pgBase, ...args });
  await mocks.settle();
  return db;
}

describe("PostgresDatabase", () => {
  it("is encrypted, private, TLS-only and keeps its password in Secrets Manager", async () => {
    await buildPg();
    const db = mocks.ofType(RDS)[0].inputs;
    expect(db).toMatchObject({
      engine: "postgres",
      engineVersion: "16",
      storageEncrypted: true,
      publiclyAccessible: false,
      manageMasterUserPassword: true,
      allocatedStorage: 100,
      maxAllocatedStorage: 400,
      kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:orders-key",
    });
    expect(db.password).toBeUndefined();
    expect(mocks.byName("orders-params").inputs.family).toBe("postgres16");
    expect(mocks.byName("orders-params").inputs.parameters[0]).toMatchObject({
      name: "rds.force_ssl",
      value: "1",
    });
    expect(mocks.byName("orders-key").inputs.enableKeyRotation).toBe(true);
  });

  it.each([
    ["development", 7],
    ["staging", 14],
    ["production", 30],
  ] as const)("keeps %s backups for %i days", async (tier, days) => {
    await buildPg({ tier });
    expect(mocks.ofType(RDS)[0].inputs.backupRetentionPeriod).toBe(days);
  });

  it("turns on Multi-AZ, deletion protection, a final snapshot and protect in production", async () => {
    await buildPg({ tier: "production" });
    const db = mocks.ofType(RDS)[0];
    expect(db.inputs).toMatchObject({
      multiAz: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "orders-final",
    });
    expect(db.protect).toBe(true);
    expect(mocks.byName("orders-key").protect).toBe(true);
  });

  it("is single-AZ, unprotected and skips the final snapshot in staging", async () => {
    await buildPg({ tier: "staging" });
    const db = mocks.ofType(RDS)[0];
    expect(db.inputs).toMatchObject({ multiAz: false, deletionProtection: false, skipFinalSnapshot: true });
    expect(db.protect).toBe(false);
  });

  it("admits only the cluster's security group, on 5432", async () => {
    const db = await buildPg({ allowedSecurityGroupIds: ["sg-cluster", "sg-jobs"] });
    const rules = mocks.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rules.map((r) => r.inputs.referencedSecurityGroupId).sort()).toEqual(["sg-cluster", "sg-jobs"]);
    for (const rule of rules) {
      expect(rule.inputs).toMatchObject({
        fromPort: 5432,
        toPort: 5432,
        ipProtocol: "tcp",
        securityGroupId: "orders-sg_id",
      });
      expect(rule.inputs.cidrIpv4).toBeUndefined();
    }
    expect(mocks.byName("orders-sg").inputs.ingress).toBeUndefined();
    expect(mocks.byName("orders-subnets").inputs.subnetIds).toEqual(["subnet-a", "subnet-b"]);
    await expect(valueOf(db.masterUserSecretArn)).resolves.toMatch(/^arn:aws:secretsmanager:/);
  });

  it("registers no password and parents every child", async () => {
    await buildPg();
    const outputs = await mocks.registeredOutputs();
    for (const o of outputs) expect(plainStrings(o.outputs).join(" ")).not.toMatch(/password/i);
    for (const r of mocks.resources.filter((x) => x.type !== pg.POSTGRES_DATABASE_TYPE)) {
      expect(r.typeChain.startsWith(`${pg.POSTGRES_DATABASE_TYPE}$`)).toBe(true);
    }
  });

  it.each<[Partial<PgArgs>, string]>([
    [
      { region: "us-east-1" },
      'the database is in region "us-east-1" but its network is in "eu-west-1"; there is no network in "us-east-1": set clouds.aws.region to "eu-west-1"',
    ],
    [{ sizeGiB: 5 }, "sizeGiB is 5; RDS gp3 storage is a whole number of GiB from 20 to 65536"],
    [{ version: "latest" }, 'version is "latest"'],
    [{ allowedSecurityGroupIds: [] }, "allowedSecurityGroupIds is empty"],
    [
      { tier: "production", backupRetentionDays: 7 },
      "backupRetentionDays is 7; a production database keeps between 30 and 35 days",
    ],
    [{ dbName: "1orders" }, 'dbName "1orders" must start with a letter'],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(() => new pg.PostgresDatabase("bad", { ...pgBase, ...args })).toThrow(message);
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.type !== pg.POSTGRES_DATABASE_TYPE)).toHaveLength(0);
  });
});

describe("bucketNameProblems", () => {
  it.each([
    ["ab", "3 to 63"],
    ["Invoices", "only lower-case letters"],
    ["-invoices", "begin and end with a letter or digit"],
    ["acme..invoices", "two adjacent periods"],
    ["192.168.5.4", "IP address"],
    ["xn--invoices", 'reserved prefix "xn--"'],
    ["invoices-s3alias", 'reserved suffix "-s3alias"'],
  ])("rejects %s", (name, problem) => {
    expect(bk.bucketNameProblems(name).join("; ")).toContain(problem);
    expect(bk.isValidBucketName(name)).toBe(false);
  });

  it("accepts valid names", () => {
    for (const name of ["acme-invoices", "a.b.c", "abc", "x".repeat(63)])
      expect(bk.bucketNameProblems(name)).toEqual([]);
  });

  it("suggests a valid name for arbitrary input (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 80 }).filter((s) => /[A-Za-z0-9]/.test(s)),
        (raw) => {
          expect(
            bk
              .bucketNameProblems(bk.suggestBucketName(raw))
              .filter((p) => !p.includes("reserved") && !p.includes("IP")),
          ).toEqual([]);
        },
      ),
    );
  });
});

async function buildBucket(args: Partial<BkArgs> = {}) {
  const b = new bk.Bucket("invoices", { tier: "staging", ...args });
  await mocks.settle();
  return b;
}

describe("Bucket", () => {
  it("blocks all public access, enforces bucket ownership and encrypts with a rotating KMS key", async () => {
    await buildBucket();
    expect(mocks.byName("invoices-public-access-block").inputs).toMatchObject({
      bucket: "invoices-bucket_id",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(mocks.byName("invoices-ownership").inputs.rule).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
    const sse = mocks.byName("invoices-encryption");
    expect(sse.type).toBe(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    );
    expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: "aws:kms",
      kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:invoices-key",
    });
    expect(mocks.byName("invoices-key").inputs.enableKeyRotation).toBe(true);
  });

  it("uses the non-deprecated aws 7 S3 tokens", async () => {
    await buildBucket();
    const types = mocks.resources.map((r) => r.type);
    expect(types).toContain("aws:s3/bucket:Bucket");
    expect(types).toContain("aws:s3/bucketVersioning:BucketVersioning");
    expect(types).toContain("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    expect(types.filter((t) => /V2$/.test(t))).toEqual([]);
  });

  it("enables versioning and expires objects after retentionDays", async () => {
    await buildBucket({ retentionDays: 2555 });
    expect(mocks.byName("invoices-versioning").inputs.versioningConfiguration).toEqual({ status: "Enabled" });
    const rules = mocks.byName("invoices-lifecycle").inputs.rules;
    expect(rules.find((r: { id: string }) => r.id === "expire-current").expiration).toEqual({ days: 2555 });
    expect(
      rules.find((r: { id: string }) => r.id === "expire-noncurrent").noncurrentVersionExpiration,
    ).toEqual({ noncurrentDays: 90 });
  });

  it("keeps objects forever when retentionDays is not set", async () => {
    await buildBucket();
    const ids = mocks.byName("invoices-lifecycle").inputs.rules.map((r: { id: string }) => r.id);
    expect(ids).toEqual(["expire-noncurrent", "abort-incomplete-uploads"]);
  });

  it("uses the given bucket name, a TLS-only policy, and protects it in production", async () => {
    await buildBucket({ tier: "production", bucketName: "acme-invoices" });
    const bucket = mocks.byName("invoices-bucket");
    expect(bucket.inputs.bucket).toBe("acme-invoices");
    expect(bucket.protect).toBe(true);
    const policy = JSON.parse(mocks.byName("invoices-tls-only").inputs.policy);
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("parents every child to the component", async () => {
    await buildBucket({ retentionDays: 30 });
    const children = mocks.resources.filter((r) => r.type !== bk.AWS_BUCKET_TYPE);
    expect(children).toHaveLength(8);
    for (const r of children) {
      expect(r.typeChain.startsWith(`${bk.AWS_BUCKET_TYPE}$`)).toBe(true);
      expect(r.name.startsWith("invoices-")).toBe(true);
    }
  });

  it("reuses a given KMS key instead of creating one", async () => {
    await buildBucket({ kmsKeyArn: "arn:aws:kms:eu-west-1:1:key/shared" });
    expect(mocks.ofType("aws:kms/key:Key")).toHaveLength(0);
  });

  it.each<[Partial<BkArgs>, string]>([
    [
      { bucketName: "Acme_Invoices" },
      'bucketName "Acme_Invoices" breaks the S3 naming rules: it may hold only lower-case letters',
    ],
    [{ retentionDays: 0 }, "retentionDays is 0; give a whole number of days of at least 1"],
    [
      { noncurrentVersionRetentionDays: 0 },
      'bucket "bad": noncurrentVersionRetentionDays is 0; give a whole number of days of at least 1, or omit it to keep objects forever',
    ],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(() => new bk.Bucket("bad", { tier: "staging", ...args })).toThrow(message);
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.type !== bk.AWS_BUCKET_TYPE)).toHaveLength(0);
  });
});

const irBase: IrArgs = {
  oidcProviderArn: "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X",
  oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/X",
  namespace: "external-secrets",
  serviceAccountName: "external-secrets",
  policyArns: ["arn:aws:iam::aws:policy/SecretsManagerReadWrite"],
};

describe("IrsaRole", () => {
  it("trusts only the exact service account and audience", async () => {
    new ir.IrsaRole("eso", irBase);
    await mocks.settle();
    const trust = JSON.parse(mocks.byName("eso-role").inputs.assumeRolePolicy);
    expect(trust.Statement[0].Principal.Federated).toBe(irBase.oidcProviderArn);
    expect(trust.Statement[0].Condition.StringEquals).toEqual({
      "oidc.eks.eu-west-1.amazonaws.com/id/X:sub": "system:serviceaccount:external-secrets:external-secrets",
      "oidc.eks.eu-west-1.amazonaws.com/id/X:aud": "sts.amazonaws.com",
    });
    expect(mocks.byName("eso-attach-0").inputs.policyArn).toBe(irBase.policyArns![0]);
    for (const r of mocks.resources.filter((x) => x.type !== ir.IRSA_ROLE_TYPE)) {
      expect(r.typeChain.startsWith(`${ir.IRSA_ROLE_TYPE}$`)).toBe(true);
    }
  });

  it("attaches an inline policy when given", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
    });
    const role = new ir.IrsaRole("reader", { ...irBase, policyArns: undefined, policy });
    await mocks.settle();
    expect(mocks.byName("reader-policy").inputs.policy).toBe(policy);
    await expect(valueOf(role.serviceAccountAnnotations)).resolves.toEqual({
      "eks.amazonaws.com/role-arn": expect.stringMatching(/^arn:aws:iam:/),
    });
  });

  it.each<[Partial<IrArgs>, string]>([
    [
      { serviceAccountName: "*" },
      'serviceAccountName is "*"; wildcards would let other service accounts assume the role',
    ],
    [{ namespace: "team-*" }, 'namespace is "team-*"'],
    [{ policyArns: [] }, "neither policy nor policyArns is set"],
    [
      { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) },
      'policy allows "*" on "*"',
    ],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(() => new ir.IrsaRole("bad", { ...irBase, ...args })).toThrow(message);
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.type !== ir.IRSA_ROLE_TYPE)).toHaveLength(0);
  });
});
