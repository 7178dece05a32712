import { check, checkStack, expectVerdict, variant } from "./harness";

type Case = [string, string, { type: string; props: Record<string, unknown> }, RegExp | null];
const r = (type: string, props: Record<string, unknown>) => ({ type, props });

const RDS = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const goodRds = {
  storageEncrypted: true,
  publiclyAccessible: false,
  backupRetentionPeriod: 7,
  multiAz: true,
  deletionProtection: true,
};
const SG = "aws:ec2/securityGroup:SecurityGroup";
const ingress = (rule: Record<string, unknown>) => ({
  ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ...rule }],
});
const IAM = "aws:iam/policy:Policy";
const doc = (statement: Record<string, unknown>) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", ...statement }],
});
const EKS = "aws:eks/cluster:Cluster";
const goodEks = {
  vpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
  enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
  encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:eu-west-1:1:key/x" } },
};
const EC2 = "aws:ec2/instance:Instance";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";

const CASES: Case[] = [
  ...["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"].flatMap(
    (t): Case[] => [
      ["aws-s3-versioning", `${t} Enabled`, r(t, { versioningConfiguration: { status: "Enabled" } }), null],
      [
        "aws-s3-versioning",
        `${t} Suspended`,
        r(t, { versioningConfiguration: { status: "Suspended" } }),
        /"Suspended"; set it to "Enabled"/,
      ],
    ],
  ),
  ...[
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ].flatMap((t): Case[] => [
    [
      "aws-s3-encryption",
      `${t} kms`,
      r(t, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] }),
      null,
    ],
    ["aws-s3-encryption", `${t} none`, r(t, { rules: [] }), /sets no rules/],
  ]),
  ["aws-s3-no-public-acl", "private bucket", r("aws:s3/bucket:Bucket", { acl: "private" }), null],
  [
    "aws-s3-no-public-acl",
    "public-read BucketAclV2",
    r("aws:s3/bucketAclV2:BucketAclV2", { acl: "public-read" }),
    /"public-read"/,
  ],
  ["aws-rds-encrypted", "encrypted", r(RDS, goodRds), null],
  [
    "aws-rds-encrypted",
    "unencrypted cluster",
    r(
      RDS_CLUSTER,
      variant(goodRds, (p) => delete (p as Partial<typeof goodRds>).storageEncrypted),
    ),
    /does not set storageEncrypted/,
  ],
  [
    "aws-rds-not-public",
    "public",
    r(RDS, { ...goodRds, publiclyAccessible: true }),
    /publiclyAccessible to true/,
  ],
  ["aws-rds-backup-retention", "7 days", r(RDS, goodRds), null],
  [
    "aws-rds-backup-retention",
    "1 day",
    r(RDS, { ...goodRds, backupRetentionPeriod: 1 }),
    /1 day\(s\).*at least 7/,
  ],
  [
    "aws-rds-backup-retention",
    "unset",
    r(
      RDS_CLUSTER,
      variant(goodRds, (p) => delete (p as Partial<typeof goodRds>).backupRetentionPeriod),
    ),
    /the AWS default/,
  ],
  ["aws-rds-multi-az", "single AZ", r(RDS, { ...goodRds, multiAz: false }), /sets multiAz to false/],
  [
    "aws-rds-deletion-protection",
    "no protection",
    r(RDS, { ...goodRds, deletionProtection: false }),
    /deletionProtection/,
  ],
  ["aws-ebs-encrypted", "encrypted volume", r("aws:ebs/volume:Volume", { encrypted: true }), null],
  ["aws-ebs-encrypted", "plain volume", r("aws:ebs/volume:Volume", {}), /does not set encrypted/],
  [
    "aws-ebs-encrypted",
    "instance ebs device",
    r(EC2, { rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ encrypted: false }] }),
    /ebsBlockDevices\[0\].encrypted/,
  ],
  [
    "aws-ebs-encrypted",
    "launch template string true",
    r(LT, { blockDeviceMappings: [{ ebs: { encrypted: "true" } }] }),
    null,
  ],
  [
    "aws-ebs-encrypted",
    "launch template unencrypted",
    r(LT, { blockDeviceMappings: [{ ebs: { volumeSize: 20 } }] }),
    /blockDeviceMappings\[0\].ebs.encrypted/,
  ],
  ["aws-ec2-imdsv2", "required", r(EC2, { metadataOptions: { httpTokens: "required" } }), null],
  [
    "aws-ec2-imdsv2",
    "optional",
    r(LT, { metadataOptions: { httpTokens: "optional" } }),
    /"optional", so IMDSv1/,
  ],
  ["aws-ec2-imdsv2", "unset", r(EC2, {}), /does not set metadataOptions.httpTokens/],
  ["aws-sg-no-world-admin-ports", "https from anywhere", r(SG, ingress({})), null],
  [
    "aws-sg-no-world-admin-ports",
    "ssh from anywhere",
    r(SG, ingress({ fromPort: 22, toPort: 22 })),
    /port 22 \(SSH\) to 0.0.0.0\/0/,
  ],
  [
    "aws-sg-no-world-admin-ports",
    "range covering rdp over ipv6",
    r(SG, ingress({ fromPort: 3000, toPort: 4000, cidrBlocks: [], ipv6CidrBlocks: ["::/0"] })),
    /3389 \(RDP\) to ::\/0/,
  ],
  [
    "aws-sg-no-world-admin-ports",
    "all protocols",
    r(SG, ingress({ protocol: "-1", fromPort: 0, toPort: 0 })),
    /22 \(SSH\), 3389/,
  ],
  [
    "aws-sg-no-world-admin-ports",
    "ssh from the VPN",
    r(SG, ingress({ fromPort: 22, toPort: 22, cidrBlocks: ["10.8.0.0/16"] })),
    null,
  ],
  [
    "aws-sg-no-world-admin-ports",
    "SecurityGroupRule",
    r("aws:ec2/securityGroupRule:SecurityGroupRule", {
      type: "ingress",
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrBlocks: ["0.0.0.0/0"],
    }),
    /port 22/,
  ],
  [
    "aws-sg-no-world-admin-ports",
    "egress SecurityGroupRule",
    r("aws:ec2/securityGroupRule:SecurityGroupRule", {
      type: "egress",
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrBlocks: ["0.0.0.0/0"],
    }),
    null,
  ],
  [
    "aws-sg-no-world-admin-ports",
    "vpc ingress rule ::/0",
    r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
      ipProtocol: "tcp",
      fromPort: 3389,
      toPort: 3389,
      cidrIpv6: "::/0",
    }),
    /3389 \(RDP\) to ::\/0/,
  ],
  [
    "aws-iam-no-star-star",
    "scoped",
    r(IAM, { policy: JSON.stringify(doc({ Action: ["s3:GetObject"], Resource: "arn:aws:s3:::b/*" })) }),
    null,
  ],
  [
    "aws-iam-no-star-star",
    "star star as JSON string",
    r(IAM, { policy: JSON.stringify(doc({ Action: "*", Resource: "*" })) }),
    /Action "\*" on Resource "\*"/,
  ],
  [
    "aws-iam-no-star-star",
    "star star as object with arrays",
    r("aws:iam/rolePolicy:RolePolicy", {
      policy: doc({ Sid: "Admin", Action: ["s3:GetObject", "*"], Resource: ["*"] }),
    }),
    /Statement "Admin"/,
  ],
  [
    "aws-iam-no-star-star",
    "Deny star star",
    r(IAM, { policy: { Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] } }),
    null,
  ],
  [
    "aws-iam-no-star-star",
    "NotAction on star",
    r("aws:iam/userPolicy:UserPolicy", { policy: doc({ NotAction: "iam:*", Resource: "*" }) }),
    /NotAction/,
  ],
  [
    "aws-iam-no-wildcard-actions",
    "s3:* on star",
    r("aws:iam/groupPolicy:GroupPolicy", { policy: JSON.stringify(doc({ Action: "s3:*", Resource: "*" })) }),
    /allows s3:\* on Resource "\*"/,
  ],
  [
    "aws-iam-no-wildcard-actions",
    "s3:* on a bucket",
    r(IAM, { policy: doc({ Action: "s3:*", Resource: "arn:aws:s3:::b/*" }) }),
    null,
  ],
  ["aws-eks-private-endpoint", "private", r(EKS, goodEks), null],
  ["aws-eks-private-endpoint", "public by default", r(EKS, { ...goodEks, vpcConfig: {} }), /whole Internet/],
  [
    "aws-eks-private-endpoint",
    "public with narrow CIDRs",
    r(EKS, { ...goodEks, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } }),
    null,
  ],
  [
    "aws-eks-control-plane-logging",
    "missing audit",
    r(EKS, { ...goodEks, enabledClusterLogTypes: ["api"] }),
    /audit, authenticator/,
  ],
  ["aws-eks-secrets-encryption", "encrypted", r(EKS, goodEks), null],
  [
    "aws-eks-secrets-encryption",
    "no encryptionConfig",
    r(EKS, { ...goodEks, encryptionConfig: undefined }),
    /"secrets"/,
  ],
  ["aws-kms-rotation", "rotating", r("aws:kms/key:Key", { enableKeyRotation: true }), null],
  ["aws-kms-rotation", "not rotating", r("aws:kms/key:Key", {}), /enableKeyRotation/],
  ["aws-kms-rotation", "asymmetric key", r("aws:kms/key:Key", { customerMasterKeySpec: "RSA_2048" }), null],
  [
    "aws-cloudtrail-multi-region-validated",
    "single region",
    r("aws:cloudtrail/trail:Trail", { enableLogFileValidation: true }),
    /isMultiRegionTrail/,
  ],
  ["aws-sqs-encrypted", "managed SSE", r("aws:sqs/queue:Queue", { sqsManagedSseEnabled: true }), null],
  [
    "aws-sqs-encrypted",
    "plain",
    r("aws:sqs/queue:Queue", { sqsManagedSseEnabled: false }),
    /encryption at rest/,
  ],
  [
    "aws-ecr-scan-immutable",
    "mutable",
    r("aws:ecr/repository:Repository", { imageScanningConfiguration: { scanOnPush: true } }),
    /IMMUTABLE/,
  ],
];

