/**
 * The three real environments (stacks/<env>/platform.yaml) run through `runPlatform` under strict
 * mocks: every invoke except the two the AWS components make throws. The inventories are pinned
 * numbers, not derived from the specs, so any change of what an environment deploys shows in review.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AWS_INVOKES, CloudResource, EKS_CA, GKE_CA, setupCloudMocks } from "../cloud/mocks";
import { isSecretInput, valueOf } from "../helpers/mocks";
import { clusterOfProvider, countByType } from "./inventory";
import { loadEnvironment } from "../../../model/environment";

const mocks = setupCloudMocks({ invokes: AWS_INVOKES, stack: "unit" });
let run: typeof import("../../../program/run");

const root = path.resolve(__dirname, "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-envs-"));
const localKubeconfig = path.join(tmp, "kubeconfig");
fs.writeFileSync(localKubeconfig, "apiVersion: v1\n# LOCAL-KUBECONFIG-DO-NOT-LEAK\n");

beforeAll(async () => {
  run = await import("../../../program/run");
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Outputs = Record<string, unknown>;
const runs: Record<string, { outputs: Outputs; resources: CloudResource[] }> = {};

/** Runs one environment once (only `platform:kubeconfig` is configured: eks/gke need no key). */
async function environment(env: string) {
  if (!runs[env]) {
    mocks.reset();
    pulumi.runtime.setAllConfig({ "platform:kubeconfig": localKubeconfig }, []);
    const outputs = await run.runPlatform(loadEnvironment(env, { root }));
    await mocks.settle();
    runs[env] = { outputs, resources: [...mocks.resources] };
  }
  return runs[env];
}

const LOCAL_URNS = [
  "platform:kubernetes:App$kubernetes:apps/v1:Deployment::catalog-local-deployment",
  "platform:kubernetes:App$kubernetes:apps/v1:Deployment::checkout-local-deployment",
  "platform:kubernetes:App$kubernetes:core/v1:ConfigMap::catalog-local-env",
  "platform:kubernetes:App$kubernetes:core/v1:ConfigMap::checkout-local-env",
  "platform:kubernetes:App$kubernetes:core/v1:Service::catalog-local-service",
  "platform:kubernetes:App$kubernetes:core/v1:Service::checkout-local-service",
  "platform:kubernetes:App$kubernetes:core/v1:ServiceAccount::catalog-local-sa",
  "platform:kubernetes:App$kubernetes:core/v1:ServiceAccount::checkout-local-sa",
  "platform:kubernetes:App$kubernetes:networking.k8s.io/v1:NetworkPolicy::catalog-local-allow-ingress",
  "platform:kubernetes:App$kubernetes:networking.k8s.io/v1:NetworkPolicy::checkout-local-allow-ingress",
  "platform:kubernetes:App$kubernetes:policy/v1:PodDisruptionBudget::checkout-local-pdb",
  "platform:kubernetes:AppSet::catalog",
  "platform:kubernetes:AppSet::checkout",
  "platform:kubernetes:AppSet$platform:kubernetes:App::catalog-local",
  "platform:kubernetes:AppSet$platform:kubernetes:App::checkout-local",
  "platform:kubernetes:Tenant::payments-local",
  "platform:kubernetes:Tenant::search-local",
  "platform:kubernetes:Tenant$kubernetes:core/v1:LimitRange::payments-local-limits",
  "platform:kubernetes:Tenant$kubernetes:core/v1:LimitRange::search-local-limits",
  "platform:kubernetes:Tenant$kubernetes:core/v1:Namespace::payments-local-namespace",
  "platform:kubernetes:Tenant$kubernetes:core/v1:Namespace::search-local-namespace",
  "platform:kubernetes:Tenant$kubernetes:core/v1:ResourceQuota::payments-local-quota",
  "platform:kubernetes:Tenant$kubernetes:core/v1:ResourceQuota::search-local-quota",
  "platform:kubernetes:Tenant$kubernetes:networking.k8s.io/v1:NetworkPolicy::payments-local-allow-dns-and-namespace",
  "platform:kubernetes:Tenant$kubernetes:networking.k8s.io/v1:NetworkPolicy::payments-local-default-deny",
  "platform:kubernetes:Tenant$kubernetes:networking.k8s.io/v1:NetworkPolicy::search-local-allow-dns-and-namespace",
  "platform:kubernetes:Tenant$kubernetes:networking.k8s.io/v1:NetworkPolicy::search-local-default-deny",
  "platform:kubernetes:Tenant$kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::payments-local-owner-group-payments-eng",
  "platform:kubernetes:Tenant$kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::search-local-owner-group-search-eng",
  "pulumi:providers:kubernetes::k8s-local",
];

