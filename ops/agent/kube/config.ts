/**
 * Where the agent reaches the Kubernetes API: a kubeconfig (client certificates, a token or token
 * file, an exec credential plugin such as `aws eks get-token`) or, in a pod, the in-cluster
 * service account. Read by the platform's one kubeconfig reader (ops/engine/kubeconfig.ts).
 */
import {
  inClusterKubeconfig,
  Kubeconfig,
  KubeconfigError,
  readKubeconfig,
  SERVICE_ACCOUNT_DIR,
  serverKubeconfig,
} from "../../engine/kubeconfig";

/** How to talk to one API server: the read kubeconfig (client-node config, server, origin). */
export type KubeTarget = Kubeconfig;

export { KubeconfigError as KubeConfigError, SERVICE_ACCOUNT_DIR, serverKubeconfig as serverTarget };

/** The in-cluster target from `KUBERNETES_SERVICE_HOST/PORT` and the mounted service account. */
export function inClusterTarget(processEnv: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): KubeTarget {
  return inClusterKubeconfig(processEnv, dir);
}

/**
 * The target of the current context of the kubeconfig at `file` (relative file references are
 * resolved against its folder; exec plugins inherit `processEnv`). Throws naming the file and key.
 */
export function kubeconfigTarget(file: string, processEnv: NodeJS.ProcessEnv, text?: string): KubeTarget {
  return readKubeconfig(file, { processEnv }, text);
}
