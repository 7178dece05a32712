/**
 * The one kubeconfig reader of the platform (pre-flight check, ServiceAccount kubeconfig, agent),
 * on `@kubernetes/client-node`: a kubeconfig file's current context (client certificates, a token
 * or token file, an exec credential plugin, the cluster's CA) or, in a pod, the in-cluster
 * service account. Exec plugins run through {@link runExecPlugin} (time limit, named failures),
 * not client-node's own runner, which waits forever and reports a bare parse error.
 */
import * as fs from "fs";
import * as path from "path";
import { KubeConfig, type User } from "@kubernetes/client-node";
import { parse } from "yaml";
import { readKubeconfigFile } from "../../model/specFile";
import { ExecCredentialStatus, ExecPlugin, runExecPlugin } from "./execCredential";

/** A kubeconfig that cannot be used: the message names the file and the key. */
export class KubeconfigError extends Error {
  override name = "KubeconfigError";
}

/** How the current user authenticates. */
export type CredentialKind = "certificate" | "token" | "tokenFile" | "exec" | "auth-provider" | "none";

/** A read kubeconfig: client-node's config with the current context resolved. */
export interface Kubeconfig {
  /** client-node's config (every API call and watch goes through it, exec plugins included). */
  config: KubeConfig;
  /** `https://host:port` of the current context's cluster (no trailing slash). */
  server: string;
  /** Where this came from, for messages: the kubeconfig path or `in-cluster`. */
  origin: string;
  user: string;
  credential: CredentialKind;
  /** Drops a cached exec credential (after a 401), so the next request runs the plugin again. */
  forgetCredential: () => void;
}

/** Options of {@link readKubeconfig}. */
export interface ReadKubeconfigOptions {
  /** The environment exec plugins inherit. */
  processEnv: NodeJS.ProcessEnv;
  /** Time limit of one exec plugin run. @default 20 s (EXEC_TIMEOUT_MS) */
  execTimeoutMs?: number;
}

const PLATFORM_CREDENTIAL = "platform-credential";

type RawUser = Record<string, unknown> & { exec?: ExecPlugin; "auth-provider"?: unknown };
interface RawKubeconfig {
  "current-context"?: string;
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name?: string; cluster?: Record<string, unknown> & { server?: string } }[];
  users?: { name?: string; user?: RawUser }[];
}

/**
 * Reads the kubeconfig at `file` (its text may be passed in). Relative file references (CA,
 * certificates, token file, an exec command with a `/`) resolve against its folder. Throws
 * {@link KubeconfigError} naming the file and the key to fix.
 */
export function readKubeconfig(
  file: string,
  opts: ReadKubeconfigOptions,
  text: string = readText(file),
): Kubeconfig {
  let raw: RawKubeconfig;
  try {
    raw = (parse(text) ?? {}) as RawKubeconfig;
  } catch (err) {
    throw new KubeconfigError(`${file}: not YAML: ${(err as Error).message}`, { cause: err });
  }
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new KubeconfigError(`${file}: not a kubeconfig (a YAML map)`);
  const ctxName = raw["current-context"] || raw.contexts?.[0]?.name;
  const ctx = raw.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new KubeconfigError(`${file}: no context "${ctxName ?? ""}" (set current-context)`);
  const cluster = raw.clusters?.find((c) => c.name === ctx.cluster);
  if (!cluster?.cluster?.server)
    throw new KubeconfigError(
      `${file}: cluster "${ctx.cluster ?? ""}" has no server (clusters[].cluster.server)`,
    );
  const userName = ctx.user ?? "";
  const rawUser = raw.users?.find((u) => u.name === userName)?.user ?? {};
  const exec = rawUser.exec;
  if (
    exec !== undefined &&
    (typeof exec !== "object" || !exec || typeof exec.command !== "string" || !exec.command)
  )
    throw new KubeconfigError(
      `${file}: user "${userName}" has an exec entry without a command (users[].user.exec.command)`,
    );
  // only the current context is kept: a broken entry of another context does not matter here
  const minimal = {
    "current-context": ctxName,
    contexts: [{ name: ctxName, context: { cluster: ctx.cluster, user: userName } }],
    clusters: [cluster],
    users: [{ name: userName, user: rawUser }],
  };
  const config = new KubeConfig();
  try {
    config.loadFromString(JSON.stringify(minimal), { onInvalidEntry: "throw" });
  } catch (err) {
    throw new KubeconfigError(`${file}: ${(err as Error).message}`, { cause: err });
  }
  config.makePathsAbsolute(path.dirname(path.resolve(file)));
  let forget = () => undefined as unknown;
  if (exec) {
    const plugin = execSource(exec, {
      file,
      user: userName,
      processEnv: opts.processEnv,
      cluster: cluster.cluster as { server: string },
      timeoutMs: opts.execTimeoutMs,
    });
    installCredential(config, plugin.source);
    forget = plugin.forget;
  } else if (typeof rawUser.tokenFile === "string" && !rawUser.token) {
    installCredential(config, tokenFileSource(path.resolve(path.dirname(file), rawUser.tokenFile), file));
  }
  return {
    config,
    server: cluster.cluster.server.replace(/\/+$/, ""),
    origin: file,
    user: userName,
    credential: credentialKind(rawUser),
    forgetCredential: () => void forget(),
  };
}