/** What the second local control plane gets: catalog fanned out, its tenant, and the provider. */
const LOCAL_B_URNS = [
  "platform:kubernetes:App$kubernetes:apps/v1:Deployment::catalog-local-b-deployment",
  "platform:kubernetes:App$kubernetes:core/v1:ConfigMap::catalog-local-b-env",
  "platform:kubernetes:App$kubernetes:core/v1:Service::catalog-local-b-service",
  "platform:kubernetes:App$kubernetes:core/v1:ServiceAccount::catalog-local-b-sa",
  "platform:kubernetes:App$kubernetes:networking.k8s.io/v1:NetworkPolicy::catalog-local-b-allow-ingress",
  "platform:kubernetes:AppSet$platform:kubernetes:App::catalog-local-b",
  "platform:kubernetes:Tenant::search-local-b",
  "platform:kubernetes:Tenant$kubernetes:core/v1:LimitRange::search-local-b-limits",
  "platform:kubernetes:Tenant$kubernetes:core/v1:Namespace::search-local-b-namespace",
  "platform:kubernetes:Tenant$kubernetes:core/v1:ResourceQuota::search-local-b-quota",
  "platform:kubernetes:Tenant$kubernetes:networking.k8s.io/v1:NetworkPolicy::search-local-b-allow-dns-and-namespace",
  "platform:kubernetes:Tenant$kubernetes:networking.k8s.io/v1:NetworkPolicy::search-local-b-default-deny",
  "platform:kubernetes:Tenant$kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::search-local-b-owner-group-search-eng",
  "pulumi:providers:kubernetes::k8s-local-b",
];

describe("local", () => {
  it("keeps the 30 resources it had on the default cluster, with the same names, types and parents", async () => {
    const { resources } = await environment("local");
    const urns = resources.map((r) => r.urn.replace("urn:pulumi:unit::platform::", ""));
    const admission = urns.filter((u) => u.startsWith("platform:kubernetes:AdmissionPolicies"));
    const onB = (u: string) => /-local-b(-|$)/.test(u.slice(u.lastIndexOf("::") + 2));
    const rest = urns.filter((u) => !admission.includes(u));
    expect(rest.filter((u) => !onB(u)).sort()).toEqual([...LOCAL_URNS].sort());
    expect(rest.filter(onB).sort()).toEqual([...LOCAL_B_URNS].sort());
    // per cluster: one component, then a ValidatingAdmissionPolicy and a binding per enabled rule (29)
    expect(admission.filter((u) => !onB(u))).toHaveLength(59);
    expect(admission.filter(onB)).toHaveLength(59);
    expect(resources).toHaveLength(89 + 59 + LOCAL_B_URNS.length);
    const providers = new Set(resources.filter((r) => r.provider).map((r) => r.provider));
    expect([...providers].sort()).toEqual([
      "urn:pulumi:unit::platform::pulumi:providers:kubernetes::k8s-local-b::k8s-local-b_id",
      "urn:pulumi:unit::platform::pulumi:providers:kubernetes::k8s-local::k8s-local_id",
    ]);
    for (const provider of resources.filter((r) => r.type === "pulumi:providers:kubernetes")) {
      expect(isSecretInput(provider.inputs.kubeconfig)).toBe(true);
      expect(provider.inputs.enableServerSideApply).toBe("true");
    }
  });

  it("pins the inventory by type", async () => {
    expect(countByType((await environment("local")).resources)).toEqual({
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy": 58,
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": 58,
      "platform:kubernetes:AdmissionPolicies": 2,
      "kubernetes:apps/v1:Deployment": 3,
      "kubernetes:core/v1:ConfigMap": 3,
      "kubernetes:core/v1:LimitRange": 3,
      "kubernetes:core/v1:Namespace": 3,
      "kubernetes:core/v1:ResourceQuota": 3,
      "kubernetes:core/v1:Service": 3,
      "kubernetes:core/v1:ServiceAccount": 3,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy": 9,
      "kubernetes:policy/v1:PodDisruptionBudget": 1,
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 3,
      "platform:kubernetes:App": 3,
      "platform:kubernetes:AppSet": 2,
      "platform:kubernetes:Tenant": 3,
      "pulumi:providers:kubernetes": 2,
    });
  });
});

