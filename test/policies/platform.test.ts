import { credentialIn } from "../../policies/platform/rules/secrets";
import { check, expectVerdict } from "./harness";
import { LABELS, WORKLOADS, goodPodSpec } from "./k8s-workloads";

const tags = { owner: "team-a", env: "staging", "cost-center": "cc-1" };

describe("platform-required-tags", () => {
  it.each([
    ["AWS tags on the resource", { type: "aws:s3/bucket:Bucket", props: { tags } }, null],
    [
      "AWS tags from provider defaultTags",
      {
        type: "aws:rds/instance:Instance",
        props: { tags: { owner: "team-a" } },
        provider: {
          type: "pulumi:providers:aws",
          props: { defaultTags: { tags: { env: "staging", "cost-center": "cc-1" } } },
        },
      },
      null,
    ],
    [
      "AWS missing cost-center",
      { type: "aws:kms/key:Key", props: { tags: { owner: "a", env: "staging" } } },
      /missing cost-center in tags/,
    ],
    [
      "AWS env outside the allowed set",
      { type: "aws:s3/bucketV2:BucketV2", props: { tags: { ...tags, env: "dev2" } } },
      /env to "dev2"/,
    ],
    [
      "GCP labels on a cluster",
      { type: "gcp:container/cluster:Cluster", props: { resourceLabels: tags } },
      null,
    ],
    [
      "GCP SQL without userLabels",
      { type: "gcp:sql/databaseInstance:DatabaseInstance", props: { settings: {} } },
      /settings.userLabels/,
    ],
    [
      "GCP labels from provider defaultLabels",
      {
        type: "gcp:storage/bucket:Bucket",
        props: {},
        provider: { type: "pulumi:providers:gcp", props: { defaultLabels: tags } },
      },
      null,
    ],
    [
      "Kubernetes platform labels",
      { type: "kubernetes:core/v1:ConfigMap", props: { metadata: { labels: LABELS } } },
      null,
    ],
    [
      "Kubernetes without owner",
      {
        type: "kubernetes:core/v1:ConfigMap",
        props: {
          metadata: { labels: { "platform.dev/environment": "staging", "platform.dev/cost-center": "c" } },
        },
      },
      /platform.dev\/owner/,
    ],
  ] as [string, Parameters<typeof check>[1], RegExp | null][])("%s", (_case, subject, expected) => {
    const messages = check("platform-required-tags", subject);
    expectVerdict(messages, expected);
  });
});

describe("platform-protect-stateful", () => {
  it.each([
    "aws:rds/instance:Instance",
    "gcp:sql/databaseInstance:DatabaseInstance",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "vault:index/mount:Mount",
    "aws:s3/bucketV2:BucketV2",
  ])("requires protect on %s", (type) => {
    expect(check("platform-protect-stateful", { type, props: {} }).join()).toMatch(/protect: true/);
    expect(check("platform-protect-stateful", { type, props: {}, protect: true })).toEqual([]);
  });
});

describe("platform-allowed-regions", () => {
  it.each([
    [{ type: "pulumi:providers:aws", props: { region: "eu-west-1" } }, null],
    [
      { type: "pulumi:providers:aws", props: { region: "us-east-1" } },
      /"us-east-1", outside the allowed AWS regions \(eu-west-1\)/,
    ],
    [{ type: "aws:s3/bucket:Bucket", props: { region: "us-west-2" } }, /us-west-2/],
    [{ type: "gcp:container/cluster:Cluster", props: { location: "europe-west1-b" } }, null],
    [{ type: "gcp:storage/bucket:Bucket", props: { location: "EU" } }, null],
    [{ type: "gcp:sql/databaseInstance:DatabaseInstance", props: { region: "us-central1" } }, /us-central1/],
    [{ type: "gcp:kms/keyRing:KeyRing", props: { location: "global" } }, null],
  ] as [Parameters<typeof check>[1], RegExp | null][])("%j", (subject, expected) => {
    const messages = check("platform-allowed-regions", subject);
    expectVerdict(messages, expected);
  });
});

describe("platform-naming", () => {
  it.each([
    ["checkout-local-deployment", 0],
    ["k8s-local", 0],
    ["MyBucket", 1],
    ["bad_name", 1],
  ] as [string, number][])("%s", (name, count) => {
    expect(check("platform-naming", { type: "aws:s3/bucket:Bucket", props: {}, name })).toHaveLength(count);
  });
});

describe("platform-no-plaintext-secrets", () => {
  const withEnv = (env: Record<string, unknown>[]) => {
    const spec = goodPodSpec() as { containers: { env: unknown[] }[] };
    spec.containers[0].env = env;
    return { type: "kubernetes:apps/v1:Deployment", props: WORKLOADS["kubernetes:apps/v1:Deployment"](spec) };
  };
  it.each([
    [
      "k8s env literal password",
      withEnv([{ name: "DB_PASSWORD", value: "hunter22" }]),
      /a literal value for DB_PASSWORD/,
    ],
    ["k8s env AWS key", withEnv([{ name: "X", value: "AKIAABCDEFGHIJKLMNOP" }]), /an AWS access key ID/],
    [
      "k8s env secretKeyRef",
      withEnv([{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "p" } } }]),
      null,
    ],
    ["k8s env harmless", withEnv([{ name: "LOG_LEVEL", value: "debug" }]), null],
    [
      "EC2 user data (base64)",
      {
        type: "aws:ec2/instance:Instance",
        props: { userData: Buffer.from("#!/bin/sh\nexport API_TOKEN=abcd1234efgh\n").toString("base64") },
      },
      /userData/,
    ],
    [
      "ECS environment",
      {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        props: {
          containerDefinitions: JSON.stringify([
            { environment: [{ name: "STRIPE_SECRET", value: "sk_live_abcdef" }] },
          ]),
        },
      },
      /containerDefinitions\[0\].environment\[0\]/,
    ],
    [
      "stack config",
      { type: "pulumi:pulumi:Stack", props: { config: { "platform:githubToken": "ghp_" + "a".repeat(36) } } },
      /config.platform:githubToken/,
    ],
    [
      "stack config reference",
      { type: "pulumi:pulumi:Stack", props: { config: { "platform:backend": "s3://acme/state" } } },
      null,
    ],
  ] as [string, Parameters<typeof check>[1], RegExp | null][])("%s", (_case, subject, expected) => {
    const messages = check("platform-no-plaintext-secrets", subject);
    expectVerdict(messages, expected);
  });

  it("does not take references for credentials", () => {
    expect(credentialIn("arn:aws:secretsmanager:eu-west-1:1:secret:db", "DB_PASSWORD")).toBeUndefined();
    expect(credentialIn("-----BEGIN RSA PRIVATE KEY-----\nabc")).toBe("a private key");
  });
});

describe("platform-no-public-ip", () => {
  it("flags public addresses on AWS and GCP instances", () => {
    expect(
      check("platform-no-public-ip", {
        type: "aws:ec2/instance:Instance",
        props: { associatePublicIpAddress: true },
      }),
    ).toHaveLength(1);
    expect(
      check("platform-no-public-ip", {
        type: "gcp:compute/instance:Instance",
        props: { networkInterfaces: [{ accessConfigs: [{}] }] },
      }),
    ).toHaveLength(1);
    expect(
      check("platform-no-public-ip", {
        type: "gcp:compute/instance:Instance",
        props: { networkInterfaces: [{ network: "default" }] },
      }),
    ).toEqual([]);
  });
});
