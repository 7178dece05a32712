import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { clusterDir } from "../model/paths";
import { loadSpecFile, resolveSpecPath } from "../model/load";
import type { ClusterSpec } from "../model/types";
import { createPlatform, PlatformContext } from "./program";

/** The stack config the program reads (namespace `platform`). */
export interface StackConfig {
  /** Plain value of `platform:<key>`, or undefined. */
  get(key: string): string | undefined;
  /** Secret value of `platform:<key>`, or undefined. */
  getSecret(key: string): pulumi.Output<string> | undefined;
  /** Boolean value of `platform:<key>`, or undefined. */
  getBoolean(key: string): boolean | undefined;
}

/** Where the program finds things on disk. */
export interface ContextPaths {
  /** Repository root (holds Pulumi.yaml). */
  root: string;
  /** The environment's spec file (kubeconfig cluster paths are relative to it). */
  specFile: string;
  /** Process environment, for `$KUBECONFIG`. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Config key holding the kubeconfig of an eks/gke cluster, as a secret. */
export function kubeconfigKey(cluster: string): string {
  return `kubeconfig-${cluster}`;
}

function readKubeconfig(file: string, cluster: string, hint: string): pulumi.Output<string> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(
      `cannot read the kubeconfig of cluster "${cluster}" at ${file} (${(err as Error).message}); ${hint}`,
    );
  }
  return pulumi.secret(text);
}

/**
 * Builds the {@link PlatformContext} of a stack from its config:
 * - `local` clusters read `platform:kubeconfig` (a path, relative to the root) or the local
 *   control plane's kubeconfig (`$PLATFORM_HOME/cluster/kubeconfig`, `<root>/.platform/...` by default);
 * - `kubeconfig` clusters read their `path` (relative to the spec file) or the first `$KUBECONFIG`;
 * - `eks`/`gke` clusters read the secret `platform:kubeconfig-<cluster>`, and fail naming it when unset
 *   (a fallback for callers outside the program: the program builds EKS and GKE clusters itself and
 *   uses their providers, so it never asks for these);
 * - `platform:skipAwait` (boolean) turns on skipAwait.
 * Every kubeconfig is wrapped in `pulumi.secret`.
 */
export function stackContext(config: StackConfig, paths: ContextPaths): PlatformContext {
  const env = paths.env ?? process.env;
  return {
    skipAwait: config.getBoolean("skipAwait") ?? false,
    kubeconfigFor(clusterName: string, cluster: ClusterSpec): pulumi.Input<string> {
      switch (cluster.kind) {
        case "local": {
          const configured = config.get("kubeconfig");
          const file = configured
            ? path.resolve(paths.root, configured)
            : path.join(clusterDir(paths.root, env), "kubeconfig");
          return readKubeconfig(
            file,
            clusterName,
            "start it with `platform cluster up` or set platform:kubeconfig",
          );
        }
        case "kubeconfig": {
          const fromEnv = env.KUBECONFIG?.split(path.delimiter).find((p) => p !== "");
          const file = cluster.path ? path.resolve(path.dirname(paths.specFile), cluster.path) : fromEnv;
          if (!file) {
            throw new Error(
              `cluster "${clusterName}" (kind: kubeconfig) has no path and $KUBECONFIG is unset; set clusters.${clusterName}.path in the spec`,
            );
          }
          return readKubeconfig(file, clusterName, `fix clusters.${clusterName}.path in the spec`);
        }
        case "eks":
        case "gke": {
          const key = kubeconfigKey(clusterName);
          const value = config.getSecret(key);
          if (value === undefined) {
            throw new Error(
              `cluster "${clusterName}" (${cluster.kind}) needs its kubeconfig in the secret stack config key "platform:${key}", which is not set; set it with: pulumi config set --secret platform:${key} < kubeconfig`,
            );
          }
          return pulumi.secret(value);
        }
        default: {
          const unreachable: never = cluster;
          throw new Error(`cluster "${clusterName}" has an unknown kind: ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/**
 * The platform program for one environment: loads `stacks/<env>/platform.yaml` (validated),
 * builds the context from the current stack's config and creates the platform. Usable as an
 * Automation API inline program; resolves to the stack outputs.
 */
export async function runPlatform(env: string, root: string): Promise<Record<string, unknown>> {
  const specFile = resolveSpecPath(env, root);
  const spec = loadSpecFile(specFile, { root });
  const ctx = stackContext(new pulumi.Config("platform"), { root, specFile });
  const outputs = createPlatform(spec, ctx);
  return { ...outputs };
}
