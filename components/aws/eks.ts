import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { NodePoolSpec, Tier } from "../../model/types";
import { isCidr, isWorldCidr } from "../shared/cidr";
import { execKubeconfig } from "../shared/kubeconfig";
import { nodePoolsProblem } from "../shared/validation";
import { failer, isProduction } from "../shared/tier";
import { platformTags } from "./common";

/** Pulumi type token of {@link EksCluster}. */
export const EKS_CLUSTER_TYPE = "platform:aws:EksCluster";

/** The five EKS control-plane log types; all are enabled (aws-eks-control-plane-logging). */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Arguments of {@link EksCluster}; `version`, `nodePools` and `publicEndpointCidrs` come from `EksClusterSpec`. */
export interface EksClusterArgs {
  /** Environment tier. Production forbids a world-open public endpoint. */
  tier: Tier;
  /** Region of the cluster (the spec's `clouds.aws.region`), used in the kubeconfig. */
  region: string;
  /** Kubernetes minor version, e.g. "1.37". */
  version: string;
  /** Managed node groups, one per pool (size = instance type). At least one. */
  nodePools: NodePoolSpec[];
  /** VPC of the cluster (an AwsNetwork's `vpcId`). */
  vpcId: pulumi.Input<string>;
  /** Subnets of the control-plane ENIs and the nodes (an AwsNetwork's `privateSubnetIds`). */
  subnetIds: pulumi.Input<string>[];
  /** CIDRs allowed to reach a public API endpoint. @default none: private endpoint only */
  publicEndpointCidrs?: string[];
  /** Physical name of the EKS cluster. @default the component's name */
  clusterName?: string;
  /** Root volume size of each node, in GiB. @default 50 GiB */
  nodeDiskGiB?: number;
  /** Extra tags merged over the platform tags. @default none */
  tags?: Record<string, string>;
}

/**
 * An EKS cluster secure by default: private API endpoint (public only with explicit, narrower
 * than world CIDRs), secrets envelope-encrypted with a rotating KMS key, all five control-plane
 * log types, managed node groups on IMDSv2-only launch templates with encrypted gp3 volumes, and
 * an IAM OIDC provider for IRSA. Exposes a kubeconfig (a Pulumi secret) and a `k8s.Provider`.
 */
