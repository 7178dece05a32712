/**
 * Where the agent reaches the Kubernetes API: a kubeconfig file (its current context: client
 * certificates or a bearer token, the cluster's CA) or, in a pod, the in-cluster service-account
 * token. Parsed with the `yaml` package; nothing else is supported (an `exec` credential plugin is
 * a clear error naming the file).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { readKubeconfigFile } from "../../../model/specFile";

/** How to talk to one API server. */
export interface KubeTarget {
  /** `https://host:port` (no trailing slash). */
  server: string;
  /** PEM of the cluster's CA (undefined: the system's CAs). */
  ca?: string;
  /** PEM client certificate and key (mutual TLS). */
  cert?: string;
  key?: string;
  /** A bearer token, or a file to re-read on every request (rotating projected tokens). */
  token?: string;
  tokenFile?: string;
  insecureSkipTlsVerify?: boolean;
  /** Where this came from, for messages (`in-cluster` or the kubeconfig path). */
  origin: string;
}

/** A kubeconfig that cannot be used: the message names the file and the key. */
export class KubeConfigError extends Error {}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The in-cluster target from `KUBERNETES_SERVICE_HOST/PORT` and the mounted service account. */
export function inClusterTarget(processEnv: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): KubeTarget {
  const host = processEnv.KUBERNETES_SERVICE_HOST;
  const port = processEnv.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host)
    throw new KubeConfigError("in-cluster: KUBERNETES_SERVICE_HOST is unset; pass --kubeconfig PATH");
  const tokenFile = path.join(dir, "token");
  if (!fs.existsSync(tokenFile))
    throw new KubeConfigError(`in-cluster: no service-account token at ${tokenFile}; pass --kubeconfig PATH`);
  const caFile = path.join(dir, "ca.crt");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ca: fs.existsSync(caFile) ? fs.readFileSync(caFile, "utf8") : undefined,
    tokenFile,
    origin: "in-cluster",
  };
}

type Named<T> = { name?: string } & T;
interface RawKubeconfig {
  "current-context"?: string;
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
  clusters?: Named<{
    cluster?: {
      server?: string;
      "certificate-authority"?: string;
      "certificate-authority-data"?: string;
      "insecure-skip-tls-verify"?: boolean;
    };
  }>[];
  users?: Named<{
    user?: {
      "client-certificate"?: string;
      "client-certificate-data"?: string;
      "client-key"?: string;
      "client-key-data"?: string;
      token?: string;
      tokenFile?: string;
      exec?: unknown;
      "auth-provider"?: unknown;
    };
  }>[];
}

/**
 * The target of the current context of the kubeconfig at `file` (relative file references are
 * resolved against its folder). Throws {@link KubeConfigError} naming the file and what is wrong.
 */
export function kubeconfigTarget(file: string, text = readKubeconfigFile(file)): KubeTarget {
  let raw: RawKubeconfig;
  try {
    raw = (parse(text) ?? {}) as RawKubeconfig;
  } catch (err) {
    throw new KubeConfigError(`${file}: not YAML: ${(err as Error).message}`);
  }
  const ctxName = raw["current-context"] ?? raw.contexts?.[0]?.name;
  const ctx = raw.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new KubeConfigError(`${file}: no context "${ctxName ?? ""}" (set current-context)`);
  const cluster = raw.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new KubeConfigError(`${file}: cluster "${ctx.cluster ?? ""}" has no server`);
  const user = raw.users?.find((u) => u.name === ctx.user)?.user ?? {};
  if (user.exec || user["auth-provider"])
    throw new KubeConfigError(
      `${file}: user "${ctx.user}" uses an exec or auth-provider plugin, which the agent does not run; use a client certificate or a token (e.g. a ServiceAccount token)`,
    );
  const dir = path.dirname(file);
  const inline = (data: string | undefined, ref: string | undefined): string | undefined => {
    if (data) return Buffer.from(data, "base64").toString("utf8");
    if (ref) return fs.readFileSync(path.resolve(dir, ref), "utf8");
    return undefined;
  };
  return {
    server: cluster.server.replace(/\/+$/, ""),
    ca: inline(cluster["certificate-authority-data"], cluster["certificate-authority"]),
    cert: inline(user["client-certificate-data"], user["client-certificate"]),
    key: inline(user["client-key-data"], user["client-key"]),
    token: user.token,
    tokenFile: user.tokenFile ? path.resolve(dir, user.tokenFile) : undefined,
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    origin: file,
  };
}
