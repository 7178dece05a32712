import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Tier } from "../../model/types";
import { layoutSubnets, parseCidr } from "../shared/cidr";
import { failer, isProduction } from "../shared/tier";
import { platformTags } from "./common";

export { layoutSubnets } from "../shared/cidr";

/** Pulumi type token of {@link AwsNetwork}. */
export const AWS_NETWORK_TYPE = "platform:aws:Network";

/** How private subnets reach the internet: one NAT gateway, or one per AZ (no cross-AZ dependency). */
export type NatStrategy = "single" | "perAz";

/** Arguments of {@link AwsNetwork}. */
export interface AwsNetworkArgs {
  /** Region of the VPC (the spec's `clouds.aws.region`); databases and clusters are checked against it. */
  region: string;
  /** Environment tier. Production defaults to one NAT gateway per AZ and 365-day flow logs. */
  tier: Tier;
  /** VPC CIDR block, between /16 and /28. @default "10.0.0.0/16" */
  cidrBlock?: string;
  /** Number of availability zones (at least 2); one public and one private subnet each. @default 2 AZs (3 in production) */
  azCount?: number;
  /** Extra prefix bits of each subnet over the VPC block (4 on a /16 gives /20 subnets). @default 4 */
  subnetNewBits?: number;
  /** AZ names to use; skips the getAvailabilityZones lookup. @default the first `azCount` available AZs of the region */
  availabilityZones?: string[];
  /** NAT gateway layout. @default "perAz" in production, "single" elsewhere */
  natStrategy?: NatStrategy;
  /** Retention of the VPC flow log group, in days. @default 365 days in production, 90 elsewhere */
  flowLogRetentionDays?: number;
  /** Extra tags merged over the platform tags. @default none */
  tags?: Record<string, string>;
}

/**
 * A VPC over at least two AZs with public and private subnets laid out by {@link layoutSubnets},
 * an internet gateway, NAT gateways (`single` or `perAz`) and VPC flow logs to a CloudWatch log
 * group encrypted with a rotating KMS key.
 */
export class AwsNetwork extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly region: string;
  public readonly cidrBlock: string;
  public readonly publicSubnetIds: pulumi.Output<string>[];
  public readonly privateSubnetIds: pulumi.Output<string>[];
  public readonly flowLogGroupName: pulumi.Output<string>;

  constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AWS_NETWORK_TYPE, name, {}, opts);
    const v = validateNetwork(this, name, args);
    const tags = platformTags(name, args.tier, args.tags);
    const o = { parent: this };
    this.region = args.region;
    this.cidrBlock = v.cidrBlock;

    const azNames: pulumi.Output<string[]> = args.availabilityZones
      ? pulumi.output(args.availabilityZones)
      : aws.getAvailabilityZonesOutput({ state: "available" }, o).names;
    const az = (i: number) => azNames.apply((names) => names[i]);

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: v.cidrBlock,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { ...tags, Name: name },
      },
      o,
    );
    this.vpcId = vpc.id;
    // The default security group admits all traffic between its members: empty it.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags }, o);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, o);

    const publicRt = new aws.ec2.RouteTable(
      `${name}-public-rt`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags },
      o,
    );
    const publicSubnets = v.layout.publicSubnets.map((cidr, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidr,
          availabilityZone: az(i),
          mapPublicIpOnLaunch: false,
          tags: { ...tags, Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1" },
        },
        o,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}-rta`,
        { subnetId: subnet.id, routeTableId: publicRt.id },
        o,
      );
      return subnet;
    });

    const natCount = v.natStrategy === "perAz" ? v.azCount : 1;
    const nats = Array.from({ length: natCount }, (_, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}-eip`, { domain: "vpc", tags }, o);
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.id, subnetId: publicSubnets[i].id, tags },
        { ...o, dependsOn: [igw] },
      );
    });

    const privateSubnets = v.layout.privateSubnets.map((cidr, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidr,
          availabilityZone: az(i),
          tags: { ...tags, Name: `${name}-private-${i}`, "kubernetes.io/role/internal-elb": "1" },
        },
        o,
      );
      const rt = new aws.ec2.RouteTable(
        `${name}-private-${i}-rt`,
        { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[i % natCount].id }], tags },
        o,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}-rta`,
        { subnetId: subnet.id, routeTableId: rt.id },
        o,
      );
      return subnet;
    });
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    // Flow logs: a KMS key CloudWatch Logs may use, a log group, and a role the service assumes.
    const account = aws.getCallerIdentityOutput({}, o).accountId;
    const logsKey = new aws.kms.Key(
      `${name}-flow-logs-key`,
      {
        description: `VPC flow logs of ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: flowLogKeyPolicy(account, args.region),
        tags,
      },
      { ...o, protect: isProduction(args.tier) },
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { retentionInDays: v.retentionDays, kmsKeyId: logsKey.arn, tags },
      o,
    );
    this.flowLogGroupName = logGroup.name;
    const role = new aws.iam.Role(
      `${name}-flow-logs-role`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "vpc-flow-logs.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
        tags,
      },
      o,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs-policy`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
              Resource: pulumi.interpolate`${logGroup.arn}:*`,
            },
          ],
        }),
      },
      o,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: logGroup.arn,
        iamRoleArn: role.arn,
        tags,
      },
      o,
    );

    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      flowLogGroupName: this.flowLogGroupName,
    });
  }
}

/** KMS key policy: the account administers the key; CloudWatch Logs of `region` may use it. */
export function flowLogKeyPolicy(account: pulumi.Input<string>, region: string): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministers",
        Effect: "Allow",
        Principal: { AWS: pulumi.interpolate`arn:aws:iam::${account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchLogsUse",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:aws:logs:${region}:${account}:*`,
          },
        },
      },
    ],
  });
}

