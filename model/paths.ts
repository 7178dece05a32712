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

export function clusterDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(platformHome(root, env), "cluster");
}

export function stateDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(platformHome(root, env), "state");
}
