/**
 * The identity a pod of the agent would have, for a process on this machine: a token of the
 * agent's ServiceAccount (deployed by the stack with its RBAC), minted through the TokenRequest
 * API (`kubectl create token`), in a kubeconfig of its own. On the local control plane pods are
 * simulated, so the e2e and the bench run `platform agent` with this kubeconfig instead.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { kubectl } from "./cluster";

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
}

interface KubeconfigDoc {
  "current-context"?: string;
  contexts?: { name: string; context: { cluster: string } }[];
  clusters?: { name: string; cluster: Record<string, unknown> }[];
}

/**
 * A kubeconfig holding only `token` for the cluster of `adminKubeconfig`'s current context
 * (server and CA kept, no client certificate). Pure; throws naming what is missing.
 */
export function tokenKubeconfig(adminKubeconfig: string, token: string, user: string): string {
  const doc = parse(adminKubeconfig) as KubeconfigDoc;
  const ctxName = doc["current-context"] ?? doc.contexts?.[0]?.name;
  const clusterName = doc.contexts?.find((c) => c.name === ctxName)?.context.cluster;
  const cluster = doc.clusters?.find((c) => c.name === clusterName)?.cluster;
  if (!cluster?.server) throw new Error(`the kubeconfig has no cluster for context "${ctxName}"`);
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": user,
    clusters: [{ name: clusterName, cluster }],
    users: [{ name: user, user: { token } }],
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
  const text = tokenKubeconfig(
    admin.stdout,
    res.stdout.trim(),
    `system:serviceaccount:${opts.namespace}:${opts.serviceAccount}`,
  );
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, text, { mode: 0o600 });
  return opts.out;
}
