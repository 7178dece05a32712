/**
 * A remote state backend (S3, GCS, Azure Blob, a Pulumi Cloud URL) seen from outside the engine:
 * how to name it in messages without credentials, where a TCP check reaches it, and its
 * checkpoint read with `pulumi stack export` (secrets left encrypted, nothing written, no lock).
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as path from "path";
import { toolchainBinDir } from "../toolchain/install";
import { CheckpointStatus, parseCheckpoint } from "./checkpoint";
import { BackendSettings } from "./settings";
import { engineEnv } from "../toolchain/engineEnv";

/** Query parameters of a backend URL whose values are safe to print; others print as `***`. */
const PRINTABLE_QUERY = new Set([
  "region",
  "endpoint",
  "use_path_style",
  "s3ForcePathStyle",
  "disable_https",
  "disableSSL",
  "awssdk",
  "profile",
  "dualstack",
  "fips",
  "accelerate",
  "anonymous",
]);

/** A URL without user info and query, for messages. */
function bareUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname === "/" ? "" : u.pathname}`;
}

/**
 * A backend URL safe to print: no user info, and only the query parameters known not to carry
 * secrets shown with their values (an `endpoint` without its own user info and query).
 */
export function describeBackend(backendUrl: string): string {
  let u: URL;
  try {
    u = new URL(backendUrl);
  } catch {
    return backendUrl.replace(/\?.*$/s, "").replace(/\/\/[^/@]*@/, "//");
  }
  const query = [...u.searchParams].map(([key, value]) => {
    if (!PRINTABLE_QUERY.has(key)) return `${key}=***`;
    if (key !== "endpoint") return `${key}=${value}`;
    try {
      return `${key}=${bareUrl(new URL(value))}`;
    } catch {
      return `${key}=${value.replace(/^[^/@]*@/, "").replace(/[?#].*$/s, "")}`;
    }
  });
  return bareUrl(u) + (query.length > 0 ? `?${query.join("&")}` : "");
}

/** Where a remote backend is reached, for a TCP check. */
export interface BackendEndpoint {
  host: string;
  port: number;
}

const truthy = (v: string | null | undefined) => v !== null && v !== undefined && /^(1|true|yes)$/i.test(v);

/** Host and port of a URL (`http:` 80, anything else 443 unless given); IPv6 brackets removed. */
export function hostPort(u: URL): BackendEndpoint {
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: Number(u.port || (u.protocol === "http:" ? 80 : 443)),
  };
}

/**
 * The host and port a remote backend is reached at: for `s3://`, the `endpoint=` query parameter
 * (else `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, else the regional AWS host from `region=`,
 * `AWS_REGION` or `AWS_DEFAULT_REGION`); `gs://` Google Cloud Storage; `azblob://` the account of
 * `AZURE_STORAGE_ACCOUNT`; `http(s)://` the URL's own. Undefined when it cannot be told.
 */
export function backendEndpoint(
  backendUrl: string,
  processEnv: NodeJS.ProcessEnv = process.env,
): BackendEndpoint | undefined {
  let u: URL;
  try {
    u = new URL(backendUrl);
  } catch {
    return undefined;
  }
  const q = u.searchParams;
  switch (u.protocol) {
    case "s3:": {
      const plain = truthy(q.get("disable_https")) || truthy(q.get("disableSSL"));
      const endpoint = q.get("endpoint") || processEnv.AWS_ENDPOINT_URL_S3 || processEnv.AWS_ENDPOINT_URL;
      if (endpoint) {
        try {
          const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)
            ? endpoint
            : `${plain ? "http" : "https"}://${endpoint}`;
          return hostPort(new URL(withScheme));
        } catch {
          return undefined;
        }
      }
      const region = q.get("region") || processEnv.AWS_REGION || processEnv.AWS_DEFAULT_REGION;
      return { host: region ? `s3.${region}.amazonaws.com` : "s3.amazonaws.com", port: plain ? 80 : 443 };
    }
    case "gs:":
      return { host: "storage.googleapis.com", port: 443 };
    case "azblob:": {
      const account = processEnv.AZURE_STORAGE_ACCOUNT;
      return account ? { host: `${account}.blob.core.windows.net`, port: 443 } : undefined;
    }
    case "http:":
    case "https:":
      return hostPort(u);
    default:
      return undefined;
  }
}