describe("staging", () => {
  it("pins the inventory by type", async () => {
    expect(countByType((await environment("staging")).resources)).toEqual({
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy": 29,
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": 29,
      "platform:kubernetes:AdmissionPolicies": 1,
      "aws:cloudwatch/logGroup:LogGroup": 1,
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
      "aws:ec2/eip:Eip": 1,
      "aws:ec2/flowLog:FlowLog": 1,
      "aws:ec2/internetGateway:InternetGateway": 1,
      "aws:ec2/launchTemplate:LaunchTemplate": 1,
      "aws:ec2/natGateway:NatGateway": 1,
      "aws:ec2/routeTable:RouteTable": 3,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
      "aws:ec2/securityGroup:SecurityGroup": 1,
      "aws:ec2/subnet:Subnet": 4,
      "aws:ec2/vpc:Vpc": 1,
      "aws:eks/cluster:Cluster": 1,
      "aws:eks/nodeGroup:NodeGroup": 1,
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
      "aws:iam/role:Role": 4,
      "aws:iam/rolePolicy:RolePolicy": 2,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 4,
      "aws:kms/key:Key": 4,
      "aws:rds/instance:Instance": 1,
      "aws:rds/parameterGroup:ParameterGroup": 1,
      "aws:rds/subnetGroup:SubnetGroup": 1,
      "aws:s3/bucket:Bucket": 1,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
      "aws:s3/bucketPolicy:BucketPolicy": 1,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
      "aws:s3/bucketVersioning:BucketVersioning": 1,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
      "kubernetes:apps/v1:Deployment": 4,
      "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": 1,
      "kubernetes:core/v1:ConfigMap": 4,
      "kubernetes:core/v1:LimitRange": 2,
      "kubernetes:core/v1:Namespace": 3,
      "kubernetes:core/v1:ResourceQuota": 2,
      "kubernetes:core/v1:Service": 4,
      "kubernetes:core/v1:ServiceAccount": 4,
      "kubernetes:external-secrets.io/v1:ExternalSecret": 2,
      "kubernetes:external-secrets.io/v1:SecretStore": 2,
      "kubernetes:helm.sh/v4:Chart": 1,
      "kubernetes:networking.k8s.io/v1:Ingress": 1,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy": 9,
      "kubernetes:policy/v1:PodDisruptionBudget": 1,
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 2,
      "platform:aws:Bucket": 1,
      "platform:aws:EksCluster": 1,
      "platform:aws:IrsaRole": 1,
      "platform:aws:Network": 1,
      "platform:aws:PostgresDatabase": 1,
      "platform:kubernetes:App": 4,
      "platform:kubernetes:AppExternalSecret": 2,
      "platform:kubernetes:AppSet": 4,
      "platform:kubernetes:ExternalSecretsOperator": 1,
      "platform:kubernetes:HelmWorkload": 1,
      "platform:kubernetes:SecretStore": 2,
      "platform:kubernetes:Tenant": 2,
      "platform:vault:Audit": 1,
      "platform:vault:TenantSecrets": 1,
      "pulumi:providers:aws": 1,
      "pulumi:providers:kubernetes": 1,
      "pulumi:providers:vault": 1,
      "vault:index/audit:Audit": 1,
      "vault:index/policy:Policy": 1,
      "vault:kubernetes/authBackendRole:AuthBackendRole": 1,
    });
  });
});

