import * as aws from "@pulumi/aws";
import { AWS_INVOKES, setupCloudMocks, valueOf } from "./mocks";

const mocks = setupCloudMocks({ invokes: AWS_INVOKES });
type Mod = typeof import("../../../components/aws/network");
let mod: Mod;

beforeAll(async () => {
  mod = await import("../../../components/aws/network");
});
beforeEach(() => mocks.reset());

type Args = import("../../../components/aws/network").AwsNetworkArgs;
async function build(args: Partial<Args> = {}, opts?: import("@pulumi/pulumi").ComponentResourceOptions) {
  const net = new mod.AwsNetwork("core", { region: "eu-west-1", tier: "staging", ...args }, opts);
  await mocks.settle();
  return net;
}

const SUBNET = "aws:ec2/subnet:Subnet";
const NAT = "aws:ec2/natGateway:NatGateway";

describe("AwsNetwork", () => {
  it("defaults to a 10.0.0.0/16 VPC over 2 AZs with /20 subnets and one NAT gateway", async () => {
    await build();
    expect(mocks.byName("core-vpc").inputs.cidrBlock).toBe("10.0.0.0/16");
    const subnet = (n: string) => mocks.byName(`core-${n}`).inputs;
    expect(["private-0", "private-1", "public-0", "public-1"].map((n) => subnet(n).cidrBlock)).toEqual([
      "10.0.0.0/20",
      "10.0.16.0/20",
      "10.0.32.0/20",
      "10.0.48.0/20",
    ]);
    expect(["private-0", "private-1", "public-0", "public-1"].map((n) => subnet(n).availabilityZone)).toEqual(
      ["eu-west-1a", "eu-west-1b", "eu-west-1a", "eu-west-1b"],
    );
    expect(mocks.ofType(SUBNET)).toHaveLength(4);
    expect(mocks.ofType(NAT)).toHaveLength(1);
    expect(mocks.byName("core-public-0").inputs.mapPublicIpOnLaunch).toBe(false);
  });

  it("uses one NAT gateway per AZ and 3 AZs in production, each private route through its own AZ's NAT", async () => {
    await build({ tier: "production" });
    expect(mocks.ofType(NAT)).toHaveLength(3);
    expect(mocks.ofType(SUBNET)).toHaveLength(6);
    const routes = [0, 1, 2].map((i) => mocks.byName(`core-private-${i}-rt`).inputs.routes[0].natGatewayId);
    expect(routes).toEqual(["core-nat-0_id", "core-nat-1_id", "core-nat-2_id"]);
  });

  it("sends flow logs to a CloudWatch group encrypted with a rotating KMS key", async () => {
    await build();
    const key = mocks.byName("core-flow-logs-key");
    expect(key.inputs.enableKeyRotation).toBe(true);
    const policy = JSON.parse(key.inputs.policy);
    expect(policy.Statement[1].Principal.Service).toBe("logs.eu-west-1.amazonaws.com");
    expect(policy.Statement[0].Principal.AWS).toBe("arn:aws:iam::123456789012:root");
    const group = mocks.byName("core-flow-logs");
    expect(group.inputs.kmsKeyId).toBe("arn:aws:kms:eu-west-1:123456789012:core-flow-logs-key");
    expect(group.inputs.retentionInDays).toBe(90);
    expect(key.protect).toBe(false);
    const flow = mocks.byName("core-flow-log");
    expect(flow.inputs).toMatchObject({
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      vpcId: "core-vpc_id",
    });
  });

  it("keeps production flow logs 365 days and protects the key", async () => {
    await build({ tier: "production" });
    expect(mocks.byName("core-flow-logs").inputs.retentionInDays).toBe(365);
    expect(mocks.byName("core-flow-logs-key").protect).toBe(true);
  });

  it("skips the AZ lookup when availabilityZones are given", async () => {
    await build({ availabilityZones: ["eu-west-1b", "eu-west-1c"] });
    expect(mocks.ofType(SUBNET).map((s) => s.inputs.availabilityZone)).toContain("eu-west-1c");
  });

  it("merges extra tags over the platform tags", async () => {
    await build({ tags: { owner: "platform", "platform:tier": "override" } });
    expect(mocks.byName("core-vpc").inputs.tags).toMatchObject({
      "managed-by": "pulumi",
      owner: "platform",
      "platform:tier": "override",
      Name: "core",
    });
  });

  it("parents every child to the component and passes the provider down", async () => {
    const provider = new aws.Provider("euw1", { region: "eu-west-1" });
    await build({}, { provider });
    const children = mocks.resources.filter(
      (r) => r.type !== mod.AWS_NETWORK_TYPE && !r.type.startsWith("pulumi:providers"),
    );
    expect(children.length).toBeGreaterThan(15);
    for (const child of children) {
      expect(child.typeChain.startsWith(`${mod.AWS_NETWORK_TYPE}$`)).toBe(true);
      expect(child.name.startsWith("core-")).toBe(true);
      expect(child.provider).toBe("urn:pulumi:unit::platform::pulumi:providers:aws::euw1::euw1_id");
    }
  });

  it("exposes subnet ids and the VPC id", async () => {
    const net = await build();
    await expect(valueOf(net.vpcId)).resolves.toBe("core-vpc_id");
    await expect(valueOf(net.privateSubnetIds[1])).resolves.toBe("core-private-1_id");
    expect(net.publicSubnetIds).toHaveLength(2);
  });

  it.each<[Partial<Args>, string]>([
    [
      { cidrBlock: "10.0.0.0/24", azCount: 3, subnetNewBits: 2 },
      'cidrBlock "10.0.0.0/24" is too small for 6 subnets',
    ],
    [{ cidrBlock: "10.0.0.0/12" }, 'cidrBlock "10.0.0.0/12" is a /12; AWS VPCs are /16 to /28'],
    [{ cidrBlock: "10.0.0.1/16" }, 'cidrBlock: "10.0.0.1/16" has host bits set'],
    [{ azCount: 1 }, "azCount is 1; a network spans at least 2 availability zones"],
    [{ availabilityZones: ["eu-west-1a", "eu-west-1b"], azCount: 3 }, "availabilityZones lists 2 zones"],
    [{ flowLogRetentionDays: 42 }, "flowLogRetentionDays is 42; CloudWatch accepts"],
  ])("rejects %j before creating any child", async (args, message) => {
    expect(() => new mod.AwsNetwork("bad", { region: "eu-west-1", tier: "staging", ...args })).toThrow(
      message,
    );
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.type !== mod.AWS_NETWORK_TYPE)).toHaveLength(0);
  });
});
