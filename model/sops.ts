/**
 * SOPS-encrypted secrets of the repository: the reserved source name, how a reference to one
 * reads (`{ source: sops, file: secrets/payments.enc.yaml, key: database.password }`), where a
 * file may live and which committed files must be encrypted. Pure: the decryption itself is in
 * ops/secrets/sops.ts.
 */
import * as path from "path";
import type { AppSpec, PlatformSpec, SecretRefSpec } from "./types";

/** The source name of a SOPS file reference; no declared secret source may take it. */
export const SOPS_SOURCE = "sops";

/** Files under this folder of the repository must be SOPS-encrypted (`platform policy check`). */
export const SOPS_FOLDER = "secrets";

/** A reference to a secret store (vault, a cloud secret manager): `source` and `path`. */
export type StoreSecretRef = SecretRefSpec & { path: string };

/** A reference to one value of a SOPS-encrypted file of the repository. */
export interface SopsSecretRef {
  source: typeof SOPS_SOURCE;
  /** The file, relative to the repository root. */
  file: string;
  /** Dotted key path inside the file (`database.password`). */
  key: string;
}

/** True when the reference reads a SOPS file of the repository. */
export function isSopsRef(ref: SecretRefSpec): boolean {
  return ref.source === SOPS_SOURCE;
}

/**
 * Why a reference has the wrong shape for its source, or undefined: a `sops` reference needs
 * `file` and `key` and no `path`; any other needs `path` and no `file`.
 */
export function secretRefShapeProblem(ref: SecretRefSpec): string | undefined {
  if (isSopsRef(ref)) {
    if (ref.path !== undefined)
      return `a "sops" reference reads a file of the repository: give file and key, not path`;
    if (ref.file === undefined || ref.key === undefined)
      return `a "sops" reference needs file (e.g. secrets/payments.enc.yaml) and key (e.g. database.password)`;
    return undefined;
  }
  if (ref.file !== undefined)
    return `file is only for { source: sops, file, key }; source "${ref.source}" takes path`;
  if (ref.path === undefined) return `source "${ref.source}" needs path (the secret's path in that source)`;
  return undefined;
}

/** An app's secrets split by where they come from; throws on a reference of the wrong shape. */
export function splitSecretRefs(secrets: Record<string, SecretRefSpec> | undefined): {
  store: Record<string, StoreSecretRef>;
  sops: Record<string, SopsSecretRef>;
} {
  const store: Record<string, StoreSecretRef> = {};
  const sops: Record<string, SopsSecretRef> = {};
  for (const [envName, ref] of Object.entries(secrets ?? {})) {
    const problem = secretRefShapeProblem(ref);
    if (problem) throw new Error(`secrets.${envName}: ${problem}`);
    if (isSopsRef(ref)) sops[envName] = { source: SOPS_SOURCE, file: ref.file!, key: ref.key! };
    else store[envName] = ref as StoreSecretRef;
  }
  return { store, sops };
}

/**
 * The Secret type of an app's SOPS-decrypted values. Reserved: `k8s-no-plaintext-secret` lets a
 * Secret of this type carry data only when the platform's AppSopsSecret component wrote it (at
 * preview and deploy, by the resource's parent type, which no chart or overlay can take); the
 * admission policy accepts the type.
 */
export const SOPS_SECRET_TYPE = "platform.dev/sops";

/** The parent component type of the Secrets the platform writes from SOPS files. */
export const APP_SOPS_SECRET_COMPONENT = "platform:kubernetes:AppSopsSecret";

/** The Kubernetes Secret (in the app's namespace) holding an app's SOPS-decrypted values. */
export function sopsSecretName(appName: string): string {
  return `${appName}-sops`;
}

/**
 * Why a SOPS file path cannot be read, or undefined: it must be relative, stay inside the
 * repository and be normalised (`secrets/a.enc.yaml`, not `./secrets//a.enc.yaml`).
 */
export function sopsFileProblem(file: string): string | undefined {
  if (path.isAbsolute(file) || /^[A-Za-z]:[\\/]/.test(file))
    return `"${file}" is absolute; give a path relative to the repository root (e.g. secrets/payments.enc.yaml)`;
  const normal = path.posix.normalize(file.replace(/\\/g, "/"));
  if (normal === ".." || normal.startsWith("../"))
    return `"${file}" is outside the repository; SOPS files must be committed in it (e.g. under secrets/)`;
  if (normal !== file) return `"${file}" is not a normalised path; write it as "${normal}"`;
  return undefined;
}

/** Why a key path is malformed, or undefined: dot-separated, non-empty segments. */
export function sopsKeyProblem(key: string): string | undefined {
  if (key.split(".").some((s) => s.length === 0))
    return `key "${key}" has an empty segment; write a dotted path such as database.password`;
  return undefined;
}

/** One SOPS reference of a spec: which app reads it into which variable. */
export interface SopsUse {
  appName: string;
  app: AppSpec;
  envName: string;
  ref: SopsSecretRef;
}

/** Every SOPS reference of the spec, in spec order. */
export function sopsUses(spec: PlatformSpec): SopsUse[] {
  const out: SopsUse[] = [];
  for (const [appName, app] of Object.entries(spec.apps ?? {})) {
    for (const [envName, ref] of Object.entries(splitSecretRefs(app.secrets).sops))
      out.push({ appName, app, envName, ref });
  }
  return out;
}

/** The SOPS files a spec names, relative to the repository root, sorted and unique. */
export function sopsFiles(spec: PlatformSpec): string[] {
  return [...new Set(sopsUses(spec).map((u) => u.ref.file))].sort();
}
