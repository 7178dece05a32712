/**
 * The cloud part of an environment: one provider and one network per declared cloud, and the
 * Kubernetes provider of every cluster (EKS and GKE clusters are built here; local and kubeconfig
 * clusters are reached through the context's kubeconfig).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { AwsNetwork, EksCluster } from "../components/aws";
import { GcpNetwork, GkeCluster } from "../components/gcp";
import type { ClusterSpec, PlatformSpec } from "../model/types";

/** What the program needs from outside the spec: credentials and run options. */
export interface PlatformContext {
  /** The kubeconfig of a local or kubeconfig cluster (made a Pulumi secret before use). */
  kubeconfigFor(clusterName: string, cluster: ClusterSpec): pulumi.Input<string>;
  /** Adds `pulumi.com/skipAwait: "true"` to every Kubernetes object. @default false */
  skipAwait?: boolean;
  /** Repository root: `workloads:` paths are relative to it. @default the working directory */
  repositoryRoot?: string;
  /**
   * The decrypted value of `key` in the SOPS file `file` (relative to the root), decrypted by the
   * caller before the program runs. @default none: an app reading a SOPS file fails, naming it
   */
  sopsValue?: (file: string, key: string) => string;
}

/** The providers and networks of the declared clouds. */
export interface Clouds {
  aws?: { provider: aws.Provider; network: AwsNetwork; region: string };
  gcp?: { provider: gcp.Provider; network: GcpNetwork; project: string; region: string };
}

/** Every cluster of the environment, reachable through its Kubernetes provider. */
export interface Clusters {
  providers: Record<string, k8s.Provider>;
  eks: Record<string, EksCluster>;
  gke: Record<string, GkeCluster>;
}

/** Logical name of the Kubernetes provider of a local or kubeconfig cluster. */
export function providerName(cluster: string): string {
  return `k8s-${cluster}`;
}

/** Tags the platform puts on every AWS resource: an owner by default, the account tags, then env and managed-by. */
export function awsDefaultTags(
  environment: string,
  accountTags?: Record<string, string>,
): Record<string, string> {
  return { owner: "platform", ...accountTags, env: environment, "managed-by": "pulumi" };
}

/** Labels the platform puts on every GCP resource, like {@link awsDefaultTags}. */
export function gcpDefaultLabels(
  environment: string,
  labels?: Record<string, string>,
): Record<string, string> {
  return { owner: "platform", ...labels, env: environment, "managed-by": "pulumi" };
}

/** Physical name of a cloud cluster: the environment and the spec's name (unique across stacks of one account). */
export function physicalClusterName(environment: string, cluster: string): string {
  return `${environment}-${cluster}`;
}

/** One provider and one network per cloud the spec declares. */
export function createClouds(spec: PlatformSpec): Clouds {
  const clouds: Clouds = {};
  const env = spec.environment;
  const awsSpec = spec.clouds?.aws;
  if (awsSpec) {
    const provider = new aws.Provider("aws", {
      region: awsSpec.region,
      defaultTags: { tags: awsDefaultTags(env, awsSpec.accountTags) },
    });
    const network = new AwsNetwork(
      `${env}-aws`,
      { region: awsSpec.region, tier: spec.tier },
      { providers: [provider] },
    );
    clouds.aws = { provider, network, region: awsSpec.region };
  }
  const gcpSpec = spec.clouds?.gcp;
  if (gcpSpec) {
    const provider = new gcp.Provider("gcp", {
      project: gcpSpec.project,
      region: gcpSpec.region,
      defaultLabels: gcpDefaultLabels(env, gcpSpec.labels),
    });
    const network = new GcpNetwork(
      `${env}-gcp`,
      { region: gcpSpec.region, project: gcpSpec.project, tier: spec.tier },
      { providers: [provider] },
    );
    clouds.gcp = { provider, network, project: gcpSpec.project, region: gcpSpec.region };
  }
  return clouds;
}

/** Context name to select inside the kubeconfig, when the spec names one. */
function kubeContext(cluster: ClusterSpec): string | undefined {
  return cluster.kind === "kubeconfig" ? cluster.context : undefined;
}

