import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import type { NodePoolSpec, Tier } from "../../model/types";
import { isCidr, isWorldCidr, parseCidr } from "../shared/cidr";
import { failer, isProduction } from "../shared/tier";
import { execKubeconfig } from "../shared/kubeconfig";
import { nodePoolsProblem } from "../shared/validation";
import { gcpPlatformLabels } from "./common";

/** Pulumi type token of {@link GkeCluster}. */
export const GKE_CLUSTER_TYPE = "platform:gcp:GkeCluster";

/** GKE release channels. */
export type ReleaseChannel = "RAPID" | "REGULAR" | "STABLE";

/** The network of a cluster: a GcpNetwork, or anything with the same shape. */
export interface GkeNetworkRef {
  networkSelfLink: pulumi.Input<string>;
  subnetworkSelfLink: pulumi.Input<string>;
  podsRangeName: string;
  servicesRangeName: string;
}

/** Arguments of {@link GkeCluster}; `version`, `nodePools`, `masterAuthorizedCidrs` come from `GkeClusterSpec`. */
export interface GkeClusterArgs {
  /** Environment tier: production uses the STABLE channel, deletion protection, no world-open endpoint. */
  tier: Tier;
  /** GCP project id (also names the workload identity pool `<project>.svc.id.goog`). */
  project: string;
  /** Region of the (regional) cluster. */
  region: string;
  /** Minimum Kubernetes version, e.g. "1.37". */
  version: string;
  /** Node pools (size = machine type; min/max are totals over the region's zones). At least one. */
  nodePools: NodePoolSpec[];
  network: GkeNetworkRef;
  /** CIDRs allowed to reach a public control-plane endpoint. @default none: private endpoint only */
  masterAuthorizedCidrs?: string[];
  /** Physical name of the GKE cluster (known before deployment, e.g. for secret stores). @default auto-named */
  clusterName?: string;
  /** /28 block of the control plane's private endpoint. @default "172.16.0.0/28" */
  masterIpv4CidrBlock?: string;
  /** @default "STABLE" in production, "REGULAR" elsewhere */
  releaseChannel?: ReleaseChannel;
  /** Boot disk of each node, in GiB. @default 50 GiB */
  nodeDiskGiB?: number;
  /** Extra labels merged over the platform labels. @default none */
  labels?: Record<string, string>;
}

/** Roles a node service account needs, and nothing more (no basic roles). */
export const NODE_ROLES = [
  "roles/logging.logWriter",
  "roles/monitoring.metricWriter",
  "roles/monitoring.viewer",
  "roles/stackdriver.resourceMetadata.writer",
  "roles/artifactregistry.reader",
];

/**
 * A regional GKE cluster secure by default: private nodes, master authorized networks (private
 * endpoint only unless CIDRs are given), workload identity, Dataplane V2, shielded nodes, a
 * release channel, no legacy ABAC, no client certificate, and node pools on a least-privilege
 * service account with GKE_METADATA, secure boot and autoscaling. Exposes a kubeconfig (a Pulumi
 * secret) and a `k8s.Provider`.
 */