function readText(file: string): string {
  try {
    // the one hardened reader: a regular file within its size cap, never a FIFO or a device
    return readKubeconfigFile(file);
  } catch (err) {
    throw new KubeconfigError(`${file}: cannot read the kubeconfig (${(err as Error).message})`, {
      cause: err,
    });
  }
}

function credentialKind(user: RawUser): CredentialKind {
  if (user.exec) return "exec";
  if (user["auth-provider"]) return "auth-provider";
  if (user.token) return "token";
  if (user.tokenFile) return "tokenFile";
  if (user["client-certificate"] || user["client-certificate-data"]) return "certificate";
  return "none";
}

/** Supplies the credential of a request (a token, or a client certificate and key). */
type CredentialSource = () => Promise<ExecCredentialStatus>;

/**
 * The credential of an exec plugin, through {@link runExecPlugin}: cached until 30 s before it
 * expires (or until `forget`, after a 401); concurrent requests share one run.
 */
function execSource(exec: ExecPlugin, ctx: Parameters<typeof runExecPlugin>[1]) {
  let cached: ExecCredentialStatus | undefined;
  let pending: Promise<ExecCredentialStatus> | undefined;
  const fresh = (c: ExecCredentialStatus | undefined): c is ExecCredentialStatus =>
    c !== undefined && (c.expiresAt === undefined || c.expiresAt - 30_000 > Date.now());
  const source: CredentialSource = async () => {
    if (fresh(cached)) return cached;
    pending ??= runExecPlugin(exec, ctx).finally(() => (pending = undefined));
    cached = await pending;
    return cached;
  };
  return { source, forget: () => (cached = undefined) };
}

/** A token file, read on every request (a projected ServiceAccount token rotates). */
function tokenFileSource(file: string, origin: string): CredentialSource {
  return async () => {
    try {
      return { token: (await fs.promises.readFile(file, "utf8")).trim() };
    } catch (err) {
      throw new KubeconfigError(
        `${origin}: cannot read the token file ${file} (${(err as NodeJS.ErrnoException).code})`,
        {
          cause: err,
        },
      );
    }
  };
}

/**
 * Makes `source` the credential of the config's user, in place of client-node's own providers
 * (its exec runner has no time limit; its token file is read relative to the working folder).
 */
function installCredential(config: KubeConfig, source: CredentialSource): void {
  config.users = config.users.map((u): User => ({
    ...u,
    exec: undefined,
    authProvider: { name: PLATFORM_CREDENTIAL, config: {} },
  }));
  config.addAuthenticator({
    isAuthProvider: (user: User) => user.authProvider?.name === PLATFORM_CREDENTIAL,
    applyAuthentication: async (_user, requestOptions) => {
      const status = await source();
      const o = requestOptions as { headers?: Record<string, string>; cert?: string; key?: string };
      if (status.token) o.headers = { ...o.headers, Authorization: `Bearer ${status.token}` };
      if (status.clientCertificateData && status.clientKeyData) {
        o.cert = status.clientCertificateData;
        o.key = status.clientKeyData;
      }
    },
  });
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The in-cluster config from `KUBERNETES_SERVICE_HOST/PORT` and the mounted service account. */
export function inClusterKubeconfig(processEnv: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): Kubeconfig {
  const host = processEnv.KUBERNETES_SERVICE_HOST;
  const port = processEnv.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host)
    throw new KubeconfigError("in-cluster: KUBERNETES_SERVICE_HOST is unset; pass --kubeconfig PATH");
  const tokenFile = path.join(dir, "token");
  if (!fs.existsSync(tokenFile))
    throw new KubeconfigError(`in-cluster: no service-account token at ${tokenFile}; pass --kubeconfig PATH`);
  const caFile = path.join(dir, "ca.crt");
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const config = new KubeConfig();
  config.loadFromClusterAndUser(
    { name: "in-cluster", server, skipTLSVerify: false, ...(fs.existsSync(caFile) ? { caFile } : {}) },
    { name: "in-cluster" },
  );
  installCredential(config, tokenFileSource(tokenFile, "in-cluster"));
  return {
    config,
    server,
    origin: "in-cluster",
    user: "in-cluster",
    credential: "tokenFile",
    forgetCredential: () => undefined,
  };
}

/**
 * A kubeconfig for just `server` with no credential (tests and plain-HTTP proxies such as
 * `kubectl proxy`).
 */
export function serverKubeconfig(server: string, origin = server): Kubeconfig {
  const config = new KubeConfig();
  // client-node refuses plain http unless TLS checks are off (there is no TLS to check)
  const plain = server.startsWith("http:");
  config.loadFromClusterAndUser({ name: "server", server, skipTLSVerify: plain }, { name: "anonymous" });
  return {
    config,
    server: server.replace(/\/+$/, ""),
    origin,
    user: "anonymous",
    credential: "none",
    forgetCredential: () => undefined,
  };
}