interface ValidNetwork {
  cidrBlock: string;
  azCount: number;
  natStrategy: NatStrategy;
  retentionDays: number;
  layout: ReturnType<typeof layoutSubnets>;
}

const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

function validateNetwork(resource: pulumi.Resource, name: string, args: AwsNetworkArgs): ValidNetwork {
  const fail = failer(resource, `aws network "${name}"`);
  const prod = isProduction(args.tier);
  const cidrBlock = args.cidrBlock ?? "10.0.0.0/16";
  let prefix: number;
  try {
    prefix = parseCidr(cidrBlock).prefix;
  } catch (err) {
    throw fail(`cidrBlock: ${(err as Error).message}`);
  }
  if (prefix < 16 || prefix > 28) {
    throw fail(`cidrBlock "${cidrBlock}" is a /${prefix}; AWS VPCs are /16 to /28, e.g. "10.0.0.0/16"`);
  }
  const azCount = args.azCount ?? args.availabilityZones?.length ?? (prod ? 3 : 2);
  if (!Number.isInteger(azCount) || azCount < 2) {
    throw fail(
      `azCount is ${azCount}; a network spans at least 2 availability zones, set azCount: 2 or more`,
    );
  }
  if (args.availabilityZones && args.availabilityZones.length < azCount) {
    throw fail(
      `availabilityZones lists ${args.availabilityZones.length} zones (${args.availabilityZones.join(", ")}) but azCount is ${azCount}; list ${azCount} zones or lower azCount`,
    );
  }
  const natStrategy = args.natStrategy ?? (prod ? "perAz" : "single");
  if (natStrategy !== "single" && natStrategy !== "perAz") {
    throw fail(`natStrategy is "${String(natStrategy)}"; use "single" or "perAz"`);
  }
  const retentionDays = args.flowLogRetentionDays ?? (prod ? 365 : 90);
  if (!LOG_RETENTION_DAYS.includes(retentionDays)) {
    throw fail(
      `flowLogRetentionDays is ${retentionDays}; CloudWatch accepts ${LOG_RETENTION_DAYS.join(", ")}`,
    );
  }
  let layout: ReturnType<typeof layoutSubnets>;
  try {
    layout = layoutSubnets(cidrBlock, azCount, args.subnetNewBits ?? 4);
  } catch (err) {
    throw fail((err as Error).message);
  }
  return { cidrBlock, azCount, natStrategy, retentionDays, layout };
}
