/**
 * Which API server the agent keeps an environment's object and Lease on: `--kubeconfig PATH`
 * when given; in a pod (`KUBERNETES_SERVICE_HOST` set) the in-cluster service account; else the
 * environment's own kubeconfig (its first cluster reached through a file, by the one rule of
 * model/kubeconfig.ts).
 */
import * as fs from "fs";
import type { Environment } from "../../../model/environment";
import { inClusterTarget, KubeConfigError, kubeconfigTarget, KubeTarget } from "./config";

/** The target for `environment`. Throws {@link KubeConfigError} naming the file or flag. */
export function agentKubeTarget(
  environment: Environment,
  opts: { kubeconfig?: string; processEnv: NodeJS.ProcessEnv },
): KubeTarget {
  if (opts.kubeconfig) {
    if (!fs.existsSync(opts.kubeconfig))
      throw new KubeConfigError(`--kubeconfig ${opts.kubeconfig}: no such file`);
    return kubeconfigTarget(opts.kubeconfig, opts.processEnv);
  }
  if (opts.processEnv.KUBERNETES_SERVICE_HOST) return inClusterTarget(opts.processEnv);
  for (const cluster of Object.keys(environment.spec.clusters ?? {})) {
    const source = environment.kubeconfigSource(cluster);
    if (source.kind === "missing") throw new KubeConfigError(source.message);
    if (source.kind !== "file") continue;
    if (!fs.existsSync(source.file))
      throw new KubeConfigError(`cluster "${cluster}": no kubeconfig at ${source.file} (${source.hint})`);
    return kubeconfigTarget(source.file, opts.processEnv);
  }
  throw new KubeConfigError(
    `${environment.name}: no cluster of the spec is reached through a kubeconfig file (eks/gke ones are stack secrets); pass --kubeconfig PATH`,
  );
}
