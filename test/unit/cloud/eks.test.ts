import * as pulumi from "@pulumi/pulumi";
import { EKS_CA, OIDC_ISSUER, plainStrings, secretStrings, setupCloudMocks, valueOf } from "./mocks";

const mocks = setupCloudMocks();
type Mod = typeof import("../../../components/aws/eks");
type Args = import("../../../components/aws/eks").EksClusterArgs;
let mod: Mod;

beforeAll(async () => {
  mod = await import("../../../components/aws/eks");
});
beforeEach(() => mocks.reset());

const base: Args = {
  tier: "staging",
  region: "eu-west-1",
  version: "1.37",
  nodePools: [
    { name: "general", size: "m6i.large", min: 2, max: 6 },
    { name: "batch", size: "c6i.xlarge", min: 0, max: 4 },
  ],
  vpcId: "vpc-1",
  subnetIds: ["subnet-a", "subnet-b"],
};

async function build(args: Partial<Args> = {}) {
  const cluster = new mod.EksCluster("eks-eu", { ...base, ...args });
  await mocks.settle();
  return cluster;
}

const CLUSTER = "aws:eks/cluster:Cluster";

/** One default build shared by the read-only tests below (each build costs ~250 ms). */
let defaults: {
  cluster: import("../../../components/aws/eks").EksCluster;
  resources: typeof mocks.resources;
};
async function defaultBuild() {
  if (!defaults) {
    mocks.reset();
    const cluster = await build();
    defaults = { cluster, resources: [...mocks.resources] };
  }
  return defaults;
}
function named(name: string) {
  const found = defaults.resources.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${name}, found ${found.length}`);
  return found[0];
}
function ofType(type: string) {
  return defaults.resources.filter((r) => r.type === type);
}

describe("EksCluster", () => {
  it("has a private endpoint only by default", async () => {
    await defaultBuild();
    const vpc = ofType(CLUSTER)[0].inputs.vpcConfig;
    expect(vpc).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: false });
    expect(vpc.publicAccessCidrs).toBeUndefined();
  });

  it("opens a public endpoint only to the CIDRs given", async () => {
    await build({ tier: "production", publicEndpointCidrs: ["203.0.113.0/24"] });
    expect(mocks.ofType(CLUSTER)[0].inputs.vpcConfig).toMatchObject({
      endpointPublicAccess: true,
      publicAccessCidrs: ["203.0.113.0/24"],
    });
  });

  it("encrypts secrets with a rotating KMS key and enables all five log types", async () => {
    await defaultBuild();
    const cluster = ofType(CLUSTER)[0].inputs;
    expect(cluster.encryptionConfig).toEqual({
      provider: { keyArn: "arn:aws:kms:eu-west-1:123456789012:eks-eu-secrets-key" },
      resources: ["secrets"],
    });
    expect(named("eks-eu-secrets-key").inputs.enableKeyRotation).toBe(true);
    expect(cluster.enabledClusterLogTypes).toEqual([
      "api",
      "audit",
      "authenticator",
      "controllerManager",
      "scheduler",
    ]);
    expect(cluster.version).toBe("1.37");
    expect(cluster.name).toBe("eks-eu");
  });

  it("turns on deletion protection and protects the key in production only", async () => {
    await build({ tier: "production" });
    expect(mocks.ofType(CLUSTER)[0].inputs.deletionProtection).toBe(true);
    expect(mocks.byName("eks-eu-secrets-key").protect).toBe(true);
    mocks.reset();
    await build({ tier: "staging" });
    expect(mocks.ofType(CLUSTER)[0].inputs.deletionProtection).toBe(false);
  });

  it("creates one managed node group per pool on an IMDSv2-only, encrypted launch template", async () => {
    await defaultBuild();
    const groups = ofType("aws:eks/nodeGroup:NodeGroup");
    expect(groups.map((g) => g.name).sort()).toEqual(["eks-eu-batch", "eks-eu-general"]);
    const general = named("eks-eu-general").inputs;
    expect(general.scalingConfig).toEqual({ minSize: 2, maxSize: 6, desiredSize: 2 });
    expect(general.instanceTypes).toEqual(["m6i.large"]);
    expect(general.launchTemplate).toEqual({ id: "eks-eu-general-lt_id", version: "1" });
    expect(named("eks-eu-batch").inputs.scalingConfig.desiredSize).toBe(1);
    for (const lt of ofType("aws:ec2/launchTemplate:LaunchTemplate")) {
      expect(lt.inputs.metadataOptions.httpTokens).toBe("required");
      expect(lt.inputs.blockDeviceMappings[0].ebs).toMatchObject({
        encrypted: "true",
        volumeType: "gp3",
        volumeSize: 50,
      });
    }
  });

  it("creates an OIDC provider for IRSA from the cluster's issuer", async () => {
    const { cluster } = await defaultBuild();
    expect(named("eks-eu-oidc").inputs).toMatchObject({
      url: OIDC_ISSUER,
      clientIdLists: ["sts.amazonaws.com"],
    });
    await expect(valueOf(cluster.oidcIssuer)).resolves.toBe(OIDC_ISSUER.replace("https://", ""));
    await expect(valueOf(cluster.clusterSecurityGroupId)).resolves.toBe("sg-cluster");
  });

  it("outputs the kubeconfig as a secret and builds a k8s provider from it", async () => {
    const { cluster } = await defaultBuild();
    expect(await pulumi.isSecret(cluster.kubeconfig)).toBe(true);
    const config = JSON.parse(await valueOf(cluster.kubeconfig));
    expect(config.clusters[0].cluster["certificate-authority-data"]).toBe(EKS_CA);
    expect(config.users[0].user.exec.args).toEqual(
      expect.arrayContaining(["--cluster-name", "eks-eu", "--region", "eu-west-1"]),
    );
    const provider = named("eks-eu-k8s");
    expect(provider.type).toBe("pulumi:providers:kubernetes");
  });

  it("never registers the kubeconfig outside a secret", async () => {
    await defaultBuild();
    const outputs = await mocks.registeredOutputs();
    const mine = outputs.filter((o) => o.urn.includes("::eks-eu"));
    expect(mine.length).toBeGreaterThan(0);
    const leaked = mine.flatMap((o) => plainStrings(o.outputs)).filter((s) => s.includes(EKS_CA));
    expect(leaked).toEqual([]);
    expect(mine.flatMap((o) => secretStrings(o.outputs)).some((s) => s.includes(EKS_CA))).toBe(true);
    const provider = named("eks-eu-k8s");
    expect(pulumi.runtime.isRpcSecret(provider.inputs.kubeconfig)).toBe(true);
  });

  it("parents every child (and grandchild) to the component", async () => {
    await defaultBuild();
    const children = defaults.resources.filter((r) => r.type !== mod.EKS_CLUSTER_TYPE);
    expect(children.length).toBeGreaterThanOrEqual(14);
    for (const child of children) expect(child.typeChain.startsWith(`${mod.EKS_CLUSTER_TYPE}$`)).toBe(true);
  });

  it.each<[Partial<Args>, string]>([
    [
      { tier: "production", publicEndpointCidrs: ["0.0.0.0/0"] },
      'publicEndpointCidrs contains "0.0.0.0/0", which opens the production API endpoint',
    ],
    [
      { tier: "production", publicEndpointCidrs: [] },
      "publicEndpointCidrs is an empty list; a public endpoint needs explicit CIDRs",
    ],
    [
      { publicEndpointCidrs: ["office"] },
      'publicEndpointCidrs contains "office", which is not an IPv4 CIDR block',
    ],
    [
      { nodePools: [{ name: "general", size: "m6i.large", min: 5, max: 3 }] },
      "nodePools[0] has min 5 greater than max 3; set min <= max",
    ],
    [{ nodePools: [] }, "nodePools is empty"],
    [
      {
        nodePools: [
          { name: "a", size: "m6i.large", min: 1, max: 2 },
          { name: "a", size: "m6i.large", min: 1, max: 2 },
        ],
      },
      'two pools named "a"',
    ],
    [
      { nodePools: [{ name: "General_Pool", size: "m6i.large", min: 1, max: 2 }] },
      'nodePools[0].name "General_Pool"',
    ],
    [{ version: "1.37.2" }, 'version is "1.37.2"'],
    [{ nodeDiskGiB: 8 }, "nodeDiskGiB is 8"],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(() => new mod.EksCluster("bad", { ...base, ...args })).toThrow(message);
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.type !== mod.EKS_CLUSTER_TYPE)).toHaveLength(0);
  });

  it("names the EKS cluster and an example pool in EKS sizes when nodePools is empty", async () => {
    expect(() => new mod.EksCluster("bad", { ...base, nodePools: [] })).toThrow(
      'eks cluster "bad": nodePools is empty; declare at least one, e.g. { name: general, size: m6i.large, min: 2, max: 6 }',
    );
    await mocks.settle();
  });

  it("allows a world-open endpoint outside production (explicitly asked for)", async () => {
    await build({ tier: "development", publicEndpointCidrs: ["0.0.0.0/0"] });
    expect(mocks.ofType(CLUSTER)[0].inputs.vpcConfig.publicAccessCidrs).toEqual(["0.0.0.0/0"]);
  });
});
