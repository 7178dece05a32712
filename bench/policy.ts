/**
 * Policy evaluation benchmark: 10,000 resources of mixed types (Kubernetes workloads and objects,
 * AWS, GCP, Vault) evaluated by every pack with the production config. Prints resources/second and
 * milliseconds per 1,000 resources. Target: the whole run under 3 s.
 *
 *   npx tsx bench/policy.ts [count]
 */
import * as fs from "fs";
import * as path from "path";
import { OfflineResource, evaluate } from "../ops/policy/evaluate";

const started = performance.now();
const count = Number(process.argv[2] ?? 10_000);

function container(i: number) {
  return {
    name: `app-${i}`,
    image: i % 7 === 0 ? "nginx:latest" : `registry.acme.io/app-${i % 50}:1.${i % 9}.0`,
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    securityContext: {
      allowPrivilegeEscalation: i % 11 === 0,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
    readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
    livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
    env: [{ name: "LOG_LEVEL", value: "info" }],
  };
}

function podSpec(i: number) {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
    automountServiceAccountToken: false,
    containers: [container(i)],
    initContainers: i % 3 === 0 ? [container(i + 1)] : [],
  };
}

const labels = (i: number) => ({
  "app.kubernetes.io/name": `app-${i}`,
  "app.kubernetes.io/part-of": "platform",
  "app.kubernetes.io/managed-by": "pulumi",
  "platform.dev/owner": "team-a",
  "platform.dev/environment": "production",
  "platform.dev/cost-center": "cc-1",
});

const makers: ((i: number) => Pick<OfflineResource, "type" | "props">)[] = [
  (i) => ({
    type: "kubernetes:apps/v1:Deployment",
    props: {
      metadata: { name: `d${i}`, namespace: "team-a", labels: labels(i) },
      spec: { replicas: 2, template: { metadata: { labels: labels(i) }, spec: podSpec(i) } },
    },
  }),
  (i) => ({
    type: "kubernetes:core/v1:Pod",
    props: { metadata: { name: `p${i}`, namespace: "team-a", labels: labels(i) }, spec: podSpec(i) },
  }),
  (i) => ({
    type: "kubernetes:batch/v1:CronJob",
    props: {
      metadata: { name: `c${i}`, namespace: "team-a", labels: labels(i) },
      spec: { jobTemplate: { spec: { template: { spec: podSpec(i) } } } },
    },
  }),
  (i) => ({
    type: "kubernetes:core/v1:Service",
    props: {
      metadata: { name: `s${i}`, namespace: "team-a", labels: labels(i) },
      spec: { type: i % 5 === 0 ? "NodePort" : "ClusterIP" },
    },
  }),
  (i) => ({
    type: "kubernetes:policy/v1:PodDisruptionBudget",
    props: {
      metadata: { name: `pdb${i}`, namespace: "team-a", labels: labels(i) },
      spec: { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": `app-${i - 4}` } } },
    },
  }),
  (i) => ({
    type: "aws:s3/bucket:Bucket",
    props: { bucket: `bucket-${i}`, tags: { owner: "a", env: "production", "cost-center": "cc" } },
  }),
  (i) => ({
    type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    props: {
      bucket: `bucket-${i - 1}`,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: i % 4 !== 0,
    },
  }),
  (i) => ({
    type: "aws:rds/instance:Instance",
    props: {
      storageEncrypted: true,
      multiAz: i % 2 === 0,
      backupRetentionPeriod: 7,
      deletionProtection: true,
      region: "eu-west-1",
    },
  }),
  (i) => ({
    type: "aws:ec2/securityGroup:SecurityGroup",
    props: {
      ingress: [
        {
          protocol: "tcp",
          fromPort: 0,
          toPort: i % 3 === 0 ? 65535 : 443,
          cidrBlocks: ["0.0.0.0/0"],
          ipv6CidrBlocks: ["::/0"],
        },
      ],
    },
  }),
  (i) => ({
    type: "aws:iam/policy:Policy",
    props: {
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: i % 6 === 0 ? "*" : ["s3:GetObject"], Resource: "*" }],
      }),
    },
  }),
  (i) => ({
    type: "gcp:container/cluster:Cluster",
    props: {
      location: "europe-west1",
      privateClusterConfig: { enablePrivateNodes: true },
      workloadIdentityConfig: { workloadPool: "p.svc.id.goog" },
      masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: i % 2 ? "10.0.0.0/8" : "0.0.0.0/0" }] },
    },
  }),
  (i) => ({
    type: "vault:index/policy:Policy",
    props: {
      name: `p${i}`,
      policy:
        i % 4 === 0
          ? 'path "*" { capabilities = ["read"] }'
          : 'path "kv/data/a/*" { capabilities = ["read"] }',
    },
  }),
  (i) => ({
    type: "kubernetes:core/v1:ConfigMap",
    props: {
      metadata: { name: `cm${i}`, namespace: i % 9 === 0 ? "default" : "team-a", labels: labels(i) },
      data: { a: "b" },
    },
  }),
];

const resources: OfflineResource[] = [];
for (let i = 0; i < count; i++) {
  const made = makers[i % makers.length](i);
  const name = `r-${i}`;
  resources.push({
    ...made,
    name,
    urn: `urn:pulumi:bench::platform::${made.type}::${name}`,
    opts: { protect: i % 2 === 0 },
  });
}
resources.push({
  type: "vault:index/audit:Audit",
  name: "audit",
  urn: "urn:pulumi:bench::platform::vault:index/audit:Audit::audit",
  props: { type: "file" },
});

const config = JSON.parse(
  fs.readFileSync(path.join(__dirname, "..", "policies", "config", "production.json"), "utf8"),
) as object;

const t0 = performance.now();
const violations = evaluate(resources, { env: "production", config });
const elapsed = performance.now() - t0;
const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;

console.log(`resources:          ${resources.length}`);
console.log(`violations:         ${violations.length} (${mandatory} mandatory)`);
console.log(`evaluate:           ${elapsed.toFixed(0)} ms`);
console.log(`resources/second:   ${Math.round((resources.length / elapsed) * 1000)}`);
console.log(`ms per 1,000:       ${((elapsed / resources.length) * 1000).toFixed(1)}`);
console.log(`whole run:          ${(performance.now() - started).toFixed(0)} ms (incl. loading the packs)`);