/** How long `pulumi stack export` of a remote backend may take. */
export const EXPORT_TIMEOUT_MS = 60_000;

/** The CLI's own error line (`error: ...` without the prefix), else its last line. */
function cliError(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const line = lines.find((l) => /^error:/i.test(l)) ?? lines[lines.length - 1] ?? "";
  return line.replace(/^error:\s*/i, "");
}

/**
 * What a `pulumi stack export` run (without --show-secrets) says about a stack's checkpoint: a
 * stack that does not exist yet is fine (exit 6: never deployed), a checkpoint the CLI cannot load
 * is `ok: false`. Any other failure throws, with the backend URL in the CLI's words made safe.
 */
export function checkpointFromExport(
  res: Pick<SpawnSyncReturns<string>, "status" | "stdout" | "stderr" | "error" | "signal">,
  backendUrl: string,
): CheckpointStatus {
  const safe = (text: string) => text.split(backendUrl).join(describeBackend(backendUrl));
  if (res.error) {
    const code = (res.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new Error("the pinned pulumi CLI is not installed (platform toolchain install)");
    }
    if (code === "ETIMEDOUT") throw new Error("pulumi stack export did not finish in time");
    throw new Error(`pulumi stack export failed: ${safe(res.error.message)}`);
  }
  if (res.signal) throw new Error(`pulumi stack export was killed (${res.signal})`);
  const stderr = res.stderr ?? "";
  if (res.status === 6 || /no stack named '[^']*' found/.test(stderr)) {
    return { exists: false, ok: true, resources: 0, pendingOperations: [] };
  }
  const error = safe(cliError(stderr));
  if (res.status !== 0) {
    if (/failed to load checkpoint|could not deserialize|unmarshal/i.test(error)) {
      return { exists: true, ok: false, error, resources: 0, pendingOperations: [] };
    }
    throw new Error(`pulumi stack export failed (exit ${res.status}): ${error || "no error message"}`);
  }
  let doc: { deployment?: unknown } | null;
  try {
    doc = JSON.parse(res.stdout) as typeof doc;
  } catch (err) {
    return { exists: true, ok: false, error: (err as Error).message, resources: 0, pendingOperations: [] };
  }
  // `stack export` prints `{ version, deployment }`; the checkpoint helpers read the file form,
  // `{ checkpoint: { latest: <deployment> } }`
  return parseCheckpoint(JSON.stringify({ checkpoint: { latest: doc?.deployment ?? {} } }));
}

/**
 * Reads a remote stack's checkpoint with the pinned `pulumi stack export`, secrets left encrypted
 * (as `exportEncrypted`, without opening a workspace: a read must not create the stack). Writes
 * nothing to the backend and takes no lock.
 */
export function exportCheckpoint(
  root: string,
  env: string,
  settings: BackendSettings,
  processEnv: NodeJS.ProcessEnv,
  timeoutMs = EXPORT_TIMEOUT_MS,
): CheckpointStatus {
  const res = spawnSync(
    path.join(toolchainBinDir(processEnv), "pulumi"),
    ["stack", "export", "--stack", env, "--non-interactive"],
    {
      cwd: root,
      env: {
        ...processEnv,
        ...engineEnv({ root, env: processEnv }, { PULUMI_BACKEND_URL: settings.backendUrl, ...settings.env }),
      },
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: timeoutMs,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return checkpointFromExport(res, settings.backendUrl);
}

/** Reads a remote stack's checkpoint (injectable for tests). */
export type CheckpointReader = (
  root: string,
  env: string,
  settings: BackendSettings,
  processEnv: NodeJS.ProcessEnv,
) => CheckpointStatus;
