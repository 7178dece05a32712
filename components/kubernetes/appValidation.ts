import * as pulumi from "@pulumi/pulumi";
import type { AppArgs } from "./appArgs";
import { imageReference } from "./image";
import { isDnsLabel, isQuantity } from "./labels";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks an App's arguments before any child exists and returns its image reference. Throws
 * `pulumi.InputPropertyError` for the image and `pulumi.ResourceError` (on `resource`) otherwise,
 * each saying what was given and how to fix it.
 */
export function validateApp(resource: pulumi.Resource, appName: string, args: AppArgs): string {
  const fail = (message: string) => new pulumi.ResourceError(`app "${appName}": ${message}`, resource);
  if (!isDnsLabel(appName)) {
    throw fail(`the app name must be a DNS-1123 label (lower-case letters, digits, "-", at most 63 chars)`);
  }
  const image = imageReference(appName, args);
  const port = args.port ?? 8080;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw fail(`port is ${port}; use a whole number from 1 to 65535 (default 8080)`);
  }
  if (args.replicas !== undefined && (!Number.isInteger(args.replicas) || args.replicas < 0)) {
    throw fail(`replicas is ${args.replicas}; use a whole number of 0 or more (default 2)`);
  }
  const scaling = args.autoscaling;
  if (scaling && (!Number.isInteger(scaling.min) || scaling.min < 1 || scaling.max < scaling.min)) {
    throw fail(
      `autoscaling is min ${scaling.min}, max ${scaling.max}; min must be at least 1 and max >= min`,
    );
  }
  if (scaling?.cpuPercent !== undefined && (scaling.cpuPercent < 1 || scaling.cpuPercent > 100)) {
    throw fail(`autoscaling.cpuPercent is ${scaling.cpuPercent}; use 1 to 100 (default 70)`);
  }
  const envNames = Object.keys(args.env ?? {});
  const secretNames = Object.keys(args.secrets ?? {});
  for (const envName of [...envNames, ...secretNames]) {
    if (!ENV_NAME.test(envName)) {
      throw fail(`"${envName}" is not a valid environment variable name; use letters, digits and "_"`);
    }
  }
  const both = envNames.filter((n) => secretNames.includes(n));
  if (both.length > 0) {
    throw fail(`${both.join(", ")} is set in both env and secrets; keep each variable in one of them`);
  }
  const res = args.resources ?? {};
  for (const [key, value] of [
    ["cpu", res.cpu],
    ["cpuLimit", res.cpuLimit],
  ] as const) {
    if (value !== undefined && !isQuantity(value)) {
      throw fail(
        `resources.${key} is "${value}", which is not a Kubernetes quantity; write e.g. "250m" or "1"`,
      );
    }
  }
  const memoryMiB = res.memoryMiB ?? 128;
  if (!(memoryMiB > 0) || (res.memoryLimitMiB !== undefined && res.memoryLimitMiB < memoryMiB)) {
    throw fail(
      `resources.memoryMiB is ${memoryMiB} and memoryLimitMiB is ${res.memoryLimitMiB}; the request must be positive and the limit at least the request`,
    );
  }
  for (const caller of args.allowFrom ?? []) {
    if (!isDnsLabel(caller))
      throw fail(`allowFrom names "${caller}", which is not a namespace (tenant) name`);
  }
  return image;
}
