import * as fs from "fs";
import * as path from "path";
import type { Environment } from "../../model/environment";
import { policyConfigFileOf } from "../../model/names";

/** The one policy pack the engine runs (every rule of every area), in `policies/pack/`. */
export const POLICY_PACK_DIR = path.join("policies", "pack");

/**
 * Set to `1` by bench/up.ts only, to time a no-op `up`/`preview` of the `local` environment with
 * and without the pack. Honoured for `local` alone: every other environment always runs its pack.
 */
export const BENCH_WITHOUT_POLICY_PACK = "PLATFORM_BENCH_WITHOUT_POLICY_PACK";

export interface PolicyPackArgs {
  /** The pack's launcher (`policies/pack/run-pack`, see policies/run-pack.sh). */
  policyPacks: string[];
  /** The environment's config file, once per pack (the engine pairs them by position). */
  policyPackConfigs: string[];
}

/**
 * The engine arguments that make `preview` and `up` enforce the environment's rules with
 * `policies/config/<env>.json`: one pack, one analyzer process, for every area. A missing config
 * file is an error: an environment never runs without its policy levels.
 */
export function policyPackArgs(environment: Environment): PolicyPackArgs {
  const { root } = environment;
  const config = environment.policyConfigFile;
  if (!fs.existsSync(config)) {
    throw new Error(
      `${policyConfigFileOf(environment.name)} not found: every environment needs its policy levels (copy policies/config/staging.json)`,
    );
  }
  if (environment.name === "local" && environment.processEnv[BENCH_WITHOUT_POLICY_PACK] === "1") {
    return { policyPacks: [], policyPackConfigs: [] };
  }
  const launcher = path.join(root, POLICY_PACK_DIR, "run-pack");
  if (!fs.existsSync(launcher))
    throw new Error(`${path.relative(root, launcher)} is missing: it links ../run-pack.sh`);
  return { policyPacks: [launcher], policyPackConfigs: [config] };
}
