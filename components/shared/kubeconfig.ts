/** The kubeconfig of a cloud cluster, shared by EKS and GKE: one cluster, one context, one user. */

/** What a kubeconfig user runs to get a token (the `exec` entry, without its `apiVersion`). */
export interface ExecCredentialPlugin {
  command: string;
  args?: string[];
  /** Pass the cluster's details to the plugin (KUBERNETES_EXEC_INFO). */
  provideClusterInfo?: boolean;
  /** Shown when the command is missing. */
  installHint?: string;
}

/**
 * A kubeconfig (JSON) for `clusterName` at `server`, whose user authenticates with an exec
 * plugin: no credential inside, so it is safe to store, though the platform keeps it a secret.
 */
export function execKubeconfig(
  clusterName: string,
  server: string,
  caData: string,
  exec: ExecCredentialPlugin,
): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server, "certificate-authority-data": caData } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    users: [
      { name: clusterName, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", ...exec } } },
    ],
  });
}
