/**
 * Runs a kubeconfig user's exec credential plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`,
 * a script) the way kubectl does, with what kubectl leaves out: a time limit, and an error that
 * names the kubeconfig, the user and what went wrong (missing, failed, timed out, printed
 * something that is not an ExecCredential). The plugin's output is never echoed: it holds a token.
 */
import { spawn } from "child_process";
import * as path from "path";

/** The `exec` entry of a kubeconfig user. */
export interface ExecPlugin {
  apiVersion?: string;
  command: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  provideClusterInfo?: boolean;
  installHint?: string;
}

/** What the plugin printed, checked: a bearer token or a client certificate and key. */
export interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** Milliseconds since the epoch; undefined: valid for the life of the process (until a 401). */
  expiresAt?: number;
}

/** Why a plugin gave no credential. */
export type ExecFailure = "missing" | "failed" | "timeout" | "garbage";

/** A plugin gave no credential; `failure` names why, the message names file, user and fix. */
export class ExecCredentialError extends Error {
  override name = "ExecCredentialError";
  constructor(
    readonly failure: ExecFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The API versions of ExecCredential the platform reads (v1alpha1 was removed in Kubernetes 1.24). */
export const EXEC_API_VERSIONS = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"];

/** How long a plugin may run before it is killed. @default 20 s */
export const EXEC_TIMEOUT_MS = 20_000;

/** Where the plugin runs. */
export interface ExecContext {
  /** The kubeconfig file (relative commands with a `/` resolve against its folder, as kubectl does). */
  file: string;
  user: string;
  /** The process environment the plugin inherits (its own `env` entries are laid over it). */
  processEnv: NodeJS.ProcessEnv;
  /** The cluster, for `provideClusterInfo`. */
  cluster: { server: string; "certificate-authority-data"?: string };
  timeoutMs?: number;
}

/** The command to run: a relative path with a separator resolves against the kubeconfig's folder. */
export function resolveExecCommand(command: string, file: string): string {
  if (path.isAbsolute(command) || !command.includes("/")) return command;
  return path.resolve(path.dirname(file), command);
}

/**
 * Checks a plugin's stdout: an ExecCredential of the requested apiVersion with a token or a client
 * certificate and key. Throws {@link ExecCredentialError} (`garbage`) without quoting the output.
 */
export function parseExecCredential(stdout: string, apiVersion: string, where: string): ExecCredentialStatus {
  const garbage = (what: string, cause?: unknown) =>
    new ExecCredentialError(
      "garbage",
      `${where} printed ${what}; it must print an ExecCredential (${apiVersion}) with status.token or status.clientCertificateData and status.clientKeyData`,
      { cause },
    );
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (err) {
    throw garbage(
      stdout.trim() === "" ? "nothing" : `something that is not JSON (${stdout.length} bytes)`,
      err,
    );
  }
  const obj = (doc ?? {}) as { kind?: unknown; apiVersion?: unknown; status?: Record<string, unknown> };
  if (typeof doc !== "object" || doc === null || obj.kind !== "ExecCredential")
    throw garbage(`JSON whose kind is ${JSON.stringify(obj.kind ?? null)}, not ExecCredential`);
  if (obj.apiVersion !== apiVersion)
    throw garbage(
      `an ExecCredential of apiVersion ${JSON.stringify(obj.apiVersion ?? null)}, not the requested one`,
    );
  const status = obj.status ?? {};
  const text = (key: string) =>
    typeof status[key] === "string" && status[key] !== "" ? (status[key] as string) : undefined;
  const token = text("token");
  const cert = text("clientCertificateData");
  const key = text("clientKeyData");
  if (!token && !(cert && key))
    throw garbage("an ExecCredential without a token or a client certificate and key");
  const expiry = text("expirationTimestamp");
  const expiresAt = expiry === undefined ? undefined : Date.parse(expiry);
  if (expiresAt !== undefined && Number.isNaN(expiresAt))
    throw garbage(`an ExecCredential whose status.expirationTimestamp is not a time`);
  return {
    ...(token ? { token } : {}),
    ...(cert && key ? { clientCertificateData: cert, clientKeyData: key } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}

/** The last lines of a plugin's stderr, for a message (bounded, whitespace folded). */
function tail(stderr: string): string {
  const text = stderr.trim().replace(/\s+/g, " ");
  return text.length > 400 ? `…${text.slice(-400)}` : text;
}

/** Runs the plugin once and returns its checked credential. Throws {@link ExecCredentialError}. */
export function runExecPlugin(exec: ExecPlugin, ctx: ExecContext): Promise<ExecCredentialStatus> {
  const apiVersion = exec.apiVersion ?? "client.authentication.k8s.io/v1beta1";
  const where = `${ctx.file}: the exec credential plugin \`${exec.command}\` of user "${ctx.user}"`;
  if (!EXEC_API_VERSIONS.includes(apiVersion))
    return Promise.reject(
      new ExecCredentialError(
        "garbage",
        `${where} asks for ExecCredential ${apiVersion}; use one of ${EXEC_API_VERSIONS.join(", ")} (users[].user.exec.apiVersion)`,
      ),
    );
  const timeoutMs = ctx.timeoutMs ?? EXEC_TIMEOUT_MS;
  const info = {
    apiVersion,
    kind: "ExecCredential",
    spec: {
      interactive: false,
      ...(exec.provideClusterInfo
        ? {
            cluster: {
              server: ctx.cluster.server,
              ...(ctx.cluster["certificate-authority-data"]
                ? { "certificate-authority-data": ctx.cluster["certificate-authority-data"] }
                : {}),
            },
          }
        : {}),
    },
  };
  const env: NodeJS.ProcessEnv = { ...ctx.processEnv, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const e of exec.env ?? []) env[e.name] = e.value;
  const command = resolveExecCommand(exec.command, ctx.file);
  return new Promise((resolve, reject) => {
    const child = spawn(command, exec.args ?? [], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(() =>
        reject(
          new ExecCredentialError(
            "timeout",
            `${where} gave no credential within ${timeoutMs} ms and was stopped; check that it does not wait for input or an unreachable service`,
          ),
        ),
      );
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          err.code === "ENOENT"
            ? new ExecCredentialError(
                "missing",
                `${where} is not installed (${command} not found on PATH)` +
                  (exec.installHint
                    ? `: ${exec.installHint.trim()}`
                    : "; install it or fix users[].user.exec.command"),
                { cause: err },
              )
            : new ExecCredentialError("failed", `${where} could not start: ${err.message}`, { cause: err }),
        ),
      ),
    );
    child.on("close", (code, signal) =>
      finish(() => {
        if (code !== 0)
          return reject(
            new ExecCredentialError(
              "failed",
              `${where} failed (${signal ? `signal ${signal}` : `exit code ${code}`})${stderr.trim() ? `: ${tail(stderr)}` : ""}`,
            ),
          );
        try {
          resolve(parseExecCredential(stdout, apiVersion, where));
        } catch (err) {
          reject(err);
        }
      }),
    );
  });
}
