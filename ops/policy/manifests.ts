/**
 * Plain Kubernetes manifests as policy input: every object of a YAML file (multi-document, or a
 * `kind: List`) or of every .yaml/.yml/.json file under a folder becomes an {@link OfflineResource}
 * with the Pulumi type token (`kubernetes:apps/v1:Deployment`, core group → `core`) and the object
 * as its props, so the Kubernetes rules run on manifests the way Conftest runs on them.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { describeFsError, readBoundedFile } from "../../model/specFile";
import type { OfflineResource } from "./evaluate";

/** `apps/v1` + `Deployment` → `kubernetes:apps/v1:Deployment`; `v1` + `Pod` → `kubernetes:core/v1:Pod`. */
export function typeToken(apiVersion: string, kind: string): string {
  const groupVersion = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
  return `kubernetes:${groupVersion}:${kind}`;
}

/** A manifest that could not be read: the command reports these and exits 2. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

/** Largest manifest file read: far above a real chart's render, far below what exhausts memory. */
export const MANIFEST_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The YAML/JSON files of `target`: itself when it is a file, else every one under it (sorted,
 * recursive, dot-entries skipped). Symlinked folders and files are followed; a link that loops or
 * leads nowhere is an error naming it, and a folder reached twice is read once.
 */
function manifestFiles(target: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (err) {
    throw new ManifestError(`--manifests ${target} cannot be read: ${describeFsError(err)}`, { cause: err });
  }
  if (stat.isFile()) return [target];
  if (!stat.isDirectory())
    throw new ManifestError(
      `--manifests ${target} is not a regular file or folder (a device or pipe): point it at the rendered manifests`,
    );
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string) => {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          const linked = fs.statSync(full);
          isDir = linked.isDirectory();
        } catch (err) {
          throw new ManifestError(`${full} is a symlink that cannot be followed: ${describeFsError(err)}`, {
            cause: err,
          });
        }
      }
      if (isDir) walk(full);
      // a FIFO or device named like a manifest goes to the reader, which refuses it by name
      else if (/\.(ya?ml|json)$/i.test(entry.name)) out.push(full);
    }
  };
  walk(target);
  return out;
}

function toResources(obj: unknown, where: string, out: OfflineResource[]): void {
  if (obj === null || obj === undefined) return;
  if (typeof obj !== "object" || Array.isArray(obj))
    throw new ManifestError(
      `${where}: expected a Kubernetes object (a mapping), got ${Array.isArray(obj) ? "a list" : typeof obj}`,
    );
  const o = obj as Record<string, unknown>;
  const { apiVersion, kind } = o;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || apiVersion === "" || kind === "") {
    throw new ManifestError(`${where}: the object has no apiVersion and kind; every manifest needs both`);
  }
  if (kind === "List" || (kind.endsWith("List") && Array.isArray(o.items))) {
    (Array.isArray(o.items) ? o.items : []).forEach((item, i) =>
      toResources(item, `${where} items[${i}]`, out),
    );
    return;
  }
  const metadata = (o.metadata ?? {}) as Record<string, unknown>;
  const name =
    typeof metadata.name === "string" && metadata.name !== ""
      ? metadata.name
      : `${kind.toLowerCase()}-${out.length}`;
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
  const type = typeToken(apiVersion, kind);
  out.push({
    type,
    name,
    urn: `urn:pulumi:manifests::platform::${type}::${namespace ? `${namespace}/` : ""}${name}`,
    props: o,
  });
}

/** Rendered objects (a chart's, a kustomization's) as evaluator input, named as manifests are. */
export function resourcesOf(items: readonly { object: unknown; origin: string }[]): OfflineResource[] {
  const out: OfflineResource[] = [];
  for (const item of items) toResources(item.object, item.origin, out);
  return out;
}

/** The objects of one YAML/JSON text (multi-document); `file` names it in errors. */
export function parseManifests(text: string, file = "<input>"): OfflineResource[] {
  const out: OfflineResource[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0)
      throw new ManifestError(`${file} (document ${i + 1}): ${doc.errors[0].message}`);
    toResources(doc.toJS(), `${file} (document ${i + 1})`, out);
  });
  return out;
}

/** Every object of a file, or of every YAML/JSON file under a folder (sorted, recursive). */
export function loadManifests(target: string): OfflineResource[] {
  const out: OfflineResource[] = [];
  for (const file of manifestFiles(target)) {
    let text: string;
    try {
      text = readBoundedFile(file, { maxBytes: MANIFEST_MAX_BYTES, what: "a manifest file" });
    } catch (err) {
      if (err instanceof ManifestError) throw err;
      throw new ManifestError(`cannot read ${file}: ${describeFsError(err)}`, { cause: err });
    }
    out.push(...parseManifests(text, file));
  }
  return out;
}