/** Throws an Error naming the cluster when its cloud is not declared (the loader rejects such specs). */
function need<T>(value: T | undefined, clusterName: string, cloud: string): T {
  if (value === undefined) {
    throw new Error(
      `cluster "${clusterName}" runs on ${cloud}, but clouds.${cloud} is not declared; add clouds.${cloud} to the spec`,
    );
  }
  return value;
}

/**
 * The server-side-apply Kubernetes provider of a cluster reached through a kubeconfig (named
 * {@link providerName}, in the base and in every unit alike), the kubeconfig kept a secret.
 */
export function kubeconfigProvider(
  name: string,
  cluster: ClusterSpec,
  kubeconfig: pulumi.Input<string>,
): k8s.Provider {
  const context = kubeContext(cluster);
  return new k8s.Provider(providerName(name), {
    kubeconfig: pulumi.secret(kubeconfig),
    enableServerSideApply: true,
    ...(context !== undefined ? { context } : {}),
  });
}

/**
 * The Kubernetes provider of every cluster: EKS and GKE clusters are created on their cloud's
 * network and bring their own provider; local and kubeconfig clusters get a server-side-apply
 * provider from `ctx.kubeconfigFor` (a secret).
 */
export function createClusters(spec: PlatformSpec, ctx: PlatformContext, clouds: Clouds): Clusters {
  const result: Clusters = { providers: {}, eks: {}, gke: {} };
  const env = spec.environment;
  for (const [name, cluster] of Object.entries(spec.clusters)) {
    switch (cluster.kind) {
      case "local":
      case "kubeconfig": {
        result.providers[name] = kubeconfigProvider(name, cluster, ctx.kubeconfigFor(name, cluster));
        break;
      }
      case "eks": {
        const cloud = need(clouds.aws, name, "aws");
        const eks = new EksCluster(
          name,
          {
            tier: spec.tier,
            region: cloud.region,
            version: cluster.version,
            nodePools: cluster.nodePools,
            vpcId: cloud.network.vpcId,
            subnetIds: cloud.network.privateSubnetIds,
            publicEndpointCidrs: cluster.publicEndpointCidrs,
            clusterName: physicalClusterName(env, name),
          },
          { providers: [cloud.provider] },
        );
        result.eks[name] = eks;
        result.providers[name] = eks.provider;
        break;
      }
      case "gke": {
        const cloud = need(clouds.gcp, name, "gcp");
        const gke = new GkeCluster(
          name,
          {
            tier: spec.tier,
            project: cloud.project,
            region: cloud.region,
            version: cluster.version,
            nodePools: cluster.nodePools,
            network: cloud.network,
            masterAuthorizedCidrs: cluster.masterAuthorizedCidrs,
            clusterName: physicalClusterName(env, name),
          },
          { providers: [cloud.provider] },
        );
        result.gke[name] = gke;
        result.providers[name] = gke.provider;
        break;
      }
      default: {
        const unreachable: never = cluster;
        throw new Error(`cluster "${name}" has an unknown kind: ${JSON.stringify(unreachable)}`);
      }
    }
  }
  return result;
}

/** One output of each cloud cluster (EKS, then GKE), by the spec's cluster name. */
function perCloudCluster(
  clusters: Clusters,
  pick: (cluster: EksCluster | GkeCluster) => pulumi.Output<string>,
): pulumi.Output<Record<string, string>> {
  const cloud: Record<string, EksCluster | GkeCluster> = { ...clusters.eks, ...clusters.gke };
  return pulumi.all(Object.fromEntries(Object.entries(cloud).map(([name, c]) => [name, pick(c)])));
}

/** Endpoint of each cloud cluster (local and kubeconfig clusters have none to report). */
export function clusterEndpoints(clusters: Clusters): pulumi.Output<Record<string, string>> {
  return perCloudCluster(clusters, (c) => c.endpoint);
}

/** Kubeconfig of each cloud cluster, always one Pulumi secret. */
export function clusterKubeconfigs(clusters: Clusters): pulumi.Output<Record<string, string>> {
  return pulumi.secret(perCloudCluster(clusters, (c) => c.kubeconfig));
}
