/**
 * The checkpoint of a stack on a file (DIY) backend, read without Pulumi: where it lives, whether
 * it parses, its pending operations, and its backups (`<stack>.json.bak` and the timestamped
 * copies under `.pulumi/backups/<project>/<stack>/`).
 */
import * as fs from "fs";
import * as path from "path";

/** The Pulumi project of this repository (Pulumi.yaml `name`). */
export const PROJECT = "platform";

/** Where the files of one stack live in a file backend's state folder. */
export interface CheckpointPaths {
  /** The state folder (the path of the `file://` backend URL). */
  stateDir: string;
  /** `.pulumi/stacks/platform/<stack>.json` */
  file: string;
  /** `<file>.bak`: the checkpoint before the last save. */
  bak: string;
  /** `.pulumi/backups/platform/<stack>/`: a copy after every finished update. */
  backupsDir: string;
}

/** A pending operation left by an interrupted update. */
export interface PendingOperation {
  /** `creating`, `updating`, `deleting`, `reading`, `importing`. */
  type: string;
  urn: string;
  resourceType: string;
  /** The provider ID an import would use, when it can be derived (Kubernetes: `ns/name` or `name`). */
  importId?: string;
}

/** What reading a checkpoint found. */
export interface CheckpointStatus {
  exists: boolean;
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
    backupsDir: path.join(stateDir, ".pulumi", "backups", PROJECT, stack),
  };
}

interface RawResource {
  urn?: string;
  type?: string;
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
      };
    }),
  };
}

/** Reads a stack's checkpoint; a missing file is fine (a stack never deployed). */
export function readCheckpoint(paths: CheckpointPaths): CheckpointStatus {
  if (!fs.existsSync(paths.file)) return { exists: false, ok: true, resources: 0, pendingOperations: [] };
  return parseCheckpoint(fs.readFileSync(paths.file, "utf8"));
}

/** A backup of a checkpoint, and whether it parses. */
export interface Backup {
  file: string;
  mtimeMs: number;
  ok: boolean;
  resources: number;
}

/** Every backup of a stack's checkpoint, newest first. */
export function listBackups(paths: CheckpointPaths): Backup[] {
  const files = [paths.bak];
  if (fs.existsSync(paths.backupsDir)) {
    for (const name of fs.readdirSync(paths.backupsDir)) {
      if (name.endsWith(".json")) files.push(path.join(paths.backupsDir, name));
    }
  }
  return files
    .filter((f) => fs.existsSync(f))
    .map((file) => {
      const status = parseCheckpoint(fs.readFileSync(file, "utf8"));
      return { file, mtimeMs: fs.statSync(file).mtimeMs, ok: status.ok, resources: status.resources };
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
 * Puts the newest backup that parses in place of a corrupted checkpoint, keeping the corrupted
 * file aside as `<stack>.json.corrupt-<time>`. Refuses when the checkpoint parses or no backup does.
 */
export function restoreBackup(paths: CheckpointPaths, now: Date = new Date()): Restored {
  const current = readCheckpoint(paths);
  if (current.ok) {
    throw new Error(
      current.exists
        ? `${paths.file} parses (${current.resources} resources); nothing to restore`
        : `${paths.file} does not exist; nothing to restore`,
    );
  }
  const backup = listBackups(paths).find((b) => b.ok);
  if (!backup) {
    throw new Error(
      `no backup of ${paths.file} parses (looked at ${paths.bak} and ${paths.backupsDir}); restore one by hand`,
    );
  }
  const keptAs = `${paths.file}.corrupt-${now.toISOString().replace(/[:.]/g, "-")}`;
  fs.renameSync(paths.file, keptAs);
  const tmp = `${paths.file}.restoring`;
  fs.copyFileSync(backup.file, tmp);
  fs.renameSync(tmp, paths.file);
  // gocloud's fileblob keeps metadata (content MD5) beside each file: it must describe the new bytes.
  const attrs = `${paths.file}.attrs`;
  if (fs.existsSync(`${backup.file}.attrs`)) fs.copyFileSync(`${backup.file}.attrs`, attrs);
  else fs.rmSync(attrs, { force: true });
  return { from: backup.file, keptAs, resources: backup.resources };
}