describe("production", () => {
  it("pins the inventory by type", async () => {
    expect(countByType((await environment("production")).resources)).toEqual({
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy": 58,
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": 58,
      "platform:kubernetes:AdmissionPolicies": 2,
      "aws:cloudwatch/logGroup:LogGroup": 1,
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
      "aws:ec2/eip:Eip": 3,
      "aws:ec2/flowLog:FlowLog": 1,
      "aws:ec2/internetGateway:InternetGateway": 1,
      "aws:ec2/launchTemplate:LaunchTemplate": 2,
      "aws:ec2/natGateway:NatGateway": 3,
      "aws:ec2/routeTable:RouteTable": 4,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 6,
      "aws:ec2/securityGroup:SecurityGroup": 1,
      "aws:ec2/subnet:Subnet": 6,
      "aws:ec2/vpc:Vpc": 1,
      "aws:eks/cluster:Cluster": 1,
      "aws:eks/nodeGroup:NodeGroup": 2,
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
      "aws:iam/role:Role": 3,
      "aws:iam/rolePolicy:RolePolicy": 1,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 4,
      "aws:kms/key:Key": 4,
      "aws:rds/instance:Instance": 1,
      "aws:rds/parameterGroup:ParameterGroup": 1,
      "aws:rds/subnetGroup:SubnetGroup": 1,
      "aws:s3/bucket:Bucket": 1,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
      "aws:s3/bucketPolicy:BucketPolicy": 1,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
      "aws:s3/bucketVersioning:BucketVersioning": 1,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
      "gcp:compute/globalAddress:GlobalAddress": 1,
      "gcp:compute/network:Network": 1,
      "gcp:compute/router:Router": 1,
      "gcp:compute/routerNat:RouterNat": 1,
      "gcp:compute/subnetwork:Subnetwork": 1,
      "gcp:container/cluster:Cluster": 1,
      "gcp:container/nodePool:NodePool": 1,
      "gcp:projects/iAMMember:IAMMember": 5,
      "gcp:serviceaccount/account:Account": 1,
      "gcp:servicenetworking/connection:Connection": 1,
      "gcp:sql/database:Database": 1,
      "gcp:sql/databaseInstance:DatabaseInstance": 1,
      "gcp:storage/bucket:Bucket": 1,
      "kubernetes:apps/v1:Deployment": 5,
      "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": 2,
      "kubernetes:core/v1:ConfigMap": 5,
      "kubernetes:core/v1:LimitRange": 4,
      "kubernetes:core/v1:Namespace": 6,
      "kubernetes:core/v1:ResourceQuota": 4,
      "kubernetes:core/v1:Service": 5,
      "kubernetes:core/v1:ServiceAccount": 5,
      "kubernetes:external-secrets.io/v1:ExternalSecret": 5,
      "kubernetes:external-secrets.io/v1:SecretStore": 4,
      "kubernetes:helm.sh/v4:Chart": 2,
      "kubernetes:networking.k8s.io/v1:Ingress": 4,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy": 15,
      "kubernetes:policy/v1:PodDisruptionBudget": 5,
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 4,
      "platform:aws:Bucket": 1,
      "platform:aws:EksCluster": 1,
      "platform:aws:Network": 1,
      "platform:aws:PostgresDatabase": 1,
      "platform:gcp:CloudSqlPostgres": 1,
      "platform:gcp:GcsBucket": 1,
      "platform:gcp:GkeCluster": 1,
      "platform:gcp:Network": 1,
      "platform:kubernetes:App": 5,
      "platform:kubernetes:AppExternalSecret": 5,
      "platform:kubernetes:AppSet": 3,
      "platform:kubernetes:ExternalSecretsOperator": 2,
      "platform:kubernetes:HelmWorkload": 2,
      "platform:kubernetes:SecretStore": 4,
      "platform:kubernetes:Tenant": 4,
      "platform:vault:Audit": 1,
      "platform:vault:TenantSecrets": 2,
      "pulumi:providers:aws": 1,
      "pulumi:providers:gcp": 1,
      "pulumi:providers:kubernetes": 2,
      "pulumi:providers:vault": 1,
      "vault:index/audit:Audit": 1,
      "vault:index/policy:Policy": 2,
      "vault:kubernetes/authBackendRole:AuthBackendRole": 2,
    });
  });
});

/** Cloud clusters of each environment and the CA their kubeconfig carries (from the mocks). */
const CLOUD_CLUSTERS: Record<string, Record<string, string>> = {
  staging: { "eks-eu": EKS_CA },
  production: { "eks-eu": EKS_CA, "gke-eu": GKE_CA },
};
const EKS_ENDPOINT = "https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com";
const ORDERS = { cloud: "aws", endpoint: "orders-db.abc.eu-west-1.rds.amazonaws.com:5432" };
const EXPORTS: Record<string, unknown> = {
  staging: {
    clusterEndpoints: { "eks-eu": EKS_ENDPOINT },
    databases: { orders: ORDERS },
    buckets: { "catalog-index": { cloud: "aws", name: "catalog-index-bucket-abc123" } },
  },
  production: {
    clusterEndpoints: { "eks-eu": EKS_ENDPOINT, "gke-eu": "10.0.0.2" },
    databases: { orders: ORDERS, catalog: { cloud: "gcp", endpoint: "10.100.0.3:5432" } },
    buckets: {
      invoices: { cloud: "aws", name: "invoices-bucket-abc123" },
      "catalog-index": { cloud: "gcp", name: "catalog-index-bucket-abc123" },
    },
  },
};