export class GkeCluster extends pulumi.ComponentResource {
  public readonly clusterName: pulumi.Output<string>;
  public readonly endpoint: pulumi.Output<string>;
  public readonly workloadPool: string;
  public readonly nodeServiceAccountEmail: pulumi.Output<string>;
  /** Kubeconfig (exec via gke-gcloud-auth-plugin), always a Pulumi secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly provider: k8s.Provider;

  constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GKE_CLUSTER_TYPE, name, {}, opts);
    const cidrs = validateGke(this, name, args);
    const prod = isProduction(args.tier);
    const labels = gcpPlatformLabels(name, args.tier, args.labels);
    const o = { parent: this };
    this.workloadPool = `${args.project}.svc.id.goog`;

    const nodeSa = new gcp.serviceaccount.Account(
      `${name}-nodes`,
      { project: args.project, accountId: nodeAccountId(name), displayName: `GKE nodes of ${name}` },
      o,
    );
    this.nodeServiceAccountEmail = nodeSa.email;
    const grants = NODE_ROLES.map(
      (role) =>
        new gcp.projects.IAMMember(
          `${name}-nodes-${role
            .replace(/^roles\//, "")
            .replace(/\./g, "-")
            .toLowerCase()}`,
          { project: args.project, role, member: pulumi.interpolate`serviceAccount:${nodeSa.email}` },
          o,
        ),
    );
    const workloadMetadataConfig = { mode: "GKE_METADATA" };
    const shieldedInstanceConfig = { enableSecureBoot: true, enableIntegrityMonitoring: true };

    const cluster = new gcp.container.Cluster(
      `${name}-cluster`,
      {
        ...(args.clusterName !== undefined ? { name: args.clusterName } : {}),
        project: args.project,
        location: args.region,
        minMasterVersion: args.version,
        network: args.network.networkSelfLink,
        subnetwork: args.network.subnetworkSelfLink,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: {
          clusterSecondaryRangeName: args.network.podsRangeName,
          servicesSecondaryRangeName: args.network.servicesRangeName,
        },
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        // Settings of the short-lived default pool, so it too passes the node policies.
        nodeConfig: { serviceAccount: nodeSa.email, workloadMetadataConfig, shieldedInstanceConfig },
        privateClusterConfig: {
          enablePrivateNodes: true,
          enablePrivateEndpoint: cidrs.length === 0,
          masterIpv4CidrBlock: args.masterIpv4CidrBlock ?? "172.16.0.0/28",
        },
        masterAuthorizedNetworksConfig: {
          cidrBlocks: cidrs.map((cidrBlock) => ({ cidrBlock, displayName: cidrBlock })),
        },
        masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
        workloadIdentityConfig: { workloadPool: this.workloadPool },
        datapathProvider: "ADVANCED_DATAPATH",
        enableShieldedNodes: true,
        enableLegacyAbac: false,
        releaseChannel: { channel: args.releaseChannel ?? (prod ? "STABLE" : "REGULAR") },
        deletionProtection: prod,
        resourceLabels: labels,
      },
      // nodeConfig only shapes the default pool, which is removed: ignore it afterwards (no perpetual diff).
      { ...o, dependsOn: grants, ignoreChanges: ["nodeConfig"] },
    );
    this.clusterName = cluster.name;
    this.endpoint = cluster.endpoint;

    for (const pool of args.nodePools) {
      new gcp.container.NodePool(
        `${name}-${pool.name}`,
        {
          project: args.project,
          location: args.region,
          cluster: cluster.name,
          initialNodeCount: 1,
          autoscaling: {
            totalMinNodeCount: pool.min,
            totalMaxNodeCount: pool.max,
            locationPolicy: "BALANCED",
          },
          management: { autoRepair: true, autoUpgrade: true },
          nodeConfig: {
            machineType: pool.size,
            serviceAccount: nodeSa.email,
            oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
            workloadMetadataConfig,
            shieldedInstanceConfig,
            imageType: "COS_CONTAINERD",
            diskSizeGb: args.nodeDiskGiB ?? 50,
            diskType: "pd-balanced",
            metadata: { "disable-legacy-endpoints": "true" },
            labels: { "platform.dev/node-pool": pool.name },
            resourceLabels: labels,
          },
        },
        { ...o, ignoreChanges: ["initialNodeCount"] },
      );
    }

    this.kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.masterAuth])
        .apply(([clusterName, endpoint, auth]) =>
          gkeKubeconfig(clusterName, endpoint, auth?.clusterCaCertificate ?? ""),
        ),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, o);

    this.registerOutputs({
      clusterName: this.clusterName,
      endpoint: this.endpoint,
      nodeServiceAccountEmail: this.nodeServiceAccountEmail,
      kubeconfig: this.kubeconfig,
    });
  }
}

/** A service account id (6-30 chars) for the nodes of cluster `name`. */
export function nodeAccountId(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/^[^a-z]+/, "");
  return `${base.slice(0, 24).replace(/-+$/, "") || "gke"}-nodes`;
}

/** A kubeconfig that authenticates with gke-gcloud-auth-plugin (no credential inside). */
export function gkeKubeconfig(clusterName: string, endpoint: string, caData: string): string {
  return execKubeconfig(clusterName, `https://${endpoint}`, caData, {
    command: "gke-gcloud-auth-plugin",
    // application default credentials: workload identity in the agent's pod (no gcloud there),
    // `gcloud auth application-default login` on a workstation (which the GCP provider needs anyway)
    args: ["--use_application_default_credentials"],
    provideClusterInfo: true,
    installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
  });
}

function validateGke(resource: pulumi.Resource, name: string, args: GkeClusterArgs): string[] {
  const fail = failer(resource, `gke cluster "${name}"`);
  if (!/^\d+\.\d+(\.\d+)?(-gke\.\d+)?$/.test(args.version)) {
    throw fail(`version is "${args.version}"; give the Kubernetes minor version as a string, e.g. "1.37"`);
  }
  const poolProblem = nodePoolsProblem(
    args.nodePools,
    "{ name: general, size: e2-standard-4, min: 3, max: 12 }",
  );
  if (poolProblem) throw fail(poolProblem);
  if (args.clusterName !== undefined && !/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/.test(args.clusterName)) {
    throw fail(
      `clusterName is "${args.clusterName}"; GKE names are 1-40 lower-case letters, digits and "-", starting with a letter`,
    );
  }
  const master = args.masterIpv4CidrBlock ?? "172.16.0.0/28";
  if (!isCidr(master) || parseCidr(master).prefix !== 28) {
    throw fail(`masterIpv4CidrBlock is "${master}"; GKE needs a private /28 block, e.g. "172.16.0.0/28"`);
  }
  const cidrs = args.masterAuthorizedCidrs ?? [];
  for (const cidr of cidrs) {
    if (isWorldCidr(cidr)) {
      if (isProduction(args.tier)) {
        throw fail(
          `masterAuthorizedCidrs contains "${cidr}", which opens the production control plane to the internet; list your office or VPN CIDRs, or omit masterAuthorizedCidrs for a private endpoint`,
        );
      }
      pulumi.log.warn(
        `gke cluster "${name}": masterAuthorizedCidrs contains "${cidr}" (world-open endpoint)`,
        resource,
      );
    } else if (!isCidr(cidr)) {
      throw fail(
        `masterAuthorizedCidrs contains "${cidr}", which is not an IPv4 CIDR block such as "203.0.113.0/24"`,
      );
    }
  }
  return cidrs;
}
