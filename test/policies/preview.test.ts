/**
 * Preview behaviour: during `pulumi preview` the engine wraps props in an unknown-checking proxy.
 * A rule must not report a violation only because a value is unknown, and must not throw the
 * proxy's UnknownValueError either (the engine would turn that into an advisory diagnostic).
 */
import { allPolicies } from "../../policies/catalog";
import { check, checkStack, UNKNOWN_VALUE, unknownCheckingProxy, UnknownValueError } from "./harness";
import { WORKLOADS, goodPodSpec } from "./k8s-workloads";

const U = UNKNOWN_VALUE;

it("the installed @pulumi/policy proxy throws on unknown values", () => {
  const proxied = unknownCheckingProxy({ a: U.string }) as { a: string };
  expect(() => proxied.a).toThrow(UnknownValueError);
});

const deployment = (spec: Record<string, unknown>) => ({
  type: "kubernetes:apps/v1:Deployment",
  props: WORKLOADS["kubernetes:apps/v1:Deployment"](spec),
});

/** [rule, resource whose deciding value is unknown] */
const UNKNOWN_CASES: [string, { type: string; props: Record<string, unknown> }][] = [
  [
    "k8s-no-privilege-escalation",
    deployment({ containers: [{ name: "a", securityContext: { allowPrivilegeEscalation: U.boolean } }] }),
  ],
  ["k8s-run-as-non-root", deployment({ containers: [{ name: "a", securityContext: U.object }] })],
  [
    "k8s-drop-all-capabilities",
    deployment({ containers: [{ name: "a", securityContext: { capabilities: { drop: U.array } } }] }),
  ],
  ["k8s-seccomp", deployment({ securityContext: U.object, containers: [{ name: "a" }] })],
  [
    "k8s-read-only-root-fs",
    deployment({ containers: [{ name: "a", securityContext: { readOnlyRootFilesystem: U.boolean } }] }),
  ],
  ["k8s-requests-limits", deployment({ containers: [{ name: "a", resources: U.object }] })],
  ["k8s-no-latest-tag", deployment({ containers: [{ name: "a", image: U.string }] })],
  ["k8s-allowed-registries", deployment({ containers: [{ name: "a", image: U.string }] })],
  ["k8s-no-privileged", deployment({ containers: U.array })],
  [
    "k8s-no-default-namespace",
    { type: "kubernetes:core/v1:ConfigMap", props: { metadata: { name: "x", namespace: U.string } } },
  ],
  [
    "k8s-required-labels",
    { type: "kubernetes:core/v1:ConfigMap", props: { metadata: { labels: U.object } } },
  ],
  [
    "aws-s3-versioning",
    {
      type: "aws:s3/bucketVersioningV2:BucketVersioningV2",
      props: { versioningConfiguration: { status: U.string } },
    },
  ],
  ["aws-rds-encrypted", { type: "aws:rds/instance:Instance", props: { storageEncrypted: U.boolean } }],
  [
    "aws-rds-backup-retention",
    { type: "aws:rds/instance:Instance", props: { backupRetentionPeriod: U.number } },
  ],
  [
    "aws-sg-no-world-admin-ports",
    {
      type: "aws:ec2/securityGroup:SecurityGroup",
      props: { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: U.array }] },
    },
  ],
  ["aws-iam-no-star-star", { type: "aws:iam/policy:Policy", props: { policy: U.string } }],
  ["aws-kms-rotation", { type: "aws:kms/key:Key", props: { enableKeyRotation: U.boolean } }],
  ["aws-eks-secrets-encryption", { type: "aws:eks/cluster:Cluster", props: { encryptionConfig: U.object } }],
  [
    "gcp-sql-no-public-ip",
    { type: "gcp:sql/databaseInstance:DatabaseInstance", props: { settings: U.object } },
  ],
  [
    "gcp-gke-private-nodes",
    {
      type: "gcp:container/cluster:Cluster",
      props: { privateClusterConfig: { enablePrivateNodes: U.boolean } },
    },
  ],
  [
    "vault-role-token-ttl",
    {
      type: "vault:kubernetes/authBackendRole:AuthBackendRole",
      props: { tokenTtl: U.number, tokenMaxTtl: U.number },
    },
  ],
  ["vault-no-root-glob", { type: "vault:index/policy:Policy", props: { name: "x", policy: U.string } }],
  ["platform-required-tags", { type: "aws:s3/bucket:Bucket", props: { tags: U.object } }],
  ["platform-no-plaintext-secrets", { type: "aws:ec2/instance:Instance", props: { userData: U.string } }],
];

describe("resource rules skip unknown values at preview", () => {
  it.each(UNKNOWN_CASES)("%s", (name, subject) => {
    expect(check(name, subject, { preview: true })).toEqual([]);
  });

  it("still reports known violations through the proxy", () => {
    const spec = goodPodSpec() as { containers: Record<string, unknown>[] };
    spec.containers[0].image = "nginx:latest";
    spec.containers[0].name = U.string;
    const messages = check("k8s-no-latest-tag", deployment(spec), { preview: true });
    expect(messages).toHaveLength(1);
  });

  it("no rule throws on a resource whose props are entirely unknown", () => {
    for (const p of allPolicies) {
      if (!("validateResource" in p)) continue;
      for (const type of [
        "kubernetes:apps/v1:Deployment",
        "aws:s3/bucket:Bucket",
        "gcp:container/cluster:Cluster",
        "vault:index/policy:Policy",
        "aws:iam/policy:Policy",
      ]) {
        const props = {
          spec: U.object,
          metadata: U.object,
          tags: U.object,
          policy: U.string,
          name: U.string,
          settings: U.object,
          vpcConfig: U.object,
        };
        expect(() => check(p.name, { type, props }, { preview: true })).not.toThrow();
      }
    }
  });
});

describe("stack rules skip unknown values at preview", () => {
  it("a public access block whose bucket is unknown may belong to any bucket", () => {
    const out = checkStack(
      "aws-s3-public-access-block",
      [
        { type: "aws:s3/bucket:Bucket", props: { bucket: "a" } },
        {
          type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
          props: {
            bucket: U.string,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
          },
        },
      ],
      { preview: true },
    );
    expect(out).toEqual([]);
  });

  it("a PDB whose selector is unknown may select the deployment", () => {
    const out = checkStack(
      "k8s-pdb-for-replicated",
      [
        {
          type: "kubernetes:apps/v1:Deployment",
          props: {
            metadata: { namespace: "a" },
            spec: { replicas: 3, template: { metadata: { labels: { app: "x" } } } },
          },
        },
        {
          type: "kubernetes:policy/v1:PodDisruptionBudget",
          props: { metadata: { namespace: "a" }, spec: { selector: U.object } },
        },
      ],
      { preview: true },
    );
    expect(out).toEqual([]);
  });
});
