/**
 * Strict Pulumi mocks for the cloud component tests: the recorder of test/unit/helpers/mocks.ts
 * (every registered resource with its protect flag and full URN type chain, the outputs each
 * component registered, and a throw on any invoke the test did not mock), answering with the
 * provider-computed attributes the components read (ARNs, endpoints, OIDC issuer, e-mails…, from
 * ops/policy/computed.ts). One `setupCloudMocks` per test file; `reset()` between tests; import
 * code under test afterwards.
 */
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, computedAttributes } from "../../../ops/policy/computed";
import { InvokeMock, MockRecorder, RecordedResource, setupMocks } from "../helpers/mocks";

export { valueOf } from "../helpers/mocks";
export type { InvokeMock } from "../helpers/mocks";
export { ACCOUNT, EKS_CA, GKE_CA, OIDC_ISSUER } from "../../../ops/policy/computed";

/** One resource the program registered. */
export type CloudResource = RecordedResource;

/** What {@link setupCloudMocks} returns. */
export type CloudMocks = MockRecorder;

/** Invokes the AWS components use; any other invoke throws. */
export const AWS_INVOKES: Record<string, InvokeMock> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"],
    id: "eu-west-1",
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
    userId: "AIDAEXAMPLE",
    id: ACCOUNT,
  }),
};

/**
 * The engine's answer as a cloud provider gives it: a custom resource gets `<name>_id` and its
 * inputs plus the attributes the provider computes; a component gets no id and an empty state.
 */
export function withComputedAttributes(
  args: pulumi.runtime.MockResourceArgs,
): pulumi.runtime.MockResourceResult {
  if (!args.custom) return { id: undefined, state: {} };
  return {
    id: `${args.name}_id`,
    state: { ...args.inputs, ...computedAttributes(args.type, args.name, args.inputs) },
  };
}

/** Installs strict mocks that answer with provider-computed attributes. */
export function setupCloudMocks(
  options: { invokes?: Record<string, InvokeMock>; stack?: string } = {},
): CloudMocks {
  return setupMocks({ ...options, resource: withComputedAttributes });
}

/** The signature key Pulumi puts on serialised secrets. */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Strings found in a serialised value outside of any secret wrapper. */
export function plainStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(plainStrings);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG] === SECRET_SIG) return [];
    return Object.values(obj).flatMap(plainStrings);
  }
  return [];
}

/** Strings found in a serialised value inside secret wrappers. */
export function secretStrings(value: unknown, inSecret = false): string[] {
  if (typeof value === "string") return inSecret ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => secretStrings(v, inSecret));
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const nowSecret = inSecret || obj[SIG] === SECRET_SIG;
    return Object.values(obj).flatMap((v) => secretStrings(v, nowSecret));
  }
  return [];
}

/** True when an Output is a secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}
