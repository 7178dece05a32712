/**
 * The naming rules every layer shares, so that none of them is written twice.
 */

/**
 * The environment-name rule: a DNS label (lower-case letters, digits and `-`, starting with a
 * letter, not ending in `-`, at most 63 characters). The schema's `environment` pattern, the
 * folder under `stacks/` and every verb's `<env>` argument follow it.
 */
export const ENVIRONMENT_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Why `name` is not an environment name, or undefined when it is one. */
export function environmentNameProblem(name: string): string | undefined {
  if (ENVIRONMENT_NAME.test(name)) return undefined;
  const shown = name.length > 64 ? `${JSON.stringify(name.slice(0, 64))}...` : JSON.stringify(name);
  return `${shown} is not an environment name (lower-case letters, digits and "-", starting with a letter, at most 63 characters)`;
}

/** The Pulumi project every environment's stack belongs to (Pulumi.yaml `name`). */
export const PROJECT = "platform";

/** The spec file of an environment, relative to the repository root. */
export function specFileOf(environment: string): string {
  return `stacks/${environment}/platform.yaml`;
}

/** The Pulumi stack settings of an environment, relative to the repository root. */
export function stackConfigFileOf(environment: string): string {
  return `stacks/Pulumi.${environment}.yaml`;
}

/** The policy levels of an environment, relative to the repository root. */
export function policyConfigFileOf(environment: string): string {
  return `policies/config/${environment}.json`;
}
