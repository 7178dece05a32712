/**
 * The identity a pod of the agent would have, for a process on this machine: a token of the
 * agent's ServiceAccount (deployed by the stack with its RBAC), minted through the TokenRequest
 * API (`kubectl create token`), in a kubeconfig of its own: the token inline, or handed out by an
 * exec credential plugin (as EKS and GKE kubeconfigs do). On the local control plane pods are
 * simulated, so the e2e and the bench run `platform agent` with this kubeconfig instead.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { readKubeconfig } from "../engine/kubeconfig";
import { kubectl } from "./cluster";

/** How the kubeconfig's user presents the token. */
export type ServiceAccountCredential =
  /** The token inline (`users[].user.token`). */
  | { kind: "token" }
  /**
   * An exec credential plugin: `command tokenFile` must print an ExecCredential
   * (client.authentication.k8s.io/v1) holding the token, which is written to `tokenFile` (0600).
   */
  | { kind: "exec"; command: string; tokenFile: string };

/** Which ServiceAccount, and where to write the kubeconfig. */
export interface ServiceAccountKubeconfigOptions {
  /** Repository root and process environment (they locate the local cluster and kubectl). */
  root: string;
  env: NodeJS.ProcessEnv;
  namespace: string;
  serviceAccount: string;
  /** The kubeconfig to write (mode 0600). */
  out: string;
  /** Token lifetime (`kubectl create token --duration`). @default 2h */
  duration?: string;
  /** How the user presents the token. @default the token inline */
  credential?: ServiceAccountCredential;
}

/** The `user` entry for the token: inline, or an exec plugin that reads `tokenFile`. */
function userEntry(token: string, credential: ServiceAccountCredential): Record<string, unknown> {
  switch (credential.kind) {
    case "token":
      return { token };
    case "exec":
      return {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: credential.command,
          args: [credential.tokenFile],
          interactiveMode: "Never",
        },
      };
    default: {
      const unreachable: never = credential;
      throw new Error(`unknown credential ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * A kubeconfig for the cluster of `adminKubeconfig`'s current context (server and CA kept, no
 * client certificate) whose user presents `token` as `credential` says (inline by default). Pure
 * apart from reading it with the one kubeconfig reader; throws naming what is missing.
 */
export function tokenKubeconfig(
  adminKubeconfig: string,
  token: string,
  user: string,
  credential: ServiceAccountCredential = { kind: "token" },
): string {
  const admin = readKubeconfig("the admin kubeconfig", { processEnv: {} }, adminKubeconfig);
  const current = admin.config.getCurrentCluster();
  if (!current) throw new Error(`the admin kubeconfig has no cluster for its current context`);
  const clusterName = current.name;
  const entry: Record<string, unknown> = {
    server: current.server,
    "certificate-authority-data": current.caData,
    "certificate-authority": current.caFile,
    "insecure-skip-tls-verify": current.skipTLSVerify || undefined,
    "tls-server-name": current.tlsServerName,
    "proxy-url": current.proxyUrl,
  };
  const kept = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined && v !== null));
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": user,
    clusters: [{ name: clusterName, cluster: kept }],
    users: [{ name: user, user: userEntry(token, credential) }],
    contexts: [{ name: user, context: { cluster: clusterName, user } }],
  });
}

/** Mints a token of the ServiceAccount and writes its kubeconfig; returns the file. */
export function writeServiceAccountKubeconfig(opts: ServiceAccountKubeconfigOptions): string {
  const ctx = { root: opts.root, env: opts.env };
  const res = kubectl(ctx, [
    "create",
    "token",
    opts.serviceAccount,
    "-n",
    opts.namespace,
    "--duration",
    opts.duration ?? "2h",
  ]);
  if (res.status !== 0)
    throw new Error(
      `cannot mint a token for ServiceAccount ${opts.namespace}/${opts.serviceAccount}: ${String(res.stderr).trim()}`,
    );
  const admin = kubectl(ctx, ["config", "view", "--raw", "--minify"]);
  if (admin.status !== 0) throw new Error(`cannot read the local cluster's kubeconfig: ${admin.stderr}`);
  const token = res.stdout.trim();
  const credential = opts.credential ?? { kind: "token" };
  const text = tokenKubeconfig(
    admin.stdout,
    token,
    `system:serviceaccount:${opts.namespace}:${opts.serviceAccount}`,
    credential,
  );
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  if (credential.kind === "exec") {
    fs.mkdirSync(path.dirname(credential.tokenFile), { recursive: true });
    fs.writeFileSync(credential.tokenFile, token, { mode: 0o600 });
  }
  fs.writeFileSync(opts.out, text, { mode: 0o600 });
  return opts.out;
}
