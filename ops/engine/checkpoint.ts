/**
 * The checkpoint of a stack on a file (DIY) backend, read without Pulumi: where it lives, whether
 * it parses, its pending operations, and its backups (`<stack>.json.bak` and the timestamped
 * copies under `.pulumi/backups/<project>/<stack>/`). A backend that writes gzip
 * (`PULUMI_DIY_BACKEND_GZIP=true`) keeps `<stack>.json.gz`, `<stack>.json.gz.bak` and
 * `<stack>.<time>.json.gz` instead; both forms are read (gzip recognized by its magic bytes, as
 * Pulumi does), and a restore writes the form the stack currently uses.
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

/** The Pulumi project of this repository (Pulumi.yaml `name`). */
import { PROJECT } from "../../model/names";

export { PROJECT };

/** Where the files of one stack live in a file backend's state folder. */
export interface CheckpointPaths {
  /** The state folder (the path of the `file://` backend URL). */
  stateDir: string;
  /** `.pulumi/stacks/platform/<stack>.json` */
  file: string;
  /** `<file>.bak`: the checkpoint before the last save. */
  bak: string;
  /** `<file>.gz`: the checkpoint when the backend writes gzip (`PULUMI_DIY_BACKEND_GZIP=true`). */
  gzFile: string;
  /** `<gzFile>.bak`: the gzipped checkpoint before the last save. */
  gzBak: string;
  /** `.pulumi/backups/platform/<stack>/`: a copy after every finished update. */
  backupsDir: string;
  /** The stack's name. */
  stack: string;
  /** `.pulumi/history/platform/<stack>/`: a record of every update. */
  historyDir: string;
}

/** A pending operation left by an interrupted update. */
export interface PendingOperation {
  /** `creating`, `updating`, `deleting`, `reading`, `importing`. */
  type: string;
  urn: string;
  resourceType: string;
  /** The provider ID an import would use, when it can be derived (Kubernetes: `ns/name` or `name`). */
  importId?: string;
  /**
   * A component resource (no provider, no ID). Its children are registered only once its create
   * finished, so nothing exists below a pending one: forgetting it is safe, the next `up` makes it.
   */
  component?: true;
}

/** What reading a checkpoint found. */
export interface CheckpointStatus {
  exists: boolean;
  /** The file read (`<stack>.json` or `<stack>.json.gz`), when one exists. */
  file?: string;
  ok: boolean;
  /** Why it does not parse (when `ok` is false). */
  error?: string;
  resources: number;
  pendingOperations: PendingOperation[];
}

/** The folder of a `file://` backend URL, or undefined for any other backend. */
export function fileBackendDir(backendUrl: string): string | undefined {
  if (!backendUrl.startsWith("file://")) return undefined;
  return decodeURIComponent(backendUrl.slice("file://".length).replace(/\?.*$/, ""));
}

/** The paths of a stack's checkpoint and backups under a file backend's state folder. */
export function checkpointPaths(stateDir: string, stack: string): CheckpointPaths {
  const file = path.join(stateDir, ".pulumi", "stacks", PROJECT, `${stack}.json`);
  return {
    stateDir,
    file,
    bak: `${file}.bak`,
    gzFile: `${file}.gz`,
    gzBak: `${file}.gz.bak`,
    backupsDir: path.join(stateDir, ".pulumi", "backups", PROJECT, stack),
    stack,
    historyDir: path.join(stateDir, ".pulumi", "history", PROJECT, stack),
  };
}

/** Whether bytes are gzip (its magic number, which is how Pulumi tells, whatever the file name). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The text of checkpoint bytes, plain or gzip; throws when a gzip stream is damaged. */
export function checkpointText(bytes: Buffer): string {
  return (isGzip(bytes) ? zlib.gunzipSync(bytes) : bytes).toString("utf8");
}

/**
 * The checkpoint file the backend reads: of `<stack>.json` and `<stack>.json.gz`, the one that
 * exists, or the newer when both do (as Pulumi picks; on a tie the gzipped one). Undefined when
 * neither exists.
 */
export function currentCheckpointFile(paths: CheckpointPaths): string | undefined {
  const mtime = (f: string) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : undefined);
  const plain = mtime(paths.file);
  const gz = mtime(paths.gzFile);
  if (gz === undefined) return plain === undefined ? undefined : paths.file;
  return plain !== undefined && plain > gz ? paths.file : paths.gzFile;
}

interface RawResource {
  urn?: string;
  type?: string;
  custom?: boolean;
  inputs?: { metadata?: { name?: unknown; namespace?: unknown } };
}

/** The provider ID of a Kubernetes object from its inputs (`namespace/name` or `name`). */
function kubernetesId(resource: RawResource): string | undefined {
  if (!resource.type?.startsWith("kubernetes:")) return undefined;
  const { name, namespace } = resource.inputs?.metadata ?? {};
  if (typeof name !== "string" || name === "") return undefined;
  return typeof namespace === "string" && namespace !== "" ? `${namespace}/${name}` : name;
}