describe.each(["staging", "production"])("%s on its cloud clusters", (env) => {
  it("deploys every App's objects through the provider of its EksCluster/GkeCluster", async () => {
    const { resources } = await environment(env);
    const apps = resources.filter((r) => r.type === "platform:kubernetes:App");
    expect(apps.length).toBeGreaterThan(0);
    for (const app of apps) {
      const cluster = /-(eks-eu|gke-eu)$/.exec(app.name)?.[1];
      const owner = cluster?.startsWith("eks") ? "platform:aws:EksCluster" : "platform:gcp:GkeCluster";
      const children = resources.filter((r) => r.parentUrn === app.urn);
      expect(children.length).toBeGreaterThanOrEqual(4);
      for (const child of children) {
        expect({ child: child.name, provider: child.provider }).toEqual({
          child: child.name,
          provider: `urn:pulumi:unit::platform::${owner}$pulumi:providers:kubernetes::${cluster}-k8s::${cluster}-k8s_id`,
        });
      }
    }
    // No provider of the old kind: the program never asks for an eks/gke kubeconfig.
    expect(resources.filter((r) => r.name.startsWith("k8s-"))).toEqual([]);
  });

  it("exports no secret value except as a Pulumi secret", async () => {
    const { outputs, resources } = await environment(env);
    const leaks = /LOCAL-KUBECONFIG|apiVersion|get-token|gke-gcloud-auth-plugin|password|token/i;
    const seen: Record<string, { secret: boolean; leaks?: boolean }> = {};
    for (const [key, value] of Object.entries(outputs)) {
      const output = pulumi.output(value);
      const secret = await pulumi.isSecret(output);
      const text = JSON.stringify(await valueOf(output));
      seen[key] = secret ? { secret } : { secret, leaks: leaks.test(text) || text.includes(EKS_CA) };
    }
    const plain = { secret: false, leaks: false };
    expect(seen).toEqual({
      environment: plain,
      namespaces: plain,
      apps: plain,
      clusterEndpoints: plain,
      databases: plain,
      buckets: plain,
      kubeconfigs: { secret: true },
      appIdentities: plain,
    });
    const kubeconfigs = await valueOf(outputs.kubeconfigs as pulumi.Output<Record<string, string>>);
    expect(Object.keys(kubeconfigs).sort()).toEqual(Object.keys(CLOUD_CLUSTERS[env]).sort());
    for (const [cluster, ca] of Object.entries(CLOUD_CLUSTERS[env]))
      expect(kubeconfigs[cluster]).toContain(ca);
    const providers = resources.filter((r) => r.type === "pulumi:providers:kubernetes");
    expect(providers.map((p) => isSecretInput(p.inputs.kubeconfig))).toEqual(providers.map(() => true));
  });

  it("exports cluster endpoints, database endpoints and bucket names", async () => {
    const { outputs } = await environment(env);
    const resolved = {
      clusterEndpoints: await valueOf(outputs.clusterEndpoints as pulumi.Output<unknown>),
      databases: await valueOf(outputs.databases as pulumi.Output<unknown>),
      buckets: await valueOf(outputs.buckets as pulumi.Output<unknown>),
    };
    expect(resolved).toEqual(EXPORTS[env]);
  });

  it("tags AWS resources through the provider's default tags and admits the database from the cluster only", async () => {
    const { resources } = await environment(env);
    const [provider] = resources.filter((r) => r.type === "pulumi:providers:aws");
    expect(provider.inputs.region).toBe("eu-west-1");
    expect(JSON.parse(provider.inputs.defaultTags).tags).toEqual({
      owner: "platform",
      "cost-center": "platform",
      environment: env,
      env,
      "managed-by": "pulumi",
    });
    const ingress = resources.filter(
      (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    );
    expect(ingress.map((r) => r.inputs.referencedSecurityGroupId)).toEqual(["sg-cluster"]);
    expect(resources.find((r) => r.type === "aws:eks/cluster:Cluster")?.inputs.name).toBe(`${env}-eks-eu`);
  });

  it("wires Vault: a provider without a token, the audit device and a role per tenant bound to its apps", async () => {
    const { resources } = await environment(env);
    const [vault] = resources.filter((r) => r.type === "pulumi:providers:vault");
    expect(vault.inputs.address).toBe("https://vault.acme.internal");
    expect(vault.inputs.token).toBeUndefined();
    expect(resources.filter((r) => r.type === "vault:index/audit:Audit")).toHaveLength(1);
    const roles = resources.filter((r) => r.type === "vault:kubernetes/authBackendRole:AuthBackendRole");
    const bindings = Object.fromEntries(
      roles.map((r) => [
        r.inputs.roleName,
        [r.inputs.boundServiceAccountNamespaces, r.inputs.boundServiceAccountNames],
      ]),
    );
    expect(bindings["tenant-payments"]).toEqual([["payments"], ["checkout", "ledger"]]);
  });

  it("materialises each app's secrets as <app>-secrets through the External Secrets Operator", async () => {
    const { resources } = await environment(env);
    const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart");
    expect(releases.map((r) => clusterOfProvider(r.provider)).sort()).toEqual(
      Object.keys(CLOUD_CLUSTERS[env]).sort(),
    );
    const externals = resources.filter((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret");
    const checkout = externals.find((r) => r.name === "checkout-eks-eu-external-secret");
    expect(checkout?.inputs.metadata).toMatchObject({ name: "checkout-secrets", namespace: "payments" });
    const deployment = resources.find((r) => r.name === "checkout-eks-eu-deployment");
    expect(
      deployment?.inputs.spec.template.spec.containers[0].env.map((e: { valueFrom: unknown }) => e.valueFrom),
    ).toEqual([
      { secretKeyRef: { name: "checkout-secrets", key: "DATABASE_URL" } },
      { secretKeyRef: { name: "checkout-secrets", key: "STRIPE_API_KEY" } },
    ]);
  });
});

describe("protection", () => {
  const STATEFUL = [
    "aws:rds/instance:Instance",
    "aws:s3/bucket:Bucket",
    "gcp:sql/databaseInstance:DatabaseInstance",
    "gcp:storage/bucket:Bucket",
  ];

  it("protects production's databases, buckets and keys", async () => {
    const { resources } = await environment("production");
    const stateful = resources.filter((r) => STATEFUL.includes(r.type) || r.type === "aws:kms/key:Key");
    expect(stateful).toHaveLength(8);
    expect(stateful.filter((r) => !r.protect).map((r) => r.name)).toEqual([]);
    const rds = resources.find((r) => r.type === "aws:rds/instance:Instance");
    expect(rds?.inputs).toMatchObject({ multiAz: true, deletionProtection: true });
  });

  it("leaves staging unprotected", async () => {
    const { resources } = await environment("staging");
    expect(resources.filter((r) => r.protect).map((r) => r.name)).toEqual([]);
  });
});

describe("staging's cloud secrets", () => {
  it("reads aws-sm through an IRSA role bound to the store's service account, annotated on it", async () => {
    const { resources } = await environment("staging");
    const role = resources.find((r) => r.name === "payments-aws-sm-eks-eu-role");
    const trust = JSON.parse(role?.inputs.assumeRolePolicy);
    expect(trust.Statement[0].Condition.StringEquals).toEqual({
      "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123:sub": "system:serviceaccount:payments:checkout",
      "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123:aud": "sts.amazonaws.com",
    });
    const policy = JSON.parse(
      resources.find((r) => r.name === "payments-aws-sm-eks-eu-policy")?.inputs.policy,
    );
    expect(policy.Statement[0].Resource).toEqual([
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/payments/stripe-??????",
    ]);
    const sa = resources.find((r) => r.name === "checkout-eks-eu-sa");
    expect(sa?.inputs.metadata.annotations).toEqual({
      "eks.amazonaws.com/role-arn": "arn:aws:iam:eu-west-1:123456789012:payments-aws-sm-eks-eu-role",
    });
    const store = resources.find((r) => r.name === "payments-aws-sm-eks-eu-store");
    expect(store?.inputs.spec.provider.aws).toEqual({
      service: "SecretsManager",
      region: "eu-west-1",
      auth: { jwt: { serviceAccountRef: { name: "checkout" } } },
    });
    // Apps without cloud secrets keep an unannotated service account.
    expect(resources.find((r) => r.name === "ledger-eks-eu-sa")?.inputs.metadata.annotations).toBeUndefined();
  });
});

it("exports no cluster endpoint for local, and its (empty) kubeconfigs only as a secret", async () => {
  const { outputs } = await environment("local");
  expect(outputs.environment).toBe("local");
  expect(await valueOf(outputs.clusterEndpoints as pulumi.Output<unknown>)).toEqual({});
  expect(await pulumi.isSecret(outputs.kubeconfigs as pulumi.Output<unknown>)).toBe(true);
});
