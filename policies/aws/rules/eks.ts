/** EKS and KMS rules (Checkov CKV_AWS_7/37/38/39/58). */
import { isWorld } from "../../lib/net";
import { UNKNOWN, bool, get, list, str, strings } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";
import { EKS_CLUSTER, KMS_KEY } from "./tokens";

const privateEndpoint = resourceRule({
  name: "aws-eks-private-endpoint",
  description: "The EKS API endpoint is private, or public only to CIDRs narrower than 0.0.0.0/0.",
  level: "mandatory-in-production",
  severity: "high",
  mirrors: "Checkov CKV_AWS_38, CKV_AWS_39",
  remediationSteps:
    "Set vpcConfig.endpointPublicAccess: false (with endpointPrivateAccess: true), or list the office/VPN ranges in vpcConfig.publicAccessCidrs.",
  appliesTo: [EKS_CLUSTER],
  validate: (props, args, report) => {
    const isPublic = bool(props, "vpcConfig", "endpointPublicAccess");
    if (isPublic === UNKNOWN || isPublic === false) return;
    const cidrs = strings(props, "vpcConfig", "publicAccessCidrs");
    if (cidrs === UNKNOWN) return;
    if (cidrs.length === 0 || cidrs.some(isWorld)) {
      report(
        `${describe(args.type, args.name)} exposes its API endpoint to the whole Internet (vpcConfig.endpointPublicAccess is ${isPublic === true ? "true" : "unset, default true"} and publicAccessCidrs ${cidrs.length === 0 ? "is unset, default 0.0.0.0/0" : "contains 0.0.0.0/0"}); make it private or list narrow publicAccessCidrs.`,
      );
    }
  },
});

const LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

const controlPlaneLogging = resourceRule({
  name: "aws-eks-control-plane-logging",
  description:
    "EKS control plane logs (api, audit, authenticator, controllerManager, scheduler) are enabled.",
  level: "advisory",
  severity: "medium",
  mirrors: "Checkov CKV_AWS_37",
  remediationSteps: "Set enabledClusterLogTypes to the log types of the policy config `logTypes`.",
  configSchema: {
    properties: {
      logTypes: { type: "array", items: { type: "string", enum: LOG_TYPES }, default: LOG_TYPES },
    },
  },
  appliesTo: [EKS_CLUSTER],
  validate: (props, args, report) => {
    const { logTypes } = args.getConfig<{ logTypes: string[] }>();
    const enabled = strings(props, "enabledClusterLogTypes");
    if (enabled === UNKNOWN) return;
    const missing = logTypes.filter((t) => !enabled.includes(t));
    if (missing.length > 0) {
      report(
        `${describe(args.type, args.name)} does not enable the control plane log type(s) ${missing.join(", ")} in enabledClusterLogTypes; add them.`,
      );
    }
  },
});

const secretsEncryption = resourceRule({
  name: "aws-eks-secrets-encryption",
  description: "EKS envelope-encrypts Kubernetes Secrets with a KMS key.",
  level: "mandatory",
  severity: "high",
  mirrors: "Checkov CKV_AWS_58",
  remediationSteps: 'Set encryptionConfig: { resources: ["secrets"], provider: { keyArn: <KMS key ARN> } }.',
  appliesTo: [EKS_CLUSTER],
  validate: (props, args, report) => {
    const configs = list(props, "encryptionConfig");
    if (configs === UNKNOWN || configs.includes(UNKNOWN)) return;
    const covers = configs.some((c) => {
      const resources = strings(c, "resources");
      return resources === UNKNOWN || resources.includes("secrets");
    });
    if (!covers) {
      report(
        `${describe(args.type, args.name)} does not list "secrets" in encryptionConfig.resources, so Secrets are stored without envelope encryption; add encryptionConfig with a KMS key.`,
      );
    }
  },
});

const kmsRotation = resourceRule({
  name: "aws-kms-rotation",
  description: "Symmetric KMS keys rotate automatically.",
  level: "mandatory",
  severity: "medium",
  mirrors: "Checkov CKV_AWS_7",
  remediationSteps: "Set enableKeyRotation: true (optionally rotationPeriodInDays).",
  appliesTo: [KMS_KEY],
  validate: (props, args, report) => {
    const spec = str(props, "customerMasterKeySpec") ?? str(props, "keySpec");
    if (typeof spec === "string" && spec !== "SYMMETRIC_DEFAULT") return; // rotation only exists for symmetric keys
    if (get(props, "keyUsage") === "GENERATE_VERIFY_MAC") return;
    const rotation = bool(props, "enableKeyRotation");
    if (rotation === UNKNOWN || rotation === true) return;
    report(
      `${describe(args.type, args.name)} does not set enableKeyRotation to true; enable automatic rotation.`,
    );
  },
});

export const eksKmsRules: PlatformPolicy[] = [
  privateEndpoint,
  controlPlaneLogging,
  secretsEncryption,
  kmsRotation,
];
