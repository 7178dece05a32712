import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import type { Tier } from "../../model/types";
import { cidrsOverlap, parseCidr } from "../shared/cidr";
import { failer } from "../shared/tier";

/** Pulumi type token of {@link GcpNetwork}. */
export const GCP_NETWORK_TYPE = "platform:gcp:Network";

/** Names of the subnet's secondary ranges, which GkeCluster uses for pods and services. */
export const POD_RANGE_NAME = "pods";
export const SERVICE_RANGE_NAME = "services";

/** Arguments of {@link GcpNetwork}. */
export interface GcpNetworkArgs {
  /** Region of the subnet (the spec's `clouds.gcp.region`). */
  region: string;
  /** Project of the network. @default the provider's project */
  project?: string;
  /** Environment tier. Production samples flow logs at 100%, elsewhere 50%. */
  tier: Tier;
  /** Primary range of the subnet (nodes). @default "10.0.0.0/20" */
  subnetCidr?: string;
  /** Secondary range for pods. @default "10.16.0.0/14" */
  podsCidr?: string;
  /** Secondary range for services. @default "10.20.0.0/20" */
  servicesCidr?: string;
  /** Reserve a range and peer it with Google services (Cloud SQL private IP). @default true */
  privateServiceAccess?: boolean;
}

/**
 * A custom-mode VPC with one regional subnet (private Google access, flow logs, secondary ranges
 * for GKE pods and services), a Cloud Router with NAT for private nodes, and private services
 * access for Cloud SQL private IP.
 */
export class GcpNetwork extends pulumi.ComponentResource {
  public readonly region: string;
  public readonly networkId: pulumi.Output<string>;
  public readonly networkSelfLink: pulumi.Output<string>;
  public readonly subnetworkSelfLink: pulumi.Output<string>;
  public readonly podsRangeName = POD_RANGE_NAME;
  public readonly servicesRangeName = SERVICE_RANGE_NAME;
  /** The service networking connection; depend on it before creating private-IP databases. */
  public readonly privateServiceConnection?: gcp.servicenetworking.Connection;

  constructor(name: string, args: GcpNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GCP_NETWORK_TYPE, name, {}, opts);
    const ranges = validateGcpNetwork(this, name, args);
    const o = { parent: this };
    const project = args.project;
    this.region = args.region;

    const network = new gcp.compute.Network(
      `${name}-vpc`,
      { project, autoCreateSubnetworks: false, routingMode: "REGIONAL", deleteDefaultRoutesOnCreate: false },
      o,
    );
    this.networkId = network.id;
    this.networkSelfLink = network.selfLink;
    const subnet = new gcp.compute.Subnetwork(
      `${name}-subnet`,
      {
        project,
        region: args.region,
        network: network.id,
        ipCidrRange: ranges.subnet,
        privateIpGoogleAccess: true,
        secondaryIpRanges: [
          { rangeName: POD_RANGE_NAME, ipCidrRange: ranges.pods },
          { rangeName: SERVICE_RANGE_NAME, ipCidrRange: ranges.services },
        ],
        logConfig: {
          aggregationInterval: "INTERVAL_5_SEC",
          flowSampling: args.tier === "production" ? 1 : 0.5,
          metadata: "INCLUDE_ALL_METADATA",
        },
      },
      o,
    );
    this.subnetworkSelfLink = subnet.selfLink;

    const router = new gcp.compute.Router(
      `${name}-router`,
      { project, region: args.region, network: network.id },
      o,
    );
    new gcp.compute.RouterNat(
      `${name}-nat`,
      {
        project,
        region: args.region,
        router: router.name,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
      },
      o,
    );

    if (args.privateServiceAccess ?? true) {
      const range = new gcp.compute.GlobalAddress(
        `${name}-services-range`,
        { project, network: network.id, purpose: "VPC_PEERING", addressType: "INTERNAL", prefixLength: 16 },
        o,
      );
      this.privateServiceConnection = new gcp.servicenetworking.Connection(
        `${name}-services`,
        {
          network: network.id,
          service: "servicenetworking.googleapis.com",
          reservedPeeringRanges: [range.name],
        },
        o,
      );
    }

    this.registerOutputs({
      networkId: this.networkId,
      networkSelfLink: this.networkSelfLink,
      subnetworkSelfLink: this.subnetworkSelfLink,
    });
  }
}

function validateGcpNetwork(resource: pulumi.Resource, name: string, args: GcpNetworkArgs) {
  const fail = failer(resource, `gcp network "${name}"`);
  const ranges = {
    subnet: args.subnetCidr ?? "10.0.0.0/20",
    pods: args.podsCidr ?? "10.16.0.0/14",
    services: args.servicesCidr ?? "10.20.0.0/20",
  };
  const fields = { subnet: "subnetCidr", pods: "podsCidr", services: "servicesCidr" } as const;
  const keys = ["subnet", "pods", "services"] as const;
  for (const key of keys) {
    try {
      const { prefix } = parseCidr(ranges[key]);
      if (prefix > 29) throw new Error(`"${ranges[key]}" is a /${prefix}; GCP ranges are /29 or larger`);
    } catch (err) {
      throw fail(`${fields[key]}: ${(err as Error).message}`);
    }
  }
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      if (cidrsOverlap(ranges[keys[i]], ranges[keys[j]])) {
        throw fail(
          `${fields[keys[i]]} "${ranges[keys[i]]}" overlaps ${fields[keys[j]]} "${ranges[keys[j]]}"; give each range its own block`,
        );
      }
    }
  }
  return ranges;
}
