/**
 * Reading a manifests workload: a YAML file, or a folder read recursively, each file a `---`
 * stream whose documents are objects or `List`s of objects. Every object keeps the file and line
 * it came from, so a refusal can name them; every problem names the file (and line).
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments, LineCounter } from "yaml";
import type { RenderedObject } from "./placement";
import { readBoundedFile } from "../../../model/specFile";

/** Largest manifest file of a workload read: far above a real one, far below what exhausts memory. */
const WORKLOAD_MANIFEST_MAX_BYTES = 16 * 1024 * 1024;

/** A manifest object and where it was written (`manifests/web.yaml:12`, relative to `root`). */
export interface ManifestObject {
  object: RenderedObject;
  origin: string;
}

/** A manifests folder or file that cannot be read as Kubernetes objects. */
export class ManifestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ManifestError";
  }
}

const YAML_FILE = /\.(ya?ml|json)$/i;

/**
 * The YAML files of `target` (a file, or a folder walked recursively in name order). A symlink is
 * followed only when what it points at stays inside `root`; hidden entries (`.git`) are skipped.
 */
export function manifestFiles(target: string, root: string): string[] {
  const rootReal = fs.realpathSync(root);
  const inside = (p: string) => p === rootReal || p.startsWith(rootReal + path.sep);
  const shown = (p: string) => path.relative(root, p) || ".";
  const files: string[] = [];
  const visit = (p: string, top: boolean) => {
    let real: string;
    try {
      real = fs.realpathSync(p);
    } catch (err) {
      throw new ManifestError(
        `${shown(p)} does not exist: check the path (relative to the repository root)`,
        {
          cause: err,
        },
      );
    }
    if (!inside(real))
      throw new ManifestError(
        `${shown(p)} leads outside the repository (to ${real}); the platform only reads files of the repository: copy what it needs into the repository`,
      );
    const stat = fs.statSync(real);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(real).sort()) {
        if (entry.startsWith(".")) continue;
        visit(path.join(p, entry), false);
      }
    } else if (top || YAML_FILE.test(p)) files.push(p);
  };
  visit(target, true);
  return files;
}

/** Every object of the files, `List` items expanded; throws a {@link ManifestError} naming file and line. */
export function readManifests(files: readonly string[], root: string): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const file of files) {
    const shown = path.relative(root, file);
    let text: string;
    try {
      // the one hardened reader: a regular file of the repository, size-capped, never a FIFO
      text = readBoundedFile(file, { root, maxBytes: WORKLOAD_MANIFEST_MAX_BYTES, what: "a manifest file" });
    } catch (err) {
      throw new ManifestError(`${shown}: ${(err as Error).message}`, { cause: err });
    }
    const lines = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lines });
    if (!Array.isArray(docs))
      throw new ManifestError(`${shown}: not a YAML stream (${String(docs)}): fix the file`);
    for (const doc of docs) {
      const at = (offset: number) => `${shown}:${lines.linePos(offset).line}`;
      const error = doc.errors[0];
      if (error)
        throw new ManifestError(
          `${at(error.pos[0])}: invalid YAML (${error.message.split("\n")[0]}): fix the file`,
        );
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue;
      const start = doc.contents?.range?.[0] ?? 0;
      const origin = at(start);
      if (typeof value !== "object" || Array.isArray(value))
        throw new ManifestError(
          `${origin}: a document is not a Kubernetes object (a mapping with apiVersion and kind)`,
        );
      for (const object of expandList(value as RenderedObject, origin)) objects.push({ object, origin });
    }
  }
  return objects;
}

/** A `List` (`kind: List`, or `*List` with `items`) as its items; any other object as itself. */
function expandList(value: RenderedObject, origin: string): RenderedObject[] {
  const isList = typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items);
  const objects = isList ? (value.items as unknown[]) : [value];
  return objects.map((item, i) => {
    const where = isList ? `${origin} (items[${i}])` : origin;
    if (!item || typeof item !== "object" || Array.isArray(item))
      throw new ManifestError(`${where}: not a Kubernetes object (a mapping with apiVersion and kind)`);
    const object = item as RenderedObject;
    const name =
      object.metadata && typeof object.metadata.name === "string" ? object.metadata.name : undefined;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string" || !name)
      throw new ManifestError(
        `${where}: an object needs apiVersion, kind and metadata.name: add the missing ones`,
      );
    return object;
  });
}
