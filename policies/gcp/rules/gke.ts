/** GKE rules (Checkov CKV_GCP_7/12/18/20/25/69/71). */
import { isWorld } from "../../lib/net";
import { UNKNOWN, bool, get, list, str } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";
import { GKE_CLUSTER, GKE_NODE_POOL } from "./tokens";

const autopilot = (props: unknown) => bool(props, "enableAutopilot") === true;

const privateNodes = resourceRule({
  name: "gcp-gke-private-nodes",
  description: "GKE nodes have only private IP addresses.",
  level: "mandatory-in-production",
  severity: "high",
  mirrors: "Checkov CKV_GCP_25",
  remediationSteps:
    "Set privateClusterConfig.enablePrivateNodes: true (with a masterIpv4CidrBlock) and reach the Internet through Cloud NAT.",
  appliesTo: [GKE_CLUSTER],
  validate: (props, args, report) => {
    const value = bool(props, "privateClusterConfig", "enablePrivateNodes");
    if (value === UNKNOWN || value === true) return;
    report(
      `${describe(args.type, args.name)} does not set privateClusterConfig.enablePrivateNodes to true, so nodes get public IPs; enable private nodes.`,
    );
  },
});

const authorizedNetworks = resourceRule({
  name: "gcp-gke-master-authorized-networks",
  description: "The GKE control plane accepts only authorized networks, none of them 0.0.0.0/0.",
  level: "mandatory-in-production",
  severity: "high",
  mirrors: "Checkov CKV_GCP_18, CKV_GCP_20",
  remediationSteps:
    "Set masterAuthorizedNetworksConfig.cidrBlocks to the VPN/office ranges and gcpPublicCidrsAccessEnabled: false, or make the endpoint private.",
  appliesTo: [GKE_CLUSTER],
  validate: (props, args, report) => {
    if (bool(props, "privateClusterConfig", "enablePrivateEndpoint") === true) return;
    const config = get(props, "masterAuthorizedNetworksConfig");
    if (config === UNKNOWN) return;
    const subject = describe(args.type, args.name);
    if (config === undefined || config === null) {
      report(
        `${subject} has no masterAuthorizedNetworksConfig, so any address can reach the control plane; list the allowed cidrBlocks.`,
      );
      return;
    }
    const blocks = list(config, "cidrBlocks");
    if (blocks === UNKNOWN) return;
    const open = blocks.map((b) => str(b, "cidrBlock")).filter(isWorld);
    if (open.length > 0)
      report(
        `${subject} authorizes ${open.join(", ")} in masterAuthorizedNetworksConfig.cidrBlocks, which opens the control plane to the Internet; list narrow ranges.`,
      );
    if (bool(config, "gcpPublicCidrsAccessEnabled") === true) {
      report(
        `${subject} sets masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled to true, admitting every Google Cloud IP; set it to false.`,
      );
    }
  },
});

const workloadIdentity = resourceRule({
  name: "gcp-gke-workload-identity",
  description:
    "GKE uses Workload Identity: a workload pool on the cluster and the GKE metadata server on nodes.",
  level: "mandatory",
  severity: "high",
  mirrors: "Checkov CKV_GCP_69",
  remediationSteps:
    'Set workloadIdentityConfig.workloadPool to "<project>.svc.id.goog" on the cluster and nodeConfig.workloadMetadataConfig.mode: "GKE_METADATA" on every node pool.',
  appliesTo: [GKE_CLUSTER, GKE_NODE_POOL],
  validate: (props, args, report) => {
    const subject = describe(args.type, args.name);
    if (args.type === GKE_CLUSTER) {
      if (autopilot(props)) return;
      const pool = str(props, "workloadIdentityConfig", "workloadPool");
      if (pool !== UNKNOWN && (pool === undefined || pool === "")) {
        report(
          `${subject} does not set workloadIdentityConfig.workloadPool; set it to "<project>.svc.id.goog".`,
        );
      }
    }
    const mode = str(props, "nodeConfig", "workloadMetadataConfig", "mode");
    if (mode === UNKNOWN || mode === "GKE_METADATA") return;
    if (args.type === GKE_CLUSTER && get(props, "nodeConfig") === undefined) return;
    report(
      `${subject} sets nodeConfig.workloadMetadataConfig.mode to ${mode === undefined ? "nothing" : `"${mode}"`}, exposing the node's service account; set it to "GKE_METADATA".`,
    );
  },
});

const noLegacyAbac = resourceRule({
  name: "gcp-gke-no-legacy-abac",
  description: "GKE legacy ABAC is disabled.",
  level: "mandatory",
  severity: "high",
  mirrors: "Checkov CKV_GCP_7",
  remediationSteps: "Remove enableLegacyAbac or set it to false; grant access with RBAC.",
  appliesTo: [GKE_CLUSTER],
  validate: (props, args, report) => {
    if (bool(props, "enableLegacyAbac") === true) {
      report(
        `${describe(args.type, args.name)} sets enableLegacyAbac to true, which bypasses RBAC; set it to false.`,
      );
    }
  },
});

const networkPolicy = resourceRule({
  name: "gcp-gke-network-policy",
  description: "GKE enforces NetworkPolicies (network policy addon or Dataplane V2).",
  level: "advisory",
  severity: "medium",
  mirrors: "Checkov CKV_GCP_12",
  remediationSteps:
    'Set datapathProvider: "ADVANCED_DATAPATH" (Dataplane V2) or networkPolicy: { enabled: true, provider: "CALICO" }.',
  appliesTo: [GKE_CLUSTER],
  validate: (props, args, report) => {
    if (autopilot(props)) return;
    const datapath = str(props, "datapathProvider");
    const enabled = bool(props, "networkPolicy", "enabled");
    if (datapath === UNKNOWN || enabled === UNKNOWN || datapath === "ADVANCED_DATAPATH" || enabled === true)
      return;
    report(
      `${describe(args.type, args.name)} enforces no NetworkPolicy (networkPolicy.enabled is not true and datapathProvider is not ADVANCED_DATAPATH); enable Dataplane V2.`,
    );
  },
});

const shieldedNodes = resourceRule({
  name: "gcp-gke-shielded-nodes",
  description: "GKE Shielded Nodes stay enabled.",
  level: "advisory",
  severity: "medium",
  mirrors: "Checkov CKV_GCP_71",
  remediationSteps: "Remove enableShieldedNodes: false (the default is true).",
  appliesTo: [GKE_CLUSTER],
  validate: (props, args, report) => {
    if (bool(props, "enableShieldedNodes") === false) {
      report(
        `${describe(args.type, args.name)} sets enableShieldedNodes to false; remove it or set it to true.`,
      );
    }
  },
});

export const gkeRules: PlatformPolicy[] = [
  privateNodes,
  authorizedNetworks,
  workloadIdentity,
  noLegacyAbac,
  networkPolicy,
  shieldedNodes,
];