/** Parses checkpoint text (the file format: `{ version, checkpoint: { latest } }`). */
export function parseCheckpoint(text: string): CheckpointStatus {
  let doc: { checkpoint?: { latest?: { resources?: RawResource[]; pending_operations?: unknown[] } } };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    return { exists: true, ok: false, error: (err as Error).message, resources: 0, pendingOperations: [] };
  }
  if (typeof doc !== "object" || doc === null || typeof doc.checkpoint !== "object") {
    return {
      exists: true,
      ok: false,
      error: "no `checkpoint` object",
      resources: 0,
      pendingOperations: [],
    };
  }
  const latest = doc.checkpoint.latest ?? {};
  const pending = (latest.pending_operations ?? []) as Array<{ type?: string; resource?: RawResource }>;
  return {
    exists: true,
    ok: true,
    resources: latest.resources?.length ?? 0,
    pendingOperations: pending.map((op) => {
      const importId = op.resource ? kubernetesId(op.resource) : undefined;
      return {
        type: op.type ?? "unknown",
        urn: op.resource?.urn ?? "?",
        resourceType: op.resource?.type ?? "?",
        ...(importId ? { importId } : {}),
        ...(op.resource && op.resource.custom !== true ? { component: true as const } : {}),
      };
    }),
  };
}

/** Parses checkpoint bytes, plain or gzip: a damaged gzip stream is a checkpoint that does not parse. */
function parseCheckpointBytes(bytes: Buffer, file: string): CheckpointStatus {
  let text: string;
  try {
    text = checkpointText(bytes);
  } catch (err) {
    const error = `not readable: ${(err as Error).message}`;
    return { exists: true, file, ok: false, error, resources: 0, pendingOperations: [] };
  }
  return { ...parseCheckpoint(text), file };
}

/**
 * Reads a stack's checkpoint (`<stack>.json` or `<stack>.json.gz`, see `currentCheckpointFile`);
 * a missing file is fine (a stack never deployed).
 */
export function readCheckpoint(paths: CheckpointPaths): CheckpointStatus {
  const file = currentCheckpointFile(paths);
  if (!file) return { exists: false, ok: true, resources: 0, pendingOperations: [] };
  return parseCheckpointBytes(fs.readFileSync(file), file);
}

/** A backup of a checkpoint, and whether it parses. */
export interface Backup {
  file: string;
  mtimeMs: number;
  ok: boolean;
  resources: number;
  /** Whether the file holds gzip. */
  gzip: boolean;
}

/**
 * Every backup of a stack's checkpoint, plain or gzip, newest first: `<stack>.json.bak`,
 * `<stack>.json.gz.bak` and `.pulumi/backups/platform/<stack>/*.json[.gz]`.
 */
export function listBackups(paths: CheckpointPaths): Backup[] {
  const files = [paths.bak, paths.gzBak];
  if (fs.existsSync(paths.backupsDir)) {
    for (const name of fs.readdirSync(paths.backupsDir)) {
      if (name.endsWith(".json") || name.endsWith(".json.gz")) files.push(path.join(paths.backupsDir, name));
    }
  }
  return files
    .filter((f) => fs.existsSync(f) && fs.statSync(f).isFile())
    .map((file) => {
      const bytes = fs.readFileSync(file);
      const status = parseCheckpointBytes(bytes, file);
      const { mtimeMs } = fs.statSync(file);
      return { file, mtimeMs, ok: status.ok, resources: status.resources, gzip: isGzip(bytes) };
    })
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
}

/** What `restoreBackup` did. */
export interface Restored {
  from: string;
  /** Where the corrupted checkpoint was kept. */
  keptAs: string;
  resources: number;
}

/**
 * Puts the newest backup that parses (plain or gzip) in place of a corrupted checkpoint, keeping
 * the corrupted file aside as `<stack>.json[.gz].corrupt-<time>`. The restored checkpoint keeps
 * the form of the one it replaces: `<stack>.json.gz` is written gzipped, `<stack>.json` plain, the
 * backup converted when its form differs. Refuses when the checkpoint parses or no backup does.
 */
export function restoreBackup(paths: CheckpointPaths, now: Date = new Date()): Restored {
  const current = readCheckpoint(paths);
  if (current.ok || !current.file) {
    throw new Error(
      current.exists
        ? `${current.file ?? paths.file} parses (${current.resources} resources); nothing to restore`
        : `${paths.file} does not exist; nothing to restore`,
    );
  }
  const target = current.file;
  const backup = listBackups(paths).find((b) => b.ok);
  if (!backup) {
    throw new Error(
      `no backup of ${target} parses (looked at ${paths.bak}, ${paths.gzBak} and ${paths.backupsDir}); restore one by hand`,
    );
  }
  const gzip = target === paths.gzFile;
  const keptAs = `${target}.corrupt-${now.toISOString().replace(/[:.]/g, "-")}`;
  const tmp = `${target}.restoring`;
  if (backup.gzip === gzip) fs.copyFileSync(backup.file, tmp);
  else {
    const text = checkpointText(fs.readFileSync(backup.file));
    fs.writeFileSync(tmp, gzip ? zlib.gzipSync(text) : text);
  }
  fs.renameSync(target, keptAs);
  fs.renameSync(tmp, target);
  // gocloud's fileblob keeps metadata (content MD5, type) beside each file: it must describe the
  // new bytes, so it is copied only with identical bytes and when it is sound (a missing one is
  // fine, a damaged one makes the backend fail to read the checkpoint).
  const attrs = `${target}${SIDECAR}`;
  if (backup.gzip === gzip && soundSidecar(`${backup.file}${SIDECAR}`)) {
    fs.copyFileSync(`${backup.file}${SIDECAR}`, attrs);
  } else fs.rmSync(attrs, { force: true });
  return { from: backup.file, keptAs, resources: backup.resources };
}

