import * as os from "os";
import * as path from "path";

/**
 * Where the platform keeps what is not in Git.
 * - `platformHome`: per-checkout runtime state (local cluster, file backend). `$PLATFORM_HOME`,
 *   @default `<repo>/.platform`
 * - `toolchainCache`: per-user cache of built tools, shared by every clone and by CI on this
 *   machine. `$PLATFORM_TOOLCHAIN_CACHE`, @default `$XDG_CACHE_HOME/platform-toolchain`
 *   (`~/.cache/platform-toolchain`).
 */
export function platformHome(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.PLATFORM_HOME ? path.resolve(env.PLATFORM_HOME) : path.join(root, ".platform");
}

export function toolchainCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PLATFORM_TOOLCHAIN_CACHE) return path.resolve(env.PLATFORM_TOOLCHAIN_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "platform-toolchain");
}

/** Name of the default local control plane (the `local` cluster of `stacks/local/platform.yaml`). */
export const DEFAULT_CLUSTER = "local";

/** What a local control plane may be called: a DNS label (it is also a spec cluster key). */
export const CLUSTER_NAME_PATTERN = /^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/;

/**
 * The folder of one local control plane (ports, PKI, datastore, kubeconfig, logs):
 * `$PLATFORM_HOME/clusters/<name>`, except the default one ({@link DEFAULT_CLUSTER}), which keeps
 * the folder it always had, `$PLATFORM_HOME/cluster` (a compatibility path: its running processes,
 * kubeconfig and every stack's recorded provider name that path, so nothing is moved).
 * @param name the control plane. @default {@link DEFAULT_CLUSTER}
 */
export function clusterDir(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
  name: string = DEFAULT_CLUSTER,
): string {
  if (name === DEFAULT_CLUSTER) return path.join(platformHome(root, env), "cluster");
  return path.join(platformHome(root, env), "clusters", name);
}

export function stateDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(platformHome(root, env), "state");
}