export class EksCluster extends pulumi.ComponentResource {
  public readonly clusterName: pulumi.Output<string>;
  public readonly endpoint: pulumi.Output<string>;
  /** Security group EKS attaches to the control plane and managed nodes (admit it on databases). */
  public readonly clusterSecurityGroupId: pulumi.Output<string>;
  public readonly oidcProviderArn: pulumi.Output<string>;
  /** Issuer of service-account tokens without `https://` (the IRSA condition key prefix). */
  public readonly oidcIssuer: pulumi.Output<string>;
  /** Kubeconfig (exec via `aws eks get-token`), always a Pulumi secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly provider: k8s.Provider;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(EKS_CLUSTER_TYPE, name, {}, opts);
    const publicCidrs = validateEks(this, name, args);
    const tags = platformTags(name, args.tier, args.tags);
    const o = { parent: this };

    const secretsKey = new aws.kms.Key(
      `${name}-secrets-key`,
      {
        description: `EKS secrets encryption of ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags,
      },
      { ...o, protect: isProduction(args.tier) },
    );

    const clusterRole = new aws.iam.Role(
      `${name}-cluster-role`,
      { assumeRolePolicy: servicePrincipal("eks.amazonaws.com"), tags },
      o,
    );
    const clusterPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-cluster-policy`,
      { role: clusterRole.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" },
      o,
    );

    const cluster = new aws.eks.Cluster(
      `${name}-cluster`,
      {
        name: args.clusterName ?? name,
        version: args.version,
        roleArn: clusterRole.arn,
        vpcConfig: {
          subnetIds: args.subnetIds,
          endpointPrivateAccess: true,
          endpointPublicAccess: publicCidrs.length > 0,
          ...(publicCidrs.length > 0 ? { publicAccessCidrs: publicCidrs } : {}),
        },
        encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
        enabledClusterLogTypes: [...EKS_LOG_TYPES],
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        deletionProtection: isProduction(args.tier),
        tags,
      },
      { ...o, dependsOn: [clusterPolicy] },
    );
    this.clusterName = cluster.name;
    this.endpoint = cluster.endpoint;
    this.clusterSecurityGroupId = cluster.vpcConfig.apply((c) => c.clusterSecurityGroupId);

    const issuerUrl = cluster.identities.apply((ids) => ids[0].oidcs[0].issuer);
    const oidc = new aws.iam.OpenIdConnectProvider(
      `${name}-oidc`,
      { url: issuerUrl, clientIdLists: ["sts.amazonaws.com"], tags },
      o,
    );
    this.oidcProviderArn = oidc.arn;
    this.oidcIssuer = issuerUrl.apply((u) => u.replace(/^https:\/\//, ""));

    const nodeRole = new aws.iam.Role(
      `${name}-node-role`,
      { assumeRolePolicy: servicePrincipal("ec2.amazonaws.com"), tags },
      o,
    );
    const nodePolicies = NODE_POLICIES.map(
      (policy) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-node-${policy
            .replace(/^Amazon/, "")
            .replace(/_/g, "-")
            .toLowerCase()}`,
          { role: nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` },
          o,
        ),
    );

    for (const pool of args.nodePools) {
      const lt = new aws.ec2.LaunchTemplate(
        `${name}-${pool.name}-lt`,
        {
          description: `Nodes of ${name}/${pool.name}: IMDSv2 only, encrypted root volume`,
          metadataOptions: {
            httpEndpoint: "enabled",
            httpTokens: "required",
            httpPutResponseHopLimit: 1,
            instanceMetadataTags: "disabled",
          },
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              ebs: {
                encrypted: "true",
                volumeSize: args.nodeDiskGiB ?? 50,
                volumeType: "gp3",
                deleteOnTermination: "true",
              },
            },
          ],
          tagSpecifications: [
            { resourceType: "instance", tags: { ...tags, "platform:node-pool": pool.name } },
          ],
          tags,
        },
        o,
      );
      new aws.eks.NodeGroup(
        `${name}-${pool.name}`,
        {
          clusterName: cluster.name,
          nodeRoleArn: nodeRole.arn,
          subnetIds: args.subnetIds,
          instanceTypes: [pool.size],
          scalingConfig: { minSize: pool.min, maxSize: pool.max, desiredSize: Math.max(pool.min, 1) },
          updateConfig: { maxUnavailable: 1 },
          launchTemplate: { id: lt.id, version: lt.latestVersion.apply(String) },
          labels: { "platform.dev/node-pool": pool.name },
          tags,
        },
        // The cluster autoscaler owns the desired size once the group exists.
        { ...o, dependsOn: nodePolicies, ignoreChanges: ["scalingConfig.desiredSize"] },
      );
    }

    this.kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
        .apply(([clusterName, endpoint, ca]) =>
          eksKubeconfig(clusterName, endpoint, ca.data ?? "", args.region),
        ),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, o);

    this.registerOutputs({
      clusterName: this.clusterName,
      endpoint: this.endpoint,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
      oidcProviderArn: this.oidcProviderArn,
      oidcIssuer: this.oidcIssuer,
      kubeconfig: this.kubeconfig,
    });
  }
}

const NODE_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEKS_CNI_Policy",
  "AmazonEC2ContainerRegistryReadOnly",
];

function servicePrincipal(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

/** A kubeconfig that authenticates with `aws eks get-token` (no credential inside). */
export function eksKubeconfig(clusterName: string, endpoint: string, caData: string, region: string): string {
  return execKubeconfig(clusterName, endpoint, caData, {
    command: "aws",
    args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
  });
}

/** Checks the arguments before any child exists; returns the public endpoint CIDRs. */
function validateEks(resource: pulumi.Resource, name: string, args: EksClusterArgs): string[] {
  const fail = failer(resource, `eks cluster "${name}"`);
  if (!/^\d+\.\d+$/.test(args.version)) {
    throw fail(`version is "${args.version}"; give the Kubernetes minor version as a string, e.g. "1.37"`);
  }
  const poolProblem = nodePoolsProblem(args.nodePools, "{ name: general, size: m6i.large, min: 2, max: 6 }");
  if (poolProblem) throw fail(poolProblem);
  if (args.nodeDiskGiB !== undefined && (!Number.isInteger(args.nodeDiskGiB) || args.nodeDiskGiB < 20)) {
    throw fail(`nodeDiskGiB is ${args.nodeDiskGiB}; node root volumes need at least 20 GiB`);
  }
  const cidrs = args.publicEndpointCidrs ?? [];
  for (const cidr of cidrs) {
    if (isWorldCidr(cidr)) {
      if (isProduction(args.tier)) {
        throw fail(
          `publicEndpointCidrs contains "${cidr}", which opens the production API endpoint to the internet; list your office or VPN CIDRs instead, or remove publicEndpointCidrs for a private endpoint`,
        );
      }
      pulumi.log.warn(
        `eks cluster "${name}": publicEndpointCidrs contains "${cidr}" (world-open API endpoint)`,
        resource,
      );
    } else if (!isCidr(cidr)) {
      throw fail(
        `publicEndpointCidrs contains "${cidr}", which is not an IPv4 CIDR block such as "203.0.113.0/24"`,
      );
    }
  }
  if (args.publicEndpointCidrs !== undefined && cidrs.length === 0) {
    throw fail(
      `publicEndpointCidrs is an empty list; a public endpoint needs explicit CIDRs: list them (e.g. ["203.0.113.0/24"]), or omit publicEndpointCidrs for a private endpoint`,
    );
  }
  return cidrs;
}