/** The metadata file gocloud's fileblob (the file backend's storage) keeps beside each file. */
const SIDECAR = ".attrs";

/** Whether a metadata file exists and is a JSON object (what fileblob decodes it into). */
function soundSidecar(file: string): boolean {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * The metadata files (`<file>.attrs`) of a stack's files that are not JSON. fileblob writes one by
 * truncating it and then encoding, so an update killed at that moment leaves it empty or cut, and
 * from then on the backend cannot read the file it describes: every engine command fails with
 * "failed to load checkpoint: EOF" although the checkpoint itself is intact. Looked at: the
 * checkpoint's folder (this stack's files only), its backups, history and locks, and `meta.yaml`.
 */
export function damagedSidecars(paths: CheckpointPaths): string[] {
  const found: string[] = [];
  const scan = (dir: string, keep: (name: string) => boolean = () => true) => {
    if (!fs.existsSync(dir)) return;
    for (const name of fs.readdirSync(dir)) {
      if (name.endsWith(SIDECAR) && keep(name)) found.push(path.join(dir, name));
    }
  };
  scan(path.dirname(paths.file), (name) => name.startsWith(`${paths.stack}.`));
  scan(paths.backupsDir);
  scan(paths.historyDir);
  const locks = path.join(paths.stateDir, ".pulumi", "locks");
  if (fs.existsSync(locks)) {
    for (const org of fs.readdirSync(locks)) scan(path.join(locks, org, PROJECT, paths.stack));
  }
  scan(path.join(paths.stateDir, ".pulumi"), (name) => name === `meta.yaml${SIDECAR}`);
  return found.filter((file) => !soundSidecar(file)).sort();
}

/**
 * Removes the damaged metadata files of a stack (see `damagedSidecars`); fileblob reads a file
 * without one as it is. Only while no update runs: a live writer may be between its two steps.
 * Returns the removed files.
 */
export function removeDamagedSidecars(paths: CheckpointPaths): string[] {
  const damaged = damagedSidecars(paths);
  for (const file of damaged) fs.rmSync(file, { force: true });
  return damaged;
}

/** A pending create resolved by `recover --import-pending-creates`: adopted with this id, or dropped. */
export interface PendingCreateResolution {
  /** The object's provider ID; undefined drops the pending create (it never happened). */
  id?: string;
  /** Kubernetes: the field manager that applied the object, kept so later updates apply as it. */
  fieldManager?: string;
}

/** The part of an exported deployment (`pulumi stack export`) that pending creates touch. */
export interface DeploymentState {
  resources?: Array<Record<string, unknown>>;
  pending_operations?: Array<{ type: string; resource: Record<string, unknown> & { urn: string } }>;
}

/**
 * Turns the pending creates of an exported deployment into resources, as if the interrupted
 * update had recorded them: each create resolved with an id becomes a resource with the state the
 * engine had recorded for it, that id, and (for Kubernetes) its field manager as the only output;
 * a refresh then reads the rest from the provider. Creates resolved without an id are dropped;
 * creates not in `resolutions` and other pending operations stay. Appending keeps the resources in
 * dependency order: a create starts only after everything it depends on was recorded, so nothing
 * recorded depends on it. Changes `deployment` in place and returns the URNs adopted and dropped.
 */
export function adoptPendingCreates(
  deployment: DeploymentState,
  resolutions: Map<string, PendingCreateResolution>,
): { adopted: string[]; dropped: string[] } {
  const adopted: string[] = [];
  const dropped: string[] = [];
  const resources = deployment.resources ?? [];
  const remaining: NonNullable<DeploymentState["pending_operations"]> = [];
  for (const op of deployment.pending_operations ?? []) {
    const resolution = op.type === "creating" ? resolutions.get(op.resource.urn) : undefined;
    if (!resolution) remaining.push(op);
    else if (resolution.id === undefined) dropped.push(op.resource.urn);
    else {
      const outputs = resolution.fieldManager ? { __fieldManager: resolution.fieldManager } : {};
      resources.push({ ...op.resource, id: resolution.id, outputs });
      adopted.push(op.resource.urn);
    }
  }
  deployment.resources = resources;
  deployment.pending_operations = remaining;
  return { adopted, dropped };
}
