/**
 * The `local` environment's engine: the pinned toolchain installed and every local control plane of
 * the environment running, before a command that deploys, previews or rolls back.
 */
import { clustersUp } from "../cluster/fleet";
import { DEFAULT_CLUSTER } from "../../model/paths";
import type { Environment } from "../../model/environment";
import { installToolchain } from "../toolchain/install";
import type { CommandIO } from "./types";

/** The local control planes an environment deploys to: its `kind: local` clusters (spec keys). */
export function localClustersOf(environment: Environment): string[] {
  const names = Object.entries(environment.spec.clusters)
    .filter(([, c]) => c.kind === "local")
    .map(([name]) => name);
  return names.length ? names : [DEFAULT_CLUSTER];
}

/**
 * For `local`: the toolchain is installed and every local control plane of the environment runs
 * (all idempotent); the control planes start side by side.
 */
export async function ensureLocalEngine(io: CommandIO, environment: Environment): Promise<void> {
  const log = (l: string) => io.stderr(l + "\n");
  await installToolchain({ root: io.root, env: io.processEnv, log });
  const started = Date.now();
  const names = localClustersOf(environment);
  await clustersUp({ root: io.root, env: io.processEnv, log }, names);
  log(`local clusters ready (${names.join(", ")}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
