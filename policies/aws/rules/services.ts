/** Other AWS service rules users expect: CloudTrail, SQS, ECR. */
import { UNKNOWN, bool, get, str } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";
import { CLOUDTRAIL, ECR_REPOSITORY, SQS_QUEUE } from "./tokens";

const cloudtrail = resourceRule({
  name: "aws-cloudtrail-multi-region-validated",
  description: "CloudTrail trails cover every region and validate their log files.",
  level: "advisory",
  severity: "medium",
  mirrors: "Checkov CKV_AWS_36, CKV_AWS_67",
  remediationSteps: "Set isMultiRegionTrail: true and enableLogFileValidation: true on the trail.",
  appliesTo: [CLOUDTRAIL],
  validate: (props, args, report) => {
    for (const field of ["isMultiRegionTrail", "enableLogFileValidation"]) {
      const value = bool(props, field);
      if (value !== UNKNOWN && value !== true)
        report(`${describe(args.type, args.name)} does not set ${field} to true; set it.`);
    }
  },
});

const sqsEncrypted = resourceRule({
  name: "aws-sqs-encrypted",
  description: "SQS queues are encrypted at rest.",
  level: "advisory",
  severity: "medium",
  mirrors: "Checkov CKV_AWS_27",
  remediationSteps: "Set kmsMasterKeyId (a customer-managed key) or sqsManagedSseEnabled: true.",
  appliesTo: [SQS_QUEUE],
  validate: (props, args, report) => {
    const key = str(props, "kmsMasterKeyId");
    const managed = bool(props, "sqsManagedSseEnabled");
    if (key === UNKNOWN || managed === UNKNOWN || (typeof key === "string" && key !== "") || managed === true)
      return;
    report(
      `${describe(args.type, args.name)} sets neither kmsMasterKeyId nor sqsManagedSseEnabled: true${managed === false ? " (sqsManagedSseEnabled is false)" : ""}; enable encryption at rest.`,
    );
  },
});

const ecrScan = resourceRule({
  name: "aws-ecr-scan-immutable",
  description: "ECR repositories scan images on push and keep tags immutable.",
  level: "advisory",
  severity: "medium",
  mirrors: "Checkov CKV_AWS_163, CKV_AWS_51",
  remediationSteps: 'Set imageScanningConfiguration.scanOnPush: true and imageTagMutability: "IMMUTABLE".',
  appliesTo: [ECR_REPOSITORY],
  validate: (props, args, report) => {
    const scan = bool(props, "imageScanningConfiguration", "scanOnPush");
    if (scan !== UNKNOWN && scan !== true) {
      report(
        `${describe(args.type, args.name)} does not set imageScanningConfiguration.scanOnPush to true; enable scanning on push.`,
      );
    }
    const mutability = get(props, "imageTagMutability");
    if (mutability !== UNKNOWN && mutability !== "IMMUTABLE") {
      report(
        `${describe(args.type, args.name)} sets imageTagMutability to ${mutability === undefined ? "nothing (default MUTABLE)" : `"${String(mutability)}"`}; set it to "IMMUTABLE" so tags cannot be overwritten.`,
      );
    }
  },
});

export const serviceRules: PlatformPolicy[] = [cloudtrail, sqsEncrypted, ecrScan];
