/**
 * The one rule for where a cluster's kubeconfig comes from, shared by the program (which reads it
 * into the provider) and the pre-flight checks (which ask its API server). Reading the file (its
 * context, credentials, exec plugin) is ops/engine/kubeconfig.ts's, the one reader.
 */
import * as path from "path";
import type { ClusterSpec } from "./types";

/** Where a cluster's kubeconfig comes from. */
export type KubeconfigSource =
  /** A file: `local` clusters (`platform:kubeconfig` or the local control plane's) and `kubeconfig` ones. */
  | { kind: "file"; file: string; hint: string }
  /** A `kubeconfig` cluster with neither `path` nor `$KUBECONFIG`. */
  | { kind: "missing"; message: string }
  /** An eks/gke cluster: the secret stack config key `platform:<key>`. */
  | { kind: "secret"; key: string };

/** What the rule needs to know. */
export interface KubeconfigInputs {
  /** Repository root: `platform:kubeconfig` is relative to it. */
  root: string;
  /** The spec file: a `kubeconfig` cluster's `path` is relative to its folder. */
  specFile: string;
  /**
   * `platform:kubeconfig` of the stack config, when set. A path: every `local` cluster reads it
   * (one cluster, or placeholders under mocks). A map of cluster → path: each listed cluster reads
   * its own, the others their control plane's (one file for two clusters would make them one).
   */
  configuredLocal?: string | Readonly<Record<string, string>>;
  /**
   * The folder of the local control plane a `local` cluster names (its spec key):
   * `$PLATFORM_HOME/cluster` for the default `local`, `$PLATFORM_HOME/clusters/<name>` otherwise.
   */
  localClusterDir: (cluster: string) => string;
  /** The process environment, for `$KUBECONFIG`. */
  processEnv: NodeJS.ProcessEnv;
}

/** The `platform:kubeconfig` path a local cluster reads, if any (see {@link KubeconfigInputs}). */
function configuredFor(cluster: string, configured: KubeconfigInputs["configuredLocal"]): string | undefined {
  return typeof configured === "string" ? configured : configured?.[cluster];
}

/** Config key holding the kubeconfig of an eks/gke cluster, as a secret. */
export function kubeconfigKey(cluster: string): string {
  return `kubeconfig-${cluster}`;
}

/**
 * Where the kubeconfig of `clusterName` comes from:
 * - `local` clusters: `platform:kubeconfig` (relative to the root; a path for every local cluster,
 *   or a map of cluster → path) or the kubeconfig of the local
 *   control plane of the same name (`platform cluster up --name <cluster>`;
 *   `$PLATFORM_HOME/cluster/kubeconfig` for the default `local`);
 * - `kubeconfig` clusters: their `path` (relative to the spec file) or the first `$KUBECONFIG`;
 * - `eks`/`gke` clusters: the secret `platform:kubeconfig-<cluster>`.
 */
export function kubeconfigSource(
  clusterName: string,
  cluster: ClusterSpec,
  inputs: KubeconfigInputs,
): KubeconfigSource {
  switch (cluster.kind) {
    case "local":
      return {
        kind: "file",
        file: configuredFor(clusterName, inputs.configuredLocal)
          ? path.resolve(inputs.root, configuredFor(clusterName, inputs.configuredLocal) as string)
          : path.join(inputs.localClusterDir(clusterName), "kubeconfig"),
        hint: `start it with \`platform cluster up --name ${clusterName}\` or set platform:kubeconfig`,
      };
    case "kubeconfig": {
      const fromEnv = inputs.processEnv.KUBECONFIG?.split(path.delimiter).find((p) => p !== "");
      const file = cluster.path ? path.resolve(path.dirname(inputs.specFile), cluster.path) : fromEnv;
      if (!file) {
        return {
          kind: "missing",
          message: `cluster "${clusterName}" (kind: kubeconfig) has no path and $KUBECONFIG is unset; set clusters.${clusterName}.path in the spec`,
        };
      }
      return { kind: "file", file, hint: `fix clusters.${clusterName}.path in the spec` };
    }
    case "eks":
    case "gke":
      return { kind: "secret", key: kubeconfigKey(clusterName) };
    default: {
      const unreachable: never = cluster;
      throw new Error(`cluster "${clusterName}" has an unknown kind: ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * `platform:kubeconfig` as the rule takes it: a path, or a map of cluster → path (entries that are
 * not strings are left out); undefined for anything else.
 */
export function kubeconfigSetting(value: unknown): string | Record<string, string> | undefined {
  if (typeof value === "string") return value;
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === "string",
    ),
  );
}
