import * as fs from "fs";
import * as path from "path";
import type { Environment } from "../../model/environment";
import { policyConfigFileOf } from "../../model/names";

/** The policy packs every environment runs, in `policies/<area>/`. */
export const POLICY_AREAS = ["kubernetes", "aws", "gcp", "vault", "platform"] as const;

export interface PolicyPackArgs {
  /** One launcher per pack (`policies/<area>/run-pack`, see policies/run-pack.sh). */
  policyPacks: string[];
  /** The environment's config file, once per pack (the engine pairs them by position). */
  policyPackConfigs: string[];
}

/**
 * The engine arguments that make `preview` and `up` enforce the environment's packs with
 * `policies/config/<env>.json`. A missing config file is an error: an environment never runs
 * without its policy levels.
 */
export function policyPackArgs(environment: Environment): PolicyPackArgs {
  const { root } = environment;
  const config = environment.policyConfigFile;
  if (!fs.existsSync(config)) {
    throw new Error(
      `${policyConfigFileOf(environment.name)} not found: every environment needs its policy levels (copy policies/config/staging.json)`,
    );
  }
  const policyPacks = POLICY_AREAS.map((area) => path.join(root, "policies", area, "run-pack"));
  for (const launcher of policyPacks) {
    if (!fs.existsSync(launcher))
      throw new Error(`${path.relative(root, launcher)} is missing: it links ../run-pack.sh`);
  }
  return { policyPacks, policyPackConfigs: policyPacks.map(() => config) };
}