describe("AWS resource rules", () => {
  it.each(CASES)("%s: %s", (name, _case, subject, expected) => {
    const messages = check(name, subject);
    expectVerdict(messages, expected);
  });
});

describe("aws-s3-public-access-block (stack)", () => {
  const flags = {
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  };
  const bucket = (type: string) => ({ type, name: "data", props: { bucket: "acme-data" } });
  const pab = (extra: Record<string, unknown> = {}) => ({
    type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    name: "data-pab",
    props: { bucket: "acme-data", ...flags, ...extra },
  });
  it.each(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"])(
    "passes a %s with a full block and flags one without",
    (type) => {
      expect(checkStack("aws-s3-public-access-block", [bucket(type), pab()])).toEqual([]);
      const out = checkStack("aws-s3-public-access-block", [bucket(type)]);
      expect(out).toHaveLength(1);
      expect(out[0].message).toMatch(/has no BucketPublicAccessBlock/);
      expect(out[0].urn).toContain(type);
    },
  );
  it("flags a block with a flag off, on the block", () => {
    const out = checkStack("aws-s3-public-access-block", [
      bucket("aws:s3/bucket:Bucket"),
      pab({ restrictPublicBuckets: false }),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0].message).toMatch(/does not set restrictPublicBuckets to true/);
    expect(out[0].urn).toContain("BucketPublicAccessBlock");
  });
  it("matches a block by the bucket's id as well as its name", () => {
    expect(
      checkStack("aws-s3-public-access-block", [
        { type: "aws:s3/bucket:Bucket", props: { id: "b-123" } },
        { ...pab(), props: { ...pab().props, bucket: "b-123" } },
      ]),
    ).toEqual([]);
  });
});
